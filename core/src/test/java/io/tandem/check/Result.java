package io.tandem.check;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of checking a history: a {@link Verdict}, the evidence when it is
 * {@link Verdict#ILLEGAL}, and a report to put in a failed assertion's message.
 *
 * <pre>{@code
 * Result result = LinearizabilityChecker.check(model, history, Duration.ofSeconds(10));
 * assertTrue(result.isOk(), () -> "seed " + seed + "\n" + result.report());
 * }</pre>
 *
 * <p>Immutable. The report is deterministic for a given history and model, except for which
 * partitions a wall-clock timeout cut short.
 */
public final class Result {

    /** What the checker concluded. */
    public enum Verdict {
        /** A linearization exists (for every partition). */
        OK,
        /** Proven: no linearization exists for at least one partition. */
        ILLEGAL,
        /** The budget ran out before the search could decide; nothing is proven either way. */
        UNKNOWN
    }

    private final Verdict verdict;
    private final long steps;
    private final List<Counterexample> counterexamples;
    private final String report;

    Result(Verdict verdict, long steps, List<Counterexample> counterexamples, String report) {
        this.verdict = Objects.requireNonNull(verdict, "verdict");
        this.steps = steps;
        this.counterexamples = List.copyOf(counterexamples);
        this.report = Objects.requireNonNull(report, "report");
    }

    /** The verdict. ILLEGAL wins over UNKNOWN: one proven violation is enough. */
    public Verdict verdict() {
        return verdict;
    }

    /** True iff the verdict is {@link Verdict#OK}. */
    public boolean isOk() {
        return verdict == Verdict.OK;
    }

    /** True iff the verdict is {@link Verdict#ILLEGAL}. */
    public boolean isIllegal() {
        return verdict == Verdict.ILLEGAL;
    }

    /** True iff the verdict is {@link Verdict#UNKNOWN}. */
    public boolean isUnknown() {
        return verdict == Verdict.UNKNOWN;
    }

    /** Search steps used, over all partitions; 0 for checkers that do not search. */
    public long steps() {
        return steps;
    }

    /** One counterexample per violating partition (or violation), in history order. */
    public List<Counterexample> counterexamples() {
        return counterexamples;
    }

    /** A multi-line, human-readable summary, with the counterexamples when ILLEGAL. */
    public String report() {
        return report;
    }

    @Override
    public String toString() {
        return report;
    }
}
