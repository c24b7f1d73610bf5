package io.tandem.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.time.Instant;

/**
 * A versioned record as {@link DataStore} returns it. {@code version} counts the writes of this
 * key since it was created (1 for the first); {@code createRevision} and {@code modRevision} are
 * cluster-wide revisions (every change to any key bumps the revision). The value array is shared:
 * do not modify it.
 */
public record Record(String key, byte[] value, long version, long createRevision, long modRevision,
                     long expiresAtMillis) {

    public Record {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** When the record expires (leader time), if it has a TTL. */
    public Optional<Instant> expiresAt() {
        return expiresAtMillis == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(expiresAtMillis));
    }

    public String valueAsString() {
        return new String(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    static Record of(io.tandem.state.Record r) {
        return new Record(r.key(), r.value(), r.version(), r.createRevision(), r.modRevision(), r.expiresAtMs());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r && r.key.equals(key) && Arrays.equals(r.value, value) && r.version == version
                && r.createRevision == createRevision && r.modRevision == modRevision
                && r.expiresAtMillis == expiresAtMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, version, modRevision);
    }

    @Override
    public String toString() {
        return "Record{" + key + " v" + version + " rev " + modRevision + ", " + value.length + " bytes}";
    }
}
