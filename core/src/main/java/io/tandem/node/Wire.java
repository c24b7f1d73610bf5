package io.tandem.node;

import io.tandem.raft.AppendEntries;
import io.tandem.raft.AppendEntriesResponse;
import io.tandem.raft.Entry;
import io.tandem.raft.EntryType;
import io.tandem.raft.Heartbeat;
import io.tandem.raft.HeartbeatResponse;
import io.tandem.raft.InstallSnapshot;
import io.tandem.raft.InstallSnapshotResponse;
import io.tandem.raft.Message;
import io.tandem.raft.ReadIndexRequest;
import io.tandem.raft.ReadIndexResponse;
import io.tandem.raft.RequestVote;
import io.tandem.raft.RequestVoteResponse;
import io.tandem.raft.TimeoutNow;
import io.tandem.transport.Registrations;
import java.util.List;

/**
 * The messages nodes exchange, and their fixed Kryo ids. Every node of a cluster must register
 * the same ids; changing one is a wire-format change (see docs/formats.md).
 */
public final class Wire {

    private Wire() {
    }

    /** A Raft message, with the sender's advertised address so replies can find it before it is a member. */
    public record RaftEnvelope(String fromAddress, Message message) {
    }

    /** A follower hands client commands (encoded envelopes) to the leader it knows. */
    public record ForwardProposals(List<byte[]> payloads) {
    }

    /** Cluster formation: "who are you, and is there a cluster already?" */
    public record DiscoverRequest(String nodeId, String address, List<String> seeds) {
    }

    public record DiscoverResponse(String nodeId, String address, boolean formed, List<String> seeds) {
    }

    /** A node that is not a founder asks to be added as a learner. */
    public record JoinRequest(String nodeId, String address) {
    }

    /** {@code leaderAddress} is a hint when the receiver is not the leader; {@code message} says what happened. */
    public record JoinResponse(boolean accepted, String leaderAddress, String message) {
    }

    /** The registrations for every type above and every Raft message. */
    public static Registrations registrations() {
        return Registrations.builder()
                .register(100, Entry.class)
                .register(101, EntryType.class)
                .register(102, RequestVote.class)
                .register(103, RequestVoteResponse.class)
                .register(104, AppendEntries.class)
                .register(105, AppendEntriesResponse.class)
                .register(106, Heartbeat.class)
                .register(107, HeartbeatResponse.class)
                .register(108, InstallSnapshot.class)
                .register(109, InstallSnapshotResponse.class)
                .register(110, TimeoutNow.class)
                .register(111, ReadIndexRequest.class)
                .register(112, ReadIndexResponse.class)
                .register(120, RaftEnvelope.class)
                .register(121, ForwardProposals.class)
                .register(122, DiscoverRequest.class)
                .register(123, DiscoverResponse.class)
                .register(124, JoinRequest.class)
                .register(125, JoinResponse.class)
                .build();
    }
}
