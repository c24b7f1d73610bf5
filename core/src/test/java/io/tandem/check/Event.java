package io.tandem.check;

import java.util.Objects;

/**
 * One entry of the event form of a history: an invocation or a completion, in the order they
 * happened. Use it when a harness logs events rather than timestamps;
 * {@link History#fromEvents(java.util.List)} turns a list of events into operations, using each
 * event's position in the list as its time.
 *
 * <p>As in Jepsen, each client has at most one operation in flight: a completion belongs to the
 * client's pending invocation.
 *
 * @param type   invocation, or how the operation completed
 * @param client the client or process id
 * @param input  the input of an {@link Type#INVOKE}; {@code null} for completions
 * @param output the output of an {@link Type#OK}; {@code null} otherwise
 * @param <I>    the model's input type
 * @param <O>    the model's output type
 */
public record Event<I, O>(Type type, int client, I input, O output) {

    /** The kind of event. */
    public enum Type { INVOKE, OK, FAIL, INFO }

    /**
     * Validates the event.
     *
     * @throws IllegalArgumentException if an invocation has no input or a completion has one
     */
    public Event {
        Objects.requireNonNull(type, "type");
        if ((type == Type.INVOKE) != (input != null)) {
            throw new IllegalArgumentException("client " + client + " " + type
                    + " event: an input is required on INVOKE and forbidden otherwise, got " + input);
        }
        if (type != Type.OK && output != null) {
            throw new IllegalArgumentException("client " + client + " " + type
                    + " event must not carry an output, got " + output);
        }
    }

    /** Client {@code client} invoked {@code input}. */
    public static <I, O> Event<I, O> invoke(int client, I input) {
        return new Event<>(Type.INVOKE, client, input, null);
    }

    /** The pending invocation of {@code client} completed with {@code output}. */
    public static <I, O> Event<I, O> ok(int client, O output) {
        return new Event<>(Type.OK, client, null, output);
    }

    /** The pending invocation of {@code client} definitely did not take effect. */
    public static <I, O> Event<I, O> fail(int client) {
        return new Event<>(Type.FAIL, client, null, null);
    }

    /** The pending invocation of {@code client} has an unknown outcome. */
    public static <I, O> Event<I, O> info(int client) {
        return new Event<>(Type.INFO, client, null, null);
    }
}
