package io.tandem.raft;

/**
 * A message between Raft peers. Every message carries its sender, its addressee and the
 * sender's term; {@link #kind()} drives an exhaustive {@code switch} in {@link RaftCore#step}.
 *
 * <p>All implementations are immutable records; byte arrays inside them are read-only by
 * convention. They carry no timestamps of their own: the runtime wraps them for the wire.
 */
public sealed interface Message permits RequestVote, RequestVoteResponse, AppendEntries,
        AppendEntriesResponse, Heartbeat, HeartbeatResponse, InstallSnapshot,
        InstallSnapshotResponse, TimeoutNow, ReadIndexRequest, ReadIndexResponse {

    MessageKind kind();

    String from();

    String to();

    long term();
}
