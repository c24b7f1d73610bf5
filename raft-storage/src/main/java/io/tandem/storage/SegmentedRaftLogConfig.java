package io.tandem.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a {@link SegmentedRaftLog}, validated when built.
 *
 * <p>{@code segmentSizeBytes} and {@code maxEntryBytes} are node-local: segments written with
 * other values are read back correctly, since every segment is self-describing.
 *
 * @param directory where the segment files live; created if missing; one log per directory
 * @param segmentSizeBytes a segment is sealed and a new one started when the next record would
 *     not fit; default {@value #DEFAULT_SEGMENT_SIZE_BYTES}
 * @param maxEntryBytes largest payload accepted by {@code append}; default
 *     {@value #DEFAULT_MAX_ENTRY_BYTES}; together with its record framing it must fit in one segment
 */
public record SegmentedRaftLogConfig(Path directory, int segmentSizeBytes, int maxEntryBytes) {

    /** 64 MiB. */
    public static final int DEFAULT_SEGMENT_SIZE_BYTES = 64 << 20;
    /** 8 MiB. */
    public static final int DEFAULT_MAX_ENTRY_BYTES = 8 << 20;
    /** Smallest accepted segment size. */
    public static final int MIN_SEGMENT_SIZE_BYTES = 4096;
    /** Largest accepted segment size (256 MiB): recovery reads a whole segment into the heap. */
    public static final int MAX_SEGMENT_SIZE_BYTES = 1 << 28;

    /** Validates every field; see the record comment. */
    public SegmentedRaftLogConfig {
        Objects.requireNonNull(directory, "directory");
        if (segmentSizeBytes < MIN_SEGMENT_SIZE_BYTES || segmentSizeBytes > MAX_SEGMENT_SIZE_BYTES) {
            throw new IllegalArgumentException("segmentSizeBytes (" + segmentSizeBytes + ") must be >= "
                    + MIN_SEGMENT_SIZE_BYTES + " and <= " + MAX_SEGMENT_SIZE_BYTES);
        }
        if (maxEntryBytes < 0) {
            throw new IllegalArgumentException("maxEntryBytes (" + maxEntryBytes + ") must be >= 0");
        }
        long largestSegment = (long) SegmentFormat.HEADER_BYTES + SegmentFormat.RECORD_OVERHEAD_BYTES + maxEntryBytes;
        if (largestSegment > segmentSizeBytes) {
            throw new IllegalArgumentException("maxEntryBytes (" + maxEntryBytes + ") plus segment header and record framing ("
                    + (SegmentFormat.HEADER_BYTES + SegmentFormat.RECORD_OVERHEAD_BYTES)
                    + ") must fit in segmentSizeBytes (" + segmentSizeBytes + ")");
        }
    }

    /** A builder for {@code directory} with every other field at its default. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** Builds a {@link SegmentedRaftLogConfig}; {@link #build()} validates. */
    public static final class Builder {
        private final Path directory;
        private int segmentSizeBytes = DEFAULT_SEGMENT_SIZE_BYTES;
        private Integer maxEntryBytes;

        private Builder(Path directory) {
            this.directory = directory;
        }

        /** See {@link SegmentedRaftLogConfig#segmentSizeBytes()}. */
        public Builder segmentSizeBytes(int value) {
            this.segmentSizeBytes = value;
            return this;
        }

        /** See {@link SegmentedRaftLogConfig#maxEntryBytes()}. */
        public Builder maxEntryBytes(int value) {
            this.maxEntryBytes = value;
            return this;
        }

        /**
         * Validates and builds. If {@code maxEntryBytes} was not set, it defaults to
         * {@link #DEFAULT_MAX_ENTRY_BYTES} or to the largest payload one segment can hold,
         * whichever is smaller.
         *
         * @throws IllegalArgumentException naming the first invalid field and its value
         */
        public SegmentedRaftLogConfig build() {
            int maxEntry = maxEntryBytes != null ? maxEntryBytes
                    : Math.max(0, Math.min(DEFAULT_MAX_ENTRY_BYTES, segmentSizeBytes - SegmentFormat.HEADER_BYTES
                            - SegmentFormat.RECORD_OVERHEAD_BYTES));
            return new SegmentedRaftLogConfig(directory, segmentSizeBytes, maxEntry);
        }
    }
}
