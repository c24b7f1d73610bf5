package io.tandem.node;

/**
 * Deliberate runtime bugs, switched on one node at a time by {@link RaftNode#injectBugForTesting}
 * so that the simulation tests can prove they catch bugs in the runtime itself, not only in the
 * Raft core (compare {@code io.tandem.raft.InjectedBug}). None is ever on in production.
 */
public enum RuntimeBug {
    /** A follower sends the answers that depend on durability (append acknowledgements) before its fsync. */
    ACK_BEFORE_FSYNC,
    /** A caller's write completes when the leader takes it, before its entry is committed and applied. */
    COMPLETE_BEFORE_APPLY,
    /** A confirmed session is renewed from when the confirmation applied, not from when the command was sent. */
    KEEPALIVE_FROM_APPLY_TIME
}
