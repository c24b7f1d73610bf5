package io.tandem.state;

import java.util.Arrays;
import java.util.Objects;

/**
 * A versioned record. {@code version} counts writes of this key since it was (re)created,
 * starting at 1; {@code createRevision} and {@code modRevision} are cluster-wide revisions (every
 * mutation of any key increments the revision, as in etcd). {@code expiresAtMs} is 0 for no
 * TTL; {@code ownerSession} is 0 unless the record is ephemeral. The value is read-only by
 * convention.
 */
public record Record(String key, byte[] value, long version, long createRevision, long modRevision,
                     long expiresAtMs, long ownerSession) {

    public Record {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r && r.key.equals(key) && Arrays.equals(r.value, value) && r.version == version
                && r.createRevision == createRevision && r.modRevision == modRevision
                && r.expiresAtMs == expiresAtMs && r.ownerSession == ownerSession;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, Arrays.hashCode(value), version, modRevision);
    }

    @Override
    public String toString() {
        return "Record{" + key + " v" + version + " rev " + modRevision + ", " + value.length + "B"
                + (expiresAtMs > 0 ? ", expires " + expiresAtMs : "") + (ownerSession > 0 ? ", session " + ownerSession : "")
                + "}";
    }
}
