package io.tandem.raft;

/**
 * Read access to the snapshot the runtime last handed to {@link RaftCore#compact}. The leader
 * reads chunks from it to bring lagging followers up to date (§7).
 *
 * <p>Called on the node's loop thread. Implementations read an immutable, already-durable file
 * (or memory in the simulator) and must be deterministic for a given snapshot.
 */
public interface SnapshotSource {

    /**
     * Total size in bytes of the snapshot at {@code index}, or -1 if that snapshot is no longer
     * available (the latest one reported through {@link RaftCore#compact} must always be).
     */
    long snapshotSize(long index);

    /** Up to {@code maxBytes} bytes of the snapshot at {@code index} starting at {@code offset}. */
    byte[] readSnapshotChunk(long index, long offset, int maxBytes);

    /** A source for nodes that never compact (tests). */
    SnapshotSource NONE = new SnapshotSource() {
        @Override
        public long snapshotSize(long index) {
            throw new IllegalStateException("no snapshot source configured, yet snapshot " + index + " was asked for");
        }

        @Override
        public byte[] readSnapshotChunk(long index, long offset, int maxBytes) {
            throw new IllegalStateException("no snapshot source configured, yet snapshot " + index + " was asked for");
        }
    };
}
