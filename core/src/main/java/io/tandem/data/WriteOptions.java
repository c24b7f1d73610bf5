package io.tandem.data;

import io.tandem.InvalidArgumentException;
import java.time.Duration;

/**
 * Conditions and lifetime of a write. Immutable; each method returns a new instance.
 * {@code WriteOptions.ifVersion(3).ttl(Duration.ofSeconds(30))}.
 */
public final class WriteOptions {

    static final long ANY = -1;
    public static final WriteOptions NONE = new WriteOptions(ANY, 0, false);

    final long expectedVersion;
    final long ttlMs;
    final boolean ephemeral;

    private WriteOptions(long expectedVersion, long ttlMs, boolean ephemeral) {
        this.expectedVersion = expectedVersion;
        this.ttlMs = ttlMs;
        this.ephemeral = ephemeral;
    }

    /** Write only if the key is at {@code version} (compare-and-write). */
    public static WriteOptions ifVersion(long version) {
        return NONE.andIfVersion(version);
    }

    /** Write only if the key does not exist. */
    public static WriteOptions ifAbsent() {
        return new WriteOptions(0, 0, false);
    }

    public static WriteOptions withTtl(Duration ttl) {
        return NONE.ttl(ttl);
    }

    public WriteOptions andIfVersion(long version) {
        if (version < 1) {
            throw new InvalidArgumentException("ifVersion(" + version + "): versions start at 1; use ifAbsent() to"
                    + " create only if missing");
        }
        return new WriteOptions(version, ttlMs, ephemeral);
    }

    /** The record is deleted once {@code ttl} has passed (by the leader's clock, resolution ~1 s). */
    public WriteOptions ttl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new InvalidArgumentException("ttl must be positive, got " + ttl);
        }
        return new WriteOptions(expectedVersion, ttl.toMillis(), ephemeral);
    }

    /** The record belongs to this node's session: deleted when the node leaves or its session expires. */
    public WriteOptions ephemeral() {
        return new WriteOptions(expectedVersion, ttlMs, true);
    }
}
