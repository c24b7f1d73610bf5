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
    /**
     * A voter that is leaving for good (a disk-less member shutting down) asks the leader to replace
     * it: autopilot promotes a stable learner first, then removes the leaver. Sent until the
     * leaver sees itself out of the voter set or gives up.
     */
    public record LeaveRequest(String nodeId, String address) {
    }

    /** The leader's answer once the leaver is out of the committed voter set (a removed member gets no log). */
    public record LeaveResponse(String nodeId) {
    }

    public record JoinResponse(boolean accepted, String leaderAddress, String message) {
    }

    /**
     * The leader refused a forwarded proposal before proposing it ({@code reason} says why:
     * undecodable, above the cluster version, invalid, or not the sender's session). Session and
     * sequence are those the payload claimed, 0 when unreadable.
     */
    public record ProposalRefused(long sessionId, long sequence, String reason) {
    }

    /** A member tells the leader the highest command level it reads (see io.tandem.state.CommandLevels). */
    public record MemberVersion(int commandLevel) {
    }

    /** "Is {@code nodeId} a member of your configuration?" — asked by a node that does not know the id. */
    public record WhoIs(String nodeId) {
    }

    /** The answer to {@link WhoIs}: whether {@code nodeId} is a voter or learner of the answering node's configuration. */
    public record MemberOf(String nodeId, boolean member) {
    }

    // ---- client protocol: a tool outside the cluster (the CLI) talks to one node over its transport port.
    // The client proves the cluster secret like a node does and listens on its own endpoint, because
    // transport connections carry messages one way: requests name that endpoint in replyTo.

    /**
     * The operations of the client protocol. Kryo writes an enum as its ordinal, so new
     * operations are appended at the end only; reordering is a wire-format change.
     */
    public enum ClientOp {
        STATUS, GET, PUT, DELETE, LIST, WATCH, WATCH_RENEW, WATCH_CANCEL, LOCKS, LEADERS,
        /** The members, one line each: {@code id=.. role=voter|learner address=.. leader=true|false match=N silent-ms=N}. */
        MEMBERS,
        /** Remove the member {@code key} (on the leader; others answer with the leader's address). */
        MEMBER_REMOVE,
        /** Promote the learner {@code key} to voter (on the leader). */
        MEMBER_PROMOTE,
        /** Hand leadership to {@code key} ("" for the best reachable voter); text: the target. */
        LEADER_TRANSFER,
        /**
         * Take a consistent backup on the node; text: {@code id=.. size=N index=N term=N}. The
         * client then fetches it with SNAPSHOT_CHUNK.
         */
        SNAPSHOT,
        /**
         * Bytes of backup {@code key} from offset {@code fromRevision}, at most {@code limit}: one
         * record whose value holds them and whose {@code version} is the backup's size. The node
         * deletes its copy once the last byte was sent, or a minute after the last request.
         */
        SNAPSHOT_CHUNK
    }

    /**
     * One client request; the node answers with exactly one {@link ClientResponse} carrying the
     * same {@code id}, sent to {@code replyTo} (the client's listening endpoint, host:port).
     *
     * @param key            GET, PUT, DELETE: the key; LIST, WATCH: the prefix ("" for all keys)
     * @param value          PUT: the value; otherwise empty
     * @param expectedVersion PUT, DELETE: -1 for any version, 0 for "only if absent" (PUT), N for "only at version N"
     * @param ttlMs          PUT: lifetime in ms, 0 for none
     * @param stale          GET, LIST: read the node's replica at once instead of a linearizable read
     * @param limit          LIST: the most records to return (1..100000)
     * @param fromRevision   WATCH: the first revision to deliver; 0 for "changes after now"
     * @param watchId        WATCH_RENEW, WATCH_CANCEL: the {@code id} of the WATCH request
     */
    public record ClientRequest(long id, String replyTo, ClientOp op, String key, byte[] value, long expectedVersion,
                                long ttlMs, boolean stale, int limit, long fromRevision, long watchId) {
    }

    /** A record as the client protocol carries it; see {@code io.tandem.data.Record}. */
    public record ClientRecord(String key, byte[] value, long version, long createRevision, long modRevision,
                               long expiresAtMillis) {
    }

    /**
     * The answer to a {@link ClientRequest}. When {@code ok} is false, {@code error} says what went
     * wrong (the message of the exception the node's API threw) and the other fields are empty.
     *
     * @param records  GET: the record, or none if absent; PUT: the written record; LIST: the records
     * @param revision LIST: the revision the listing reflects; PUT: the revision of the write; else 0
     * @param text     STATUS: the node's status as "name: value" lines; DELETE: "deleted" or "absent"
     */
    public record ClientResponse(long id, boolean ok, String error, List<ClientRecord> records, long revision,
                                 String text) {
    }

    /**
     * One change seen by a watch, sent to the watching client as it happens, in revision order.
     * {@code type} is PUT, DELETE or EXPIRE; for DELETE and EXPIRE the record is the one removed.
     */
    public record ClientWatchEvent(long watchId, long revision, String type, ClientRecord record) {
    }

    /**
     * A task-queue request of the client protocol ({@code tandem task ...}), answered with one
     * {@link ClientResponse} whose {@code text} holds the result lines.
     *
     * @param op     "list" (tasks of the queue), "dead" (its dead letters), "requeue" (a dead task),
     *               "cancel" (a ready or delayed task), "purge" (one dead task, or all with taskId 0),
     *               "queues" (every queue with its counts; {@code queue} is ignored)
     * @param taskId requeue, cancel, purge: the task; otherwise 0
     * @param limit  list, dead: the most tasks to show (1..100000)
     */
    public record TaskRequest(long id, String replyTo, String op, String queue, long taskId, int limit) {
    }

    // ---- time (ids 140-149): see docs/formats-wire.md and io.tandem.time

    /**
     * A Raft message stamped with the sender's clocks: {@code hlc} is its hybrid logical clock
     * (packed, see io.tandem.time.HybridTimestamp) when it sent the message, {@code physicalMs} its
     * NTP-corrected physical clock. The receiver merges {@code hlc} into its own HLC and uses
     * {@code physicalMs} to estimate the sender's clock offset. Replaces {@link RaftEnvelope},
     * which nodes still accept.
     */
    public record TimedRaftEnvelope(String fromAddress, long hlc, long physicalMs, Message message) {
    }

    /**
     * A node that is not the leader asks the leader for {@code count} oracle timestamps on behalf
     * of its callers; the answer goes to {@code replyTo} (the asker's advertised address).
     */
    public record TimestampRequest(long id, String replyTo, String fromNodeId, int count) {
    }

    /**
     * {@code count} consecutive timestamps starting at {@code first}, or {@code first == 0} when
     * the receiver could not serve them ({@code error} says why; {@code leaderHint} may name the leader).
     */
    public record TimestampResponse(long id, long first, int count, String error, String leaderHint) {
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
                .register(126, LeaveRequest.class)
                .register(127, LeaveResponse.class)
                .register(128, ProposalRefused.class)
                .register(129, MemberVersion.class)
                .register(135, WhoIs.class)
                .register(136, MemberOf.class)
                .register(130, ClientOp.class)
                .register(131, ClientRequest.class)
                .register(132, ClientRecord.class)
                .register(133, ClientResponse.class)
                .register(134, ClientWatchEvent.class)
                .register(140, TimedRaftEnvelope.class)
                .register(141, TimestampRequest.class)
                .register(142, TimestampResponse.class)
                .register(150, TaskRequest.class)
                .build();
    }
}
