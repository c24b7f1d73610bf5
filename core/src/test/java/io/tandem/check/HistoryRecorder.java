package io.tandem.check;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Records a history while clients run, for a test harness or a chaos workload.
 *
 * <pre>{@code
 * HistoryRecorder<KeyValueModel.Input<String, Integer>, KeyValueModel.Output<Integer>> recorder =
 *     new HistoryRecorder<>();
 * var call = recorder.recordInvoke(clientId, KeyValueModel.put("k", 7));   // before sending
 * try {
 *     client.put("k", 7);
 *     call.ok(KeyValueModel.Output.ok());                                  // after the reply
 * } catch (TimeoutException e) {
 *     call.unknown();                                                      // may have happened
 * }
 * Result result = LinearizabilityChecker.check(new KeyValueModel<>(), recorder.history(), timeout);
 * }</pre>
 *
 * <p>Thread-safe: any number of client threads may record concurrently. Times come from the
 * supplied clock, read under the recorder's lock, so that an operation completed before another
 * was invoked always gets a smaller response time than that invocation. The default clock is a
 * logical counter, which needs no wall clock and never produces ties. A simulator should pass its
 * virtual clock; it must never go backwards, and equal times are treated as concurrent.
 *
 * <p>Soundness depends on where the harness records: call {@link #recordInvoke} before the request
 * can reach the system, and complete the handle only after the response has arrived. Recording
 * late or completing early narrows the window and can turn a correct history into a false alarm.
 *
 * @param <I> the model's input type
 * @param <O> the model's output type
 */
public final class HistoryRecorder<I, O> {

    private final LongSupplier clock;
    private final List<Operation<I, O>> operations = new ArrayList<>();
    /** Slots whose handle was completed, INFO included (an INFO slot looks like a pending one). */
    private final BitSet completed = new BitSet();
    private long logicalTime;
    private long lastTime = Long.MIN_VALUE;

    /** A recorder on a logical clock: every invocation and completion gets the next integer. */
    public HistoryRecorder() {
        this.clock = () -> logicalTime++;
    }

    /**
     * A recorder on the given clock, e.g. the simulator's virtual time.
     *
     * @param clock called under the recorder's lock; must never go backwards
     */
    public HistoryRecorder(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records that {@code client} is about to issue {@code input}. The returned handle must be
     * completed exactly once; one left pending becomes INFO in {@link #history()}.
     *
     * @throws IllegalStateException if the clock went backwards
     */
    public synchronized Invocation recordInvoke(int client, I input) {
        Objects.requireNonNull(input, "input");
        int slot = operations.size();
        operations.add(Operation.info(client, now(), input));
        return new Invocation(slot);
    }

    /**
     * A snapshot of everything recorded so far, in invocation order. Operations still in flight
     * appear as INFO, since they may yet take effect.
     */
    public synchronized History<I, O> history() {
        return History.of(operations);
    }

    private long now() {
        long time = clock.getAsLong();
        if (time < lastTime) {
            throw new IllegalStateException("recorder clock went backwards: " + time + " < " + lastTime);
        }
        lastTime = time;
        return time;
    }

    private synchronized void complete(int slot, Operation.Status status, O output) {
        Operation<I, O> pending = operations.get(slot);
        if (completed.get(slot)) {
            throw new IllegalStateException("operation #" + slot + " of client " + pending.client()
                    + " (" + pending.input() + ") was already completed as " + pending.status());
        }
        completed.set(slot);
        switch (status) {
            case OK:
                operations.set(slot, Operation.ok(pending.client(), pending.invokeTime(), now(),
                        pending.input(), output));
                break;
            case FAIL:
                operations.set(slot, Operation.fail(pending.client(), pending.invokeTime(), now(),
                        pending.input()));
                break;
            case INFO:
                break; // already recorded as INFO at invocation
            default:
                throw new IllegalStateException("unknown status " + status);
        }
    }

    /** The handle of one recorded invocation. Complete it exactly once, from any thread. */
    public final class Invocation {
        private final int slot;

        private Invocation(int slot) {
            this.slot = slot;
        }

        /**
         * The operation completed and returned {@code output}.
         *
         * @throws IllegalStateException if this invocation was already completed
         */
        public void ok(O output) {
            complete(slot, Operation.Status.OK, output);
        }

        /**
         * The operation definitely did not take effect. Only use this when the system guarantees
         * it; when in doubt, use {@link #unknown()}.
         *
         * @throws IllegalStateException if this invocation was already completed
         */
        public void fail() {
            complete(slot, Operation.Status.FAIL, null);
        }

        /**
         * The outcome is unknown (timeout, lost connection): the operation may take effect at any
         * time after its invocation, or never.
         *
         * @throws IllegalStateException if this invocation was already completed
         */
        public void unknown() {
            complete(slot, Operation.Status.INFO, null);
        }
    }
}
