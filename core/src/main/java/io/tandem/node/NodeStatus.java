package io.tandem.node;

import io.tandem.raft.Role;
import java.util.List;

/** A consistent picture of one node, taken on its loop thread. */
public record NodeStatus(String nodeId, String phase, Role role, long term, String leaderId, long commitIndex,
                         long appliedIndex, long lastIndex, long snapshotIndex, List<String> voters,
                         List<String> learners, long sessionId, int pendingRequests, long revision) {
}
