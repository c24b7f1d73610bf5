package io.tandem.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Turns a linearizable history into one that is certainly not, by changing one completed read to
 * return a value it cannot return in <em>any</em> linearization. With unique written values, a
 * read of key k cannot return v if:
 * <ul>
 *   <li>v is never stored: written by a FAIL operation or a CAS that reported failure; or
 *   <li>v is from the future: its writer was invoked after the read responded; or
 *   <li>v is stale: its writer W completed, then an operation that certainly overwrote k was
 *       invoked after W responded and responded before the read was invoked. Since only W can
 *       store v, v is gone for good before the read starts.
 * </ul>
 * If no such value exists, the read returns {@link #NEVER_WRITTEN}. The rules use only the
 * recorded history, never the witness linearization, because another linearization of the same
 * history might make a "non-current" value legal.
 */
final class ReadMutation {

    static final int NEVER_WRITTEN = -1;

    private ReadMutation() {
    }

    /** The mutated history and what changed, for failure messages. */
    record Mutated<I, O>(History<I, O> history, int readIndex, Object key, int value, String why) {
    }

    static <I, O> Optional<Mutated<I, O>> mutate(History<I, O> history, Workloads.Facts<I, O> facts,
                                                 SplittableRandom random) {
        List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            Operation<I, O> op = history.get(i);
            if (op.status() == Operation.Status.OK && facts.isRead(op.input())) {
                reads.add(i);
            }
        }
        if (reads.isEmpty()) {
            return Optional.empty();
        }
        int readIndex = reads.get(random.nextInt(reads.size()));
        Operation<I, O> read = history.get(readIndex);
        Object key = facts.key(read.input());
        List<Integer> impossible = new ArrayList<>(impossibleValues(history, facts, read, key));
        String why = impossible.isEmpty() ? "never written" : "stale, future or never stored";
        int value = impossible.isEmpty() ? NEVER_WRITTEN : impossible.get(random.nextInt(impossible.size()));
        O original = read.output();
        O mutatedOutput = facts.readReturning(value);
        if (mutatedOutput.equals(original)) {
            throw new IllegalStateException("mutation of #" + readIndex + " to " + value
                    + " returns the original output; the impossible-value rules are wrong");
        }
        List<Operation<I, O>> ops = new ArrayList<>(history.operations());
        ops.set(readIndex, Operation.ok(read.client(), read.invokeTime(), read.responseTime(),
                read.input(), mutatedOutput));
        return Optional.of(new Mutated<>(History.of(ops), readIndex, key, value, why));
    }

    private static <I, O> TreeSet<Integer> impossibleValues(History<I, O> history,
                                                            Workloads.Facts<I, O> facts,
                                                            Operation<I, O> read, Object key) {
        long lastOverwriteInvoke = Long.MIN_VALUE; // latest invoke of a certain overwrite done before the read
        for (Operation<I, O> op : history.operations()) {
            if (op.status() == Operation.Status.OK && key.equals(facts.key(op.input()))
                    && op.precedes(read) && facts.overwrote(op.input(), op.output())) {
                lastOverwriteInvoke = Math.max(lastOverwriteInvoke, op.invokeTime());
            }
        }
        TreeSet<Integer> impossible = new TreeSet<>(); // sorted: the pick is seed-deterministic
        for (Operation<I, O> op : history.operations()) {
            Integer value = facts.written(op.input());
            if (value == null || !key.equals(facts.key(op.input()))) {
                continue;
            }
            boolean neverStored = op.status() == Operation.Status.FAIL
                    || (op.status() == Operation.Status.OK && !facts.installed(op.input(), op.output()));
            boolean future = op.invokeTime() > read.responseTime();
            boolean stale = op.status() == Operation.Status.OK && op.responseTime() < lastOverwriteInvoke;
            if (neverStored || future || stale) {
                impossible.add(value);
            }
        }
        return impossible;
    }
}
