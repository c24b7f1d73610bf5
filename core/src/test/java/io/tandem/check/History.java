package io.tandem.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable, ordered list of {@link Operation}s: the input of every checker in this package.
 *
 * <p>The list order carries no meaning for correctness (real-time order comes from the times),
 * but it fixes the numbering used in reports ({@code #12} is {@code operations().get(12)}) and the
 * order in which partitions are reported, so keep it stable, e.g. invocation order.
 *
 * @param <I> the model's input type
 * @param <O> the model's output type
 */
public final class History<I, O> {

    private final List<Operation<I, O>> operations;

    private History(List<Operation<I, O>> operations) {
        this.operations = List.copyOf(operations);
    }

    /** A history of the given operations, in the given order. */
    public static <I, O> History<I, O> of(List<Operation<I, O>> operations) {
        return new History<>(operations);
    }

    /** A history of the given operations, in the given order. */
    @SafeVarargs
    public static <I, O> History<I, O> of(Operation<I, O>... operations) {
        // Copied element by element: handing the generic array on is what -Xlint:varargs flags.
        List<Operation<I, O>> list = new ArrayList<>(operations.length);
        for (Operation<I, O> op : operations) {
            list.add(op);
        }
        return new History<>(list);
    }

    /**
     * Builds a history from events in the order they happened; an event's index in the list is its
     * time. Invocations still pending at the end become INFO operations, because the client never
     * learned whether they took effect. Operations are numbered in invocation order.
     *
     * @throws IllegalArgumentException if a client invokes while it already has an operation in
     *     flight, or completes without one
     */
    public static <I, O> History<I, O> fromEvents(List<Event<I, O>> events) {
        // TreeMap so the leftover pending invocations are visited in a fixed order.
        Map<Integer, Integer> pendingByClient = new TreeMap<>();
        List<Event<I, O>> invocations = new ArrayList<>();
        List<Long> invokeTimes = new ArrayList<>();
        List<Operation<I, O>> completed = new ArrayList<>();
        for (int time = 0; time < events.size(); time++) {
            Event<I, O> event = events.get(time);
            if (event.type() == Event.Type.INVOKE) {
                Integer previous = pendingByClient.put(event.client(), invocations.size());
                if (previous != null) {
                    throw new IllegalArgumentException("event " + time + ": client " + event.client()
                            + " invoked " + event.input() + " while "
                            + invocations.get(previous).input() + " (event "
                            + invokeTimes.get(previous) + ") is still in flight");
                }
                invocations.add(event);
                invokeTimes.add((long) time);
                completed.add(null);
                continue;
            }
            Integer slot = pendingByClient.remove(event.client());
            if (slot == null) {
                throw new IllegalArgumentException("event " + time + ": " + event.type()
                        + " for client " + event.client() + ", which has no invocation in flight");
            }
            completed.set(slot, complete(invocations.get(slot), invokeTimes.get(slot), time, event));
        }
        for (int slot : pendingByClient.values()) {
            Event<I, O> invocation = invocations.get(slot);
            completed.set(slot, Operation.info(invocation.client(), invokeTimes.get(slot),
                    invocation.input()));
        }
        return new History<>(completed);
    }

    private static <I, O> Operation<I, O> complete(Event<I, O> invocation, long invokeTime,
                                                   long responseTime, Event<I, O> completion) {
        int client = invocation.client();
        I input = invocation.input();
        switch (completion.type()) {
            case OK:
                return Operation.ok(client, invokeTime, responseTime, input, completion.output());
            case FAIL:
                return Operation.fail(client, invokeTime, responseTime, input);
            case INFO:
                return Operation.info(client, invokeTime, input);
            default:
                throw new IllegalStateException("not a completion: " + completion);
        }
    }

    /** The operations, in history order. Unmodifiable. */
    public List<Operation<I, O>> operations() {
        return operations;
    }

    /** The operation numbered {@code index} in reports. */
    public Operation<I, O> get(int index) {
        return operations.get(index);
    }

    /** The number of operations, including FAIL and INFO ones. */
    public int size() {
        return operations.size();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("History[" + operations.size() + " operations]");
        for (int i = 0; i < operations.size(); i++) {
            out.append("\n  ").append(Reports.operation(i, operations.get(i),
                    String::valueOf, String::valueOf));
        }
        return out.toString();
    }
}
