package io.tandem.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log, as storage sees it: an index, a term, a type tag, a timestamp
 * and opaque payload bytes. Storage attaches no meaning to any field except {@code index}.
 *
 * <p><b>Payload arrays are read-only by convention.</b> The record does not copy {@code payload}
 * on construction or on access, so that a batch of entries can travel from the proposer through
 * the log and the transport without copies. Whoever creates an entry hands the array over and
 * must not change it afterwards; whoever reads an entry must not change the array it gets.
 * {@link #equals}, {@link #hashCode} and {@link #toString} use the array contents.
 *
 * @param index position in the log, {@code >= 1}
 * @param term opaque to storage, {@code >= 0}
 * @param type opaque type tag chosen by the layer above
 * @param timestamp opaque to storage (the leader's hybrid-clock stamp)
 * @param payload the entry's bytes, never {@code null}, possibly empty
 */
public record LogEntry(long index, long term, byte type, long timestamp, byte[] payload) {

    /** Bytes an entry occupies besides its payload: index, term, type and timestamp. */
    public static final int FIXED_BYTES = Long.BYTES + Long.BYTES + 1 + Long.BYTES;

    /** Validates the fields; see the class comment for the ownership of {@code payload}. */
    public LogEntry {
        Objects.requireNonNull(payload, "payload");
        if (index < 1) {
            throw new IllegalArgumentException("index (" + index + ") must be >= 1");
        }
        if (term < 0) {
            throw new IllegalArgumentException("term (" + term + ") must be >= 0");
        }
    }

    /**
     * The size that read limits count for this entry: {@link #FIXED_BYTES} plus the payload length.
     * Counting the fixed part keeps a limit meaningful for entries with empty payloads.
     */
    public int sizeBytes() {
        return FIXED_BYTES + payload.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e
                && index == e.index && term == e.term && type == e.type
                && timestamp == e.timestamp && Arrays.equals(payload, e.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, term, type, timestamp, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return "LogEntry[index=" + index + ", term=" + term + ", type=" + type
                + ", timestamp=" + timestamp + ", payloadBytes=" + payload.length + "]";
    }
}
