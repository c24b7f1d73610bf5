package io.tandem.storage;

import java.util.List;
import java.util.Optional;

/**
 * Stores snapshots of the state machine: their data (a byte stream), the last log index and
 * term they cover, and an opaque configuration. Keeps the newest N, by {@code lastIncludedIndex}.
 *
 * <p><b>Threads:</b> the store's methods are thread-safe; each {@link SnapshotWriter} belongs to
 * the thread that writes it; {@link Snapshot} reads may run on any thread. <b>Blocking:</b>
 * {@link #latest()} may read the whole file once to verify its CRC; {@link SnapshotWriter#commit()}
 * blocks on fsyncs; {@link #list()} reads only headers.
 *
 * <p><b>Errors:</b> {@link CorruptStorageException} if the newest snapshot fails its checks
 * (storage never falls back to an older snapshot silently: the log may already be compacted past
 * it); {@link StorageException} on I/O errors; {@link StorageClosedException} after close.
 */
public interface SnapshotStore extends AutoCloseable {

    /** Starts a snapshot covering the log up to {@code lastIncludedIndex}. */
    SnapshotWriter create(long lastIncludedIndex, long lastIncludedTerm, byte[] configuration);

    /** The newest committed snapshot, verified, or empty if there is none. */
    Optional<Snapshot> latest();

    /** Metadata of the retained snapshots, newest first. */
    List<SnapshotMeta> list();

    @Override
    void close();
}
