package io.tandem.node;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The event loop's inbox: many producers (callers, I/O threads, the log's sync thread), one
 * consumer (the loop), bounded. It replaces an {@code ArrayBlockingQueue}, whose single lock every
 * caller and the loop contended for: under load most of a node's system calls were futex waits
 * and wake-ups on that lock. Here producers never block one another (a lock-free queue and an
 * atomic count), and a producer wakes the loop only when the loop has said it is going to sleep.
 *
 * <p>The wake-up handshake: the loop sets {@code sleeping} and then looks at the queue once more
 * before parking; a producer adds to the queue and then reads {@code sleeping}. Both are
 * sequentially consistent (volatile, CAS), so either the loop sees the new event or the producer
 * sees the flag and unparks it (a permit given before the park makes the park return at once).
 */
final class LoopInbox {

    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private volatile Thread consumer;
    private volatile boolean sleeping;

    LoopInbox(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("inbox capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Adds {@code event} unless the inbox holds {@code capacity} events already. Never blocks. */
    boolean offer(Runnable event) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        queue.offer(event);
        if (sleeping) {
            Thread t = consumer;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
        return true;
    }

    /** Adds {@code event}, waiting for room; for events that must not be lost. */
    void put(Runnable event) throws InterruptedException {
        while (!offer(event)) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for room in the inbox");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** The next event, or null at once if there is none. Consumer only. */
    Runnable poll() {
        Runnable r = queue.poll();
        if (r != null) {
            size.decrementAndGet();
        }
        return r;
    }

    /** The next event, waiting up to {@code timeout}; null if none came. Consumer only. */
    Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
        Runnable r = poll();
        if (r != null) {
            return r;
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        consumer = Thread.currentThread();
        try {
            for (;;) {
                sleeping = true;
                r = poll();
                if (r != null) {
                    return r;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                LockSupport.parkNanos(this, left);
                sleeping = false;
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting for events");
                }
                r = poll();
                if (r != null) {
                    return r;
                }
            }
        } finally {
            sleeping = false;
        }
    }

    int size() {
        return Math.max(0, size.get());
    }
}
