package io.tandem.raft;

/**
 * A chunk of a snapshot received from the leader, for the runtime to write to its snapshot store.
 * A chunk at offset 0 starts a new snapshot (discard any partial one); {@code done} ends it, and
 * the runtime must make it durable before sending the {@link Ready#persistedMessages()}.
 */
public record SnapshotChunk(long index, long term, byte[] configuration, long offset, byte[] data, boolean done) {
}
