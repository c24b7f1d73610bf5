package io.tandem.storage;

import java.io.InputStream;

/**
 * A committed snapshot, open for reading. Reads may come from any thread. A handle stays readable
 * after a newer snapshot makes the store delete this one (the file is unlinked, not truncated);
 * close it when done.
 */
public interface Snapshot extends AutoCloseable {

    SnapshotMeta meta();

    /**
     * Up to {@code maxBytes} bytes of data starting at {@code offset}: fewer only at the end, an
     * empty array at {@code offset == meta().sizeBytes()}. Sized for InstallSnapshot chunks.
     *
     * @throws IllegalArgumentException if {@code offset} is outside {@code [0, sizeBytes]} or
     *     {@code maxBytes < 1}
     */
    byte[] read(long offset, int maxBytes);

    /** The whole data as a stream, for restoring a state machine. */
    InputStream openStream();

    @Override
    void close();
}
