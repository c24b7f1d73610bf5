package io.tandem.check;

import java.util.Objects;

/**
 * One client-visible operation of a recorded history: who issued it, when it was invoked and when
 * its response arrived, what it asked for and what it got back.
 *
 * <p>Times are plain {@code long}s in any unit (nanos, simulated ticks, logical counter) as long as
 * one history uses one clock. Only real-time order matters: operation {@code a} precedes {@code b}
 * iff {@code a.responseTime() < b.invokeTime()}. Equal times therefore mean "concurrent", which is
 * the safe reading for coarse clocks such as simulator ticks.
 *
 * <p>{@link Status#INFO} operations are indeterminate (a timeout, a dropped connection): they may or
 * may not have taken effect, at any instant after invocation. Their response time is stored as
 * {@link Long#MAX_VALUE} and their output as {@code null}; the checker treats the output as
 * unconstrained. {@link Status#FAIL} operations definitely did not take effect and are ignored by
 * the checkers; record one only when the system guarantees that (e.g. a rejected request).
 *
 * <p>Immutable. Inputs and outputs should be immutable values too; the checker never copies them.
 *
 * @param client        the client or process id, used only in reports
 * @param invokeTime    when the request was issued (recorded <em>before</em> sending it)
 * @param responseTime  when the response arrived (recorded <em>after</em> receiving it);
 *                      {@link Long#MAX_VALUE} for INFO
 * @param input         what the operation asked for; never {@code null}
 * @param output        what it returned; {@code null} for FAIL and INFO (and allowed for OK)
 * @param status        whether it completed, definitely failed, or is unknown
 * @param <I>           the model's input type
 * @param <O>           the model's output type
 */
public record Operation<I, O>(int client, long invokeTime, long responseTime, I input, O output,
                              Status status) {

    /** How an operation ended, as the client saw it. */
    public enum Status {
        /** Completed; the output was observed. */
        OK,
        /** Definitely had no effect; dropped before checking. */
        FAIL,
        /** Indeterminate: may have taken effect at any time after invocation, output unknown. */
        INFO
    }

    /**
     * Validates the operation.
     *
     * @throws IllegalArgumentException if the input or status is missing, a completed operation
     *     responded before it was invoked, or an INFO/FAIL operation carries an output
     */
    public Operation {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(status, "status");
        if (status == Status.INFO && responseTime != Long.MAX_VALUE) {
            throw new IllegalArgumentException("client " + client + " INFO operation " + input
                    + ": response time must be Long.MAX_VALUE (unknown), got " + responseTime);
        }
        if (responseTime < invokeTime) {
            throw new IllegalArgumentException("client " + client + " operation " + input
                    + ": response time " + responseTime + " is before invoke time " + invokeTime);
        }
        if (status != Status.OK && output != null) {
            throw new IllegalArgumentException("client " + client + " " + status + " operation "
                    + input + " must not carry an output, got " + output);
        }
    }

    /** An operation that completed with {@code output}. */
    public static <I, O> Operation<I, O> ok(int client, long invokeTime, long responseTime,
                                            I input, O output) {
        return new Operation<>(client, invokeTime, responseTime, input, output, Status.OK);
    }

    /** An operation that definitely did not take effect. */
    public static <I, O> Operation<I, O> fail(int client, long invokeTime, long responseTime,
                                              I input) {
        return new Operation<>(client, invokeTime, responseTime, input, null, Status.FAIL);
    }

    /** An indeterminate operation: may take effect at any time after {@code invokeTime}, or never. */
    public static <I, O> Operation<I, O> info(int client, long invokeTime, I input) {
        return new Operation<>(client, invokeTime, Long.MAX_VALUE, input, null, Status.INFO);
    }

    /** True iff this operation responded strictly before {@code other} was invoked. */
    public boolean precedes(Operation<?, ?> other) {
        return status != Status.INFO && responseTime < other.invokeTime;
    }

    /** True iff the response time is known, i.e. the status is not INFO. */
    public boolean hasResponded() {
        return status != Status.INFO;
    }
}
