package io.tandem.raft;

import io.tandem.TandemException;

/** A request that only the leader can serve reached a node that is not the leader. */
public class NotLeaderException extends TandemException {

    private final String leaderHint;

    public NotLeaderException(String nodeId, long term, String leaderHint) {
        super("node " + nodeId + " is not the leader in term " + term
                + (leaderHint == null ? " and knows no leader yet; retry after an election timeout"
                        : "; the leader is " + leaderHint + ", send the request there"));
        this.leaderHint = leaderHint;
    }

    /** The node this one believes is leader, or {@code null}. */
    public String leaderHint() {
        return leaderHint;
    }
}
