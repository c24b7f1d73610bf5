package io.tandem.raft;

/** A node's role in its current term. Learners are followers that are not in the voter set. */
public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
