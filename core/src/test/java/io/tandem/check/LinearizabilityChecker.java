package io.tandem.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides whether a concurrent history is linearizable with respect to a sequential
 * {@link Model}: whether every operation can be given an instant between its invocation and its
 * response such that, taken in that order, the operations are legal for the model.
 *
 * <pre>{@code
 * History<KeyValueModel.Input<String, Integer>, KeyValueModel.Output<Integer>> history = recorder.history();
 * Result result = LinearizabilityChecker.check(new KeyValueModel<>(), history, Duration.ofSeconds(10));
 * assertTrue(result.isOk(), () -> "seed=" + seed + "\n" + result.report());
 * }</pre>
 *
 * <p>The history is split by {@link Model#partitionKey}, and each partition is searched with the
 * Wing–Gong–Lowe algorithm (see {@link WglSearch}), in the order keys first appear. FAIL
 * operations are ignored; INFO operations may take effect at any time after their invocation, or
 * not at all.
 *
 * <p>Stateless and thread-safe; each call is single-threaded. Deterministic: the same model and
 * history give the same verdict and report, unless a wall-clock timeout cuts the search short
 * (use {@link Budget#steps} where that matters, as in the simulator).
 */
public final class LinearizabilityChecker {

    private LinearizabilityChecker() {
    }

    /**
     * Checks with a wall-clock timeout.
     *
     * @return OK, ILLEGAL with a counterexample per violating partition, or UNKNOWN if the
     *     timeout expired first
     */
    public static <S, I, O> Result check(Model<S, I, O> model, History<I, O> history,
                                         Duration timeout) {
        return check(model, history, Budget.timeout(timeout));
    }

    /**
     * Checks within a budget. Every partition is searched while budget remains, so an ILLEGAL
     * result lists every violating partition found; partitions not reached are UNKNOWN.
     *
     * @return OK, ILLEGAL with a counterexample per violating partition, or UNKNOWN if the budget
     *     ran out before every partition was decided and none was found ILLEGAL
     */
    public static <S, I, O> Result check(Model<S, I, O> model, History<I, O> history,
                                         Budget budget) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(history, "history");
        Budget.Meter meter = budget.start();
        List<PartitionOutcome> outcomes = new ArrayList<>();
        for (Partition<I, O> partition : Partition.split(model, history)) {
            outcomes.add(meter.isSpent() ? notChecked(partition)
                    : new WglSearch<>(model, partition, meter).run());
        }
        return summarize(history, outcomes, meter.steps(), budget);
    }

    private static PartitionOutcome notChecked(Partition<?, ?> partition) {
        return new PartitionOutcome(partition.label(), Result.Verdict.UNKNOWN, null,
                "partition " + partition.label() + ": UNKNOWN, not checked, budget already spent ("
                        + partition.census() + ")");
    }

    private static Result summarize(History<?, ?> history, List<PartitionOutcome> outcomes,
                                    long steps, Budget budget) {
        List<Counterexample> counterexamples = new ArrayList<>();
        int unknown = 0;
        for (PartitionOutcome outcome : outcomes) {
            if (outcome.verdict() == Result.Verdict.ILLEGAL) {
                counterexamples.add(outcome.counterexample());
            } else if (outcome.verdict() == Result.Verdict.UNKNOWN) {
                unknown++;
            }
        }
        Result.Verdict verdict = !counterexamples.isEmpty() ? Result.Verdict.ILLEGAL
                : unknown > 0 ? Result.Verdict.UNKNOWN : Result.Verdict.OK;
        String headline = headline(verdict, history.size(), outcomes.size(),
                counterexamples.size(), unknown, steps, budget);
        return new Result(verdict, steps, counterexamples, headline + details(outcomes));
    }

    private static String headline(Result.Verdict verdict, int operations, int partitions,
                                   int illegal, int unknown, long steps, Budget budget) {
        String scope = operations + " operations in " + partitions + " partition(s), " + steps
                + " steps";
        switch (verdict) {
            case OK:
                return "LINEARIZABLE: " + scope;
            case ILLEGAL:
                return "NOT LINEARIZABLE: " + illegal + " partition(s) have no linearization"
                        + (unknown > 0 ? ", " + unknown + " undecided" : "") + "; " + scope;
            default:
                return "UNKNOWN: " + unknown + " partition(s) undecided within " + budget + "; "
                        + scope;
        }
    }

    /** The violating and undecided partitions; nothing more when every partition is OK. */
    private static String details(List<PartitionOutcome> outcomes) {
        StringBuilder out = new StringBuilder();
        for (PartitionOutcome outcome : outcomes) {
            if (outcome.verdict() != Result.Verdict.OK) {
                out.append('\n').append(outcome.summary());
            }
        }
        return out.toString();
    }
}
