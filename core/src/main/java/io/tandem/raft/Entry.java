package io.tandem.raft;

import java.util.Objects;

/**
 * One log entry. {@code timestamp} is the leader's stamp (milliseconds of its hybrid clock,
 * non-decreasing along the log); the state machine uses it as its only notion of time.
 *
 * <p>The payload array is read-only by convention: nobody mutates it after construction, so it
 * is shared without copies between the log, messages and the state machine.
 */
public record Entry(long index, long term, EntryType type, long timestamp, byte[] payload) {

    private static final byte[] EMPTY = new byte[0];

    public Entry {
        Objects.requireNonNull(type, "type");
        if (payload == null) {
            payload = EMPTY;
        }
    }

    /** Bytes this entry counts against message and in-flight limits. */
    public long sizeBytes() {
        return payload.length + 32L;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.index == index && e.term == term && e.type == type
                && e.timestamp == timestamp && java.util.Arrays.equals(e.payload, payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, term, type, timestamp, java.util.Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return "Entry{" + index + "/" + term + " " + type + " ts=" + timestamp + " " + payload.length + "B}";
    }
}
