package io.tandem.raft;

/** Identity of a snapshot: the last log entry it covers and the configuration in effect there. */
public record SnapshotMeta(long index, long term, Configuration configuration) {
}
