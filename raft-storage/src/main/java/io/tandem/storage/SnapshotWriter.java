package io.tandem.storage;

import java.io.OutputStream;

/**
 * Writes one snapshot; nothing of it is visible until {@link #commit()}, which publishes it
 * atomically. Used by a single thread. {@link #close()} without a commit abandons it, and so does
 * a crash: the store deletes the leftovers when it next opens.
 */
public interface SnapshotWriter extends AutoCloseable {

    /** Appends data. */
    void write(byte[] bytes, int offset, int length);

    /**
     * Appends a chunk received at byte {@code offset} of the snapshot (InstallSnapshot).
     *
     * @throws IllegalArgumentException unless {@code offset == bytesWritten()} (expected vs actual)
     */
    void writeChunk(long offset, byte[] chunk);

    /** Bytes written so far. */
    long bytesWritten();

    /** CRC32C of the bytes written so far; lets a receiver compare with the sender before committing. */
    int dataCrc32c();

    /**
     * Makes the snapshot durable and the newest one, then deletes snapshots beyond the retention
     * count. Blocks on fsyncs.
     *
     * @return the committed snapshot, open for reading
     */
    Snapshot commit();

    /** Abandons the snapshot unless it was committed. Idempotent. */
    @Override
    void close();

    /** This writer as an {@link OutputStream} (closing the stream does not close the writer). */
    default OutputStream asOutputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                SnapshotWriter.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                SnapshotWriter.this.write(b, off, len);
            }
        };
    }
}
