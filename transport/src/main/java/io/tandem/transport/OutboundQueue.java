package io.tandem.transport;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Encoded frames waiting for one destination, bounded by count and by bytes. Producers are any
 * threads; the consumer is the destination's event loop. When either bound would be exceeded the
 * offered frame is refused (the caller drops it: drop newest). Room is reserved before the frame is
 * added and released after it is taken, so the bounds hold under any interleaving; concurrent
 * producers may see a spurious refusal near the limit, never an overshoot.
 */
final class OutboundQueue {

    private final ConcurrentLinkedQueue<byte[]> frames = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final int messagesMax;
    private final long bytesMax;

    OutboundQueue(int messagesMax, long bytesMax) {
        this.messagesMax = messagesMax;
        this.bytesMax = bytesMax;
    }

    /** Cheap check before encoding: true when not even one more message would be accepted. */
    boolean isFull() {
        return count.get() >= messagesMax;
    }

    boolean offer(byte[] frame) {
        if (count.incrementAndGet() > messagesMax) {
            count.decrementAndGet();
            return false;
        }
        if (bytes.addAndGet(frame.length) > bytesMax) {
            bytes.addAndGet(-frame.length);
            count.decrementAndGet();
            return false;
        }
        frames.add(frame);
        return true;
    }

    byte[] poll() {
        byte[] frame = frames.poll();
        if (frame != null) {
            bytes.addAndGet(-frame.length);
            count.decrementAndGet();
        }
        return frame;
    }

    /** Removes everything; returns how many frames were removed. */
    int clear() {
        int removed = 0;
        while (poll() != null) {
            removed++;
        }
        return removed;
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    int size() {
        return count.get();
    }

    long bytes() {
        return bytes.get();
    }
}
