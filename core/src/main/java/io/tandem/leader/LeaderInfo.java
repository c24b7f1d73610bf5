package io.tandem.leader;

/**
 * Who leads an election group: the node, and its term — strictly greater than every earlier
 * term of the group (terms come from the cluster's fencing-token counter, so they increase but
 * are not consecutive). Use the term as a fencing token for the leader's writes.
 */
public record LeaderInfo(String group, String nodeId, long term) {
}
