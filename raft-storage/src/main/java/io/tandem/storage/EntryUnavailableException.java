package io.tandem.storage;

/**
 * The log does not hold the requested index: either it was compacted away (below
 * {@code firstIndex}) or it was never appended (above {@code lastIndex}). The layer above
 * usually answers the first case with a snapshot and the second with a log-mismatch reply.
 */
public class EntryUnavailableException extends StorageException {

    private final long index;
    private final long firstIndex;
    private final long lastIndex;

    public EntryUnavailableException(long index, long firstIndex, long lastIndex) {
        super("index " + index + (index < firstIndex ? " is compacted" : " is beyond the end")
                + " (log holds [" + firstIndex + ", " + lastIndex + "])");
        this.index = index;
        this.firstIndex = firstIndex;
        this.lastIndex = lastIndex;
    }

    /** The index that was asked for. */
    public long index() {
        return index;
    }

    /** {@code firstIndex} of the log when the request failed. */
    public long firstIndex() {
        return firstIndex;
    }

    /** {@code lastIndex} of the log when the request failed. */
    public long lastIndex() {
        return lastIndex;
    }

    /** True if the index lies below {@link #firstIndex()}, i.e. it was compacted. */
    public boolean isCompacted() {
        return index < firstIndex;
    }
}
