package io.tandem.transport;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * Encoded frames waiting for one destination, bounded by count and by bytes. Producers are any
 * threads; the consumer is the destination's event loop. When either bound would be exceeded the
 * offered frame is refused (the caller drops it: drop newest).
 *
 * <p>Count and bytes live in one {@code AtomicLong} (count in the top 24 bits, bytes in the low
 * 40), so an offer is one atomic add, and the consumer gives room back once per batch
 * ({@link #release}) rather than once per frame: the producer and consumer run on different cores
 * and every shared atomic is a cache-line transfer. Room is reserved before a frame is added and
 * released after it is taken, so the frames held never exceed the bounds under any interleaving.
 * Concurrent producers may see a spurious refusal near the limit, and {@link #size()} may
 * momentarily include a reservation that a refused producer is about to roll back.
 *
 * @param <F> the frame representation ({@code ByteBuf} for Netty, {@code byte[]} in memory)
 */
final class OutboundQueue<F> {

    static final int MESSAGES_LIMIT = (1 << 24) - 1;
    private static final int COUNT_SHIFT = 40;
    private static final long BYTES_MASK = (1L << COUNT_SHIFT) - 1;
    private static final long ONE = 1L << COUNT_SHIFT;

    private final ConcurrentLinkedQueue<F> frames = new ConcurrentLinkedQueue<>();
    private final AtomicLong state = new AtomicLong();
    private final int messagesMax;
    private final long bytesMax;
    private final ToIntFunction<F> sizeOf;
    private final Consumer<F> discard;

    /**
     * @param sizeOf the encoded size of a frame
     * @param discard frees a frame that will never be sent (releases a {@code ByteBuf})
     */
    OutboundQueue(int messagesMax, long bytesMax, ToIntFunction<F> sizeOf, Consumer<F> discard) {
        if (messagesMax > MESSAGES_LIMIT || bytesMax > BYTES_MASK) {
            throw new IllegalArgumentException("queue bounds above " + MESSAGES_LIMIT + " messages / " + BYTES_MASK
                    + " bytes");
        }
        this.messagesMax = messagesMax;
        this.bytesMax = bytesMax;
        this.sizeOf = sizeOf;
        this.discard = discard;
    }

    /** Cheap check before encoding: true when not even one more message would be accepted. */
    boolean isFull() {
        return (state.get() >>> COUNT_SHIFT) >= messagesMax;
    }

    /** Queues {@code frame}, or discards it and returns false when a bound would be exceeded. */
    boolean offer(F frame) {
        long delta = ONE + sizeOf.applyAsInt(frame);
        long after = state.addAndGet(delta);
        if ((after >>> COUNT_SHIFT) > messagesMax || (after & BYTES_MASK) > bytesMax) {
            state.addAndGet(-delta);
            discard.accept(frame);
            return false;
        }
        frames.add(frame);
        return true;
    }

    /** Takes the oldest frame without giving its room back; the consumer calls {@link #release} after a batch. */
    F take() {
        return frames.poll();
    }

    /** Gives back the room of {@code count} frames of {@code bytes} in total, taken with {@link #take}. */
    void release(int count, long bytes) {
        if (count > 0) {
            state.addAndGet(-(count * ONE + bytes));
        }
    }

    /** Discards everything queued; returns how many frames were discarded. */
    int clear() {
        int removed = 0;
        long bytes = 0;
        F frame;
        while ((frame = frames.poll()) != null) {
            bytes += sizeOf.applyAsInt(frame);
            discard.accept(frame);
            removed++;
        }
        release(removed, bytes);
        return removed;
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    int size() {
        return (int) (state.get() >>> COUNT_SHIFT);
    }

    long bytes() {
        return state.get() & BYTES_MASK;
    }
}
