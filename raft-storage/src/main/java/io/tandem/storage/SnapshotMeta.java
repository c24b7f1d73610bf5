package io.tandem.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * What storage records about a snapshot. {@code configuration} is opaque (Raft keeps the cluster
 * configuration there) and read-only by convention, like {@link LogEntry#payload()}.
 *
 * @param lastIncludedIndex index of the last log entry the snapshot covers, {@code >= 0}
 * @param lastIncludedTerm term of that entry, {@code >= 0}
 * @param configuration opaque bytes stored beside the data, never {@code null}
 * @param sizeBytes length of the snapshot data
 * @param dataCrc32c CRC32C of the snapshot data
 */
public record SnapshotMeta(long lastIncludedIndex, long lastIncludedTerm, byte[] configuration, long sizeBytes,
        int dataCrc32c) {

    /** Largest accepted {@code configuration}. */
    public static final int MAX_CONFIGURATION_BYTES = 1 << 20;

    /** Validates the fields. */
    public SnapshotMeta {
        Objects.requireNonNull(configuration, "configuration");
        if (lastIncludedIndex < 0 || lastIncludedTerm < 0) {
            throw new IllegalArgumentException("lastIncludedIndex (" + lastIncludedIndex + ") and lastIncludedTerm ("
                    + lastIncludedTerm + ") must be >= 0");
        }
        if (configuration.length > MAX_CONFIGURATION_BYTES) {
            throw new IllegalArgumentException("configuration is " + configuration.length + " bytes, above "
                    + MAX_CONFIGURATION_BYTES);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotMeta m && lastIncludedIndex == m.lastIncludedIndex
                && lastIncludedTerm == m.lastIncludedTerm && Arrays.equals(configuration, m.configuration)
                && sizeBytes == m.sizeBytes && dataCrc32c == m.dataCrc32c;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lastIncludedIndex, lastIncludedTerm, Arrays.hashCode(configuration), sizeBytes, dataCrc32c);
    }

    @Override
    public String toString() {
        return "SnapshotMeta[lastIncludedIndex=" + lastIncludedIndex + ", lastIncludedTerm=" + lastIncludedTerm
                + ", configurationBytes=" + configuration.length + ", sizeBytes=" + sizeBytes
                + ", dataCrc32c=" + SegmentFormat.hex(dataCrc32c) + "]";
    }
}
