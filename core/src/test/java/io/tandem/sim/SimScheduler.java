package io.tandem.sim;

import java.util.PriorityQueue;

/**
 * Virtual time for a whole simulated cluster of real runtimes: one thread, one queue of events
 * ordered by (time, insertion order), so a run is a pure function of its seed. Each event belongs
 * to an owner (a node's {@link SimNodeLoop}, or {@code null} for the harness and user callbacks);
 * {@link #owner()} tells code which loop it is running on.
 */
final class SimScheduler {

    private record Event(long atNanos, long seq, Object owner, Runnable task) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(atNanos, o.atNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long nowNanos = 1_000_000_000L;
    private long seq;
    private long steps;
    private Object owner;

    long nowNanos() {
        return nowNanos;
    }

    long steps() {
        return steps;
    }

    /** The owner of the event running now ({@code null} between events and for harness events). */
    Object owner() {
        return owner;
    }

    void after(long delayNanos, Object owner, Runnable task) {
        queue.add(new Event(nowNanos + Math.max(0, delayNanos), seq++, owner, task));
    }

    /** Runs events until virtual time passes {@code untilNanos} or nothing is left. */
    void runUntil(long untilNanos) {
        while (!queue.isEmpty() && queue.peek().atNanos() <= untilNanos) {
            Event e = queue.poll();
            nowNanos = Math.max(nowNanos, e.atNanos());
            steps++;
            owner = e.owner();
            try {
                e.task().run();
            } finally {
                owner = null;
            }
        }
        nowNanos = Math.max(nowNanos, untilNanos);
    }

    void runFor(long nanos) {
        runUntil(nowNanos + nanos);
    }
}
