package io.tandem.time;

/**
 * A hybrid logical clock timestamp (Kulkarni et al., "Logical Physical Clocks", 2014): 48 bits of
 * physical milliseconds since the epoch and a 16-bit logical counter, packed into one {@code long}
 * as {@code physicalMillis << 16 | logical} so that comparing the packed values compares the
 * timestamps. Where a total order across nodes is needed, break ties by node id
 * ({@link #compareWithTieBreak}).
 *
 * <p>The packed form is what travels on the wire, what {@link HybridClock#now()} returns
 * (allocation-free) and what the timestamp oracle hands out. This record is the readable view.
 */
public record HybridTimestamp(long physicalMillis, int logical) implements Comparable<HybridTimestamp> {

    /** Bits of the logical counter. */
    public static final int LOGICAL_BITS = 16;
    public static final int MAX_LOGICAL = (1 << LOGICAL_BITS) - 1;
    /** 2^48 - 1 ms: about the year 10889. */
    public static final long MAX_PHYSICAL = (1L << 48) - 1;

    public HybridTimestamp {
        if (physicalMillis < 0 || physicalMillis > MAX_PHYSICAL) {
            throw new IllegalArgumentException("physical part " + physicalMillis + " ms is outside [0, 2^48)");
        }
        if (logical < 0 || logical > MAX_LOGICAL) {
            throw new IllegalArgumentException("logical part " + logical + " is outside [0, 65535]");
        }
    }

    public static HybridTimestamp fromPacked(long packed) {
        return new HybridTimestamp(physicalOf(packed), logicalOf(packed));
    }

    public long packed() {
        return pack(physicalMillis, logical);
    }

    public static long pack(long physicalMillis, int logical) {
        return physicalMillis << LOGICAL_BITS | logical;
    }

    public static long physicalOf(long packed) {
        return packed >>> LOGICAL_BITS;
    }

    public static int logicalOf(long packed) {
        return (int) (packed & MAX_LOGICAL);
    }

    @Override
    public int compareTo(HybridTimestamp o) {
        return Long.compare(packed(), o.packed());
    }

    /** A total order over (timestamp, node id): equal timestamps of different nodes order by node id. */
    public static int compareWithTieBreak(long a, String nodeA, long b, String nodeB) {
        int c = Long.compare(a, b);
        return c != 0 ? c : nodeA.compareTo(nodeB);
    }

    @Override
    public String toString() {
        return physicalMillis + "." + logical;
    }
}
