package io.tandem.data;

/** How fresh a read must be. */
public enum ReadConsistency {
    /**
     * Linearizable (default): the read reflects every write acknowledged before it started, on any
     * node, by a ReadIndex round with the leader (Raft dissertation §6.4).
     */
    LINEARIZABLE,
    /** Whatever this node has applied: fast and local, possibly behind the leader. */
    STALE
}
