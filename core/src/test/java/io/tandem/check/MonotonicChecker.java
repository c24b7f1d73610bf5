package io.tandem.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Checks for values that must grow: the cluster timestamp oracle ({@code time.nextTimestamp()}),
 * counters, fencing tokens handed out in real time. These need no search: each condition is a
 * sort and a sweep, O(n log n).
 *
 * <ul>
 *   <li>{@link #strictlyIncreasing}: every returned value is greater than every value returned by
 *       an operation that completed before it was invoked. Concurrent operations may come back in
 *       either order.
 *   <li>{@link #unique}: no two operations returned equal values, concurrent or not.
 * </ul>
 *
 * A cluster-wide strictly increasing oracle must pass both; check both.
 *
 * <p>The output of each OK operation is the value it returned (its input is only reported). INFO
 * and FAIL operations returned nothing and are ignored. Stateless and thread-safe;
 * deterministic: violations are reported in history order.
 */
public final class MonotonicChecker {

    /** The report lists this many violations; {@link Result#counterexamples()} has all of them. */
    private static final int VIOLATIONS_SHOWN = 10;

    private MonotonicChecker() {
    }

    /**
     * Checks that each value exceeds every value returned by an operation that precedes it in
     * real time.
     *
     * @throws IllegalArgumentException if an OK operation returned {@code null}
     */
    public static <I, T extends Comparable<? super T>> Result strictlyIncreasing(
            History<I, T> history) {
        List<Integer> completed = completed(history);
        List<Integer> byInvoke = sorted(completed, i -> history.get(i).invokeTime());
        List<Integer> byResponse = sorted(completed, i -> history.get(i).responseTime());
        List<int[]> pairs = new ArrayList<>(); // {later, earlier}
        int next = 0;
        int maxSoFar = -1; // index of the largest value among operations completed so far
        for (int later : byInvoke) {
            Operation<I, T> op = history.get(later);
            while (next < byResponse.size() && history.get(byResponse.get(next)).precedes(op)) {
                int earlier = byResponse.get(next++);
                if (maxSoFar < 0 || value(history, earlier).compareTo(value(history, maxSoFar)) > 0) {
                    maxSoFar = earlier;
                }
            }
            if (maxSoFar >= 0 && op.output().compareTo(value(history, maxSoFar)) <= 0) {
                pairs.add(new int[] {later, maxSoFar});
            }
        }
        pairs.sort(Comparator.comparingInt(pair -> pair[0])); // report in history order
        List<Counterexample> violations = new ArrayList<>();
        pairs.forEach(pair -> violations.add(notIncreasing(history, pair[0], pair[1])));
        return result("strictly increasing", history, completed.size(), violations);
    }

    /**
     * Checks that no two OK operations returned equal values ({@code compareTo == 0}).
     *
     * @throws IllegalArgumentException if an OK operation returned {@code null}
     */
    public static <I, T extends Comparable<? super T>> Result unique(History<I, T> history) {
        List<Integer> completed = completed(history);
        List<Integer> byValue = new ArrayList<>(completed);
        byValue.sort(Comparator.<Integer, T>comparing(i -> value(history, i))
                .thenComparingInt(i -> i));
        List<Counterexample> violations = new ArrayList<>();
        for (int k = 1; k < byValue.size(); k++) {
            int first = byValue.get(k - 1);
            int second = byValue.get(k);
            if (value(history, first).compareTo(value(history, second)) == 0) {
                violations.add(duplicate(history, second, first));
            }
        }
        return result("unique", history, completed.size(), violations);
    }

    private static <I, T> List<Integer> completed(History<I, T> history) {
        List<Integer> completed = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            Operation<I, T> op = history.get(i);
            if (op.status() != Operation.Status.OK) {
                continue;
            }
            if (op.output() == null) {
                throw new IllegalArgumentException("operation #" + i + " of client " + op.client()
                        + " (" + op.input() + ") is OK but returned no value");
            }
            completed.add(i);
        }
        return completed;
    }

    private static List<Integer> sorted(List<Integer> indices, ToLongFunction<Integer> time) {
        List<Integer> sorted = new ArrayList<>(indices);
        sorted.sort(Comparator.comparingLong(time).thenComparingInt(i -> i));
        return sorted;
    }

    private static <T> T value(History<?, T> history, int index) {
        return history.get(index).output();
    }

    private static <I, T> Counterexample notIncreasing(History<I, T> history, int later, int earlier) {
        String text = describe(history, later) + "\n      returned " + value(history, later)
                + ", not greater than " + value(history, earlier) + " returned by\n    "
                + describe(history, earlier) + "\n      which completed before it was invoked";
        return new Counterexample(Model.WHOLE_HISTORY.toString(), List.of(),
                List.of(history.get(later), history.get(earlier)), text);
    }

    private static <I, T> Counterexample duplicate(History<I, T> history, int second, int first) {
        String text = describe(history, second) + "\n      returned " + value(history, second)
                + ", as did\n    " + describe(history, first);
        return new Counterexample(Model.WHOLE_HISTORY.toString(), List.of(),
                List.of(history.get(second), history.get(first)), text);
    }

    private static <I, T> String describe(History<I, T> history, int index) {
        return Reports.operation(index, history.get(index), String::valueOf, String::valueOf);
    }

    private static Result result(String property, History<?, ?> history, int completed,
                                 List<Counterexample> violations) {
        String scope = history.size() + " operations (" + completed + " ok)";
        if (violations.isEmpty()) {
            return new Result(Result.Verdict.OK, 0, violations, property.toUpperCase() + ": " + scope);
        }
        StringBuilder report = new StringBuilder("NOT " + property.toUpperCase() + ": "
                + violations.size() + " violation(s) in " + scope);
        violations.stream().limit(VIOLATIONS_SHOWN)
                .forEach(v -> report.append("\n    ").append(v.explanation()));
        if (violations.size() > VIOLATIONS_SHOWN) {
            report.append("\n    ... and ").append(violations.size() - VIOLATIONS_SHOWN).append(" more");
        }
        return new Result(Result.Verdict.ILLEGAL, 0, violations, report.toString());
    }
}
