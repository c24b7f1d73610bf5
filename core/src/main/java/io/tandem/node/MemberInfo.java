package io.tandem.node;

/**
 * One member of the cluster's configuration as a node sees it (for {@code tandem member list}).
 *
 * @param address    the member's advertised transport address (host:port)
 * @param voter      true for a voter, false for a learner
 * @param leader     whether the answering node believes this member leads
 * @param matchIndex on the leader: the highest log index known replicated on the member; -1 elsewhere
 * @param silentMs   on the leader: milliseconds since it last heard from the member; -1 elsewhere or for itself
 */
public record MemberInfo(String id, String address, boolean voter, boolean leader, long matchIndex, long silentMs) {
}
