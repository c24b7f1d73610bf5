package io.tandem.raft;

import io.tandem.InvalidArgumentException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft consensus algorithm as a pure state machine, in the shape of etcd's raft.
 *
 * <p>Inputs: {@link #tick()}, {@link #step(Message)}, {@link #propose(List)},
 * {@link #proposeConfChange(ConfChange)}, {@link #readIndex(long)},
 * {@link #transferLeadership(String)}, {@link #onPersisted(long, long)} and {@link #compact(long)}.
 * Output: a {@link Ready} batch, handled by the runtime in the order its Javadoc gives, then
 * acknowledged with {@link #advance(Ready)}.
 *
 * <p><b>Threading and determinism.</b> Not thread-safe: one thread (the node's event loop, or
 * the simulator) calls everything. The core reads no clock, starts no thread and touches no file
 * or socket; randomness comes from the injected generator, entry timestamps from the injected
 * stamp clock, snapshot bytes from the injected {@link SnapshotSource}. Given the same inputs in
 * the same order it produces the same outputs.
 *
 * <p><b>Implemented rules.</b> Leader election with randomized timeouts (§5.2), PreVote
 * (dissertation §9.6), CheckQuorum and leader stickiness (§4.2.3, §9.6), a no-op entry at the
 * start of each term (§8), commitment only by counting current-term entries (§5.4.2), pipelined
 * AppendEntries with per-follower flow control and fast backtracking (§5.3), durable-before-ack on
 * followers and a leader that counts itself only once its own write is durable (§10.2.1),
 * snapshots with chunked InstallSnapshot (§7), single-server membership changes with learners
 * (§4.1–4.2), leadership transfer (§3.10) and ReadIndex (§6.4).
 *
 * <p><b>Errors.</b> Requests that only a leader can serve throw {@link NotLeaderException};
 * requests a leader refuses throw {@link ProposalRejectedException}; broken internal invariants
 * throw {@link IllegalStateException} and must stop the node.
 */
public final class RaftCore {

    private static final Logger LOG = LoggerFactory.getLogger(RaftCore.class);

    private final RaftConfig config;
    private final String id;
    private final RandomGenerator random;
    private final LongSupplier stampClock;
    private final SnapshotSource snapshots;

    // Persistent state (§5.1 Figure 2), reported through Ready.hardState.
    private long term;
    private String votedFor;
    private HardState lastHardState;

    private final EntryLog log;
    private long commitIndex;
    /** Last index handed out in Ready.committedEntries (or restored from a snapshot). */
    private long applied;
    /** Our own log is durable up to here (reported by onPersisted). */
    private long durableIndex;

    private Role role = Role.FOLLOWER;
    private String leaderId;

    // Configuration: the latest in the log is in effect, committed or not (dissertation §4.1).
    /** Configuration at the log's base (the compaction point). */
    private Configuration snapshotConfig;
    /** The latest snapshot the runtime reported (the one sent to lagging followers). */
    private SnapshotMeta latestSnapshot;
    private final TreeMap<Long, Configuration> configEntries = new TreeMap<>();
    private Configuration configuration;

    // Timers, in ticks.
    private long tickCount;
    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;

    // Candidate state.
    private final TreeMap<String, Boolean> votes = new TreeMap<>();
    private boolean campaignIsTransfer;

    // Leader state.
    private final TreeMap<String, Progress> progress = new TreeMap<>();
    private long pendingConfIndex;
    private String leadTransferee;
    private boolean appendBroadcastPending;
    private boolean commitBroadcastPending;

    // ReadIndex (§6.4): heartbeat rounds confirm leadership for the reads registered before them.
    private long roundSeq;
    /** Highest heartbeat round a majority of voters has acknowledged (leader). */
    private long confirmedRound;
    private boolean readBroadcastPending;
    private final ArrayDeque<PendingRead> pendingReads = new ArrayDeque<>();
    private final ArrayList<PendingRead> readsAwaitingCommit = new ArrayList<>();
    private final TreeMap<Long, Long> roundSentTick = new TreeMap<>();
    private long leaseStartTick = -1;
    /** A TimeoutNow went out this term: its campaign may bypass stickiness at any later time. */
    private boolean timeoutNowSent;

    // Follower side of InstallSnapshot.
    private IncomingSnapshot incoming;

    // Output accumulated for the next Ready.
    private final ArrayList<Message> messages = new ArrayList<>();
    private final ArrayList<Message> persistedMessages = new ArrayList<>();
    private final ArrayList<SnapshotChunk> snapshotChunks = new ArrayList<>();
    private SnapshotMeta snapshotToInstall;
    private final ArrayList<ReadState> readStates = new ArrayList<>();
    private final ArrayList<Long> readFailures = new ArrayList<>();
    private boolean readyOutstanding;

    private record PendingRead(long context, String requester, long index, long round) {
    }

    private static final class IncomingSnapshot {
        final long index;
        long nextOffset;

        IncomingSnapshot(long index) {
            this.index = index;
        }
    }

    /**
     * Creates a core from durable state.
     *
     * @param hardState the last durable term and vote ({@link HardState#INITIAL} on first start)
     * @param base      the snapshot the state machine was restored from; for a node that never
     *                  snapshotted, {@code new SnapshotMeta(0, 0, bootstrapConfiguration)} (founders)
     *                  or {@code new SnapshotMeta(0, 0, Configuration.EMPTY)} (a node that will join)
     * @param entries   the durable log entries after {@code base.index()}, contiguous
     */
    public RaftCore(RaftConfig config, RandomGenerator random, LongSupplier stampClock,
                    SnapshotSource snapshots, HardState hardState, SnapshotMeta base, List<Entry> entries) {
        this.config = config;
        this.id = config.nodeId();
        this.random = random;
        this.stampClock = stampClock;
        this.snapshots = snapshots;
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.lastHardState = hardState;
        this.log = new EntryLog(base.index(), base.term(), entries);
        this.commitIndex = base.index();
        this.applied = base.index();
        this.durableIndex = log.lastIndex();
        this.snapshotConfig = base.configuration();
        this.latestSnapshot = base;
        for (Entry e : entries) {
            if (e.type() == EntryType.CONFIG) {
                configEntries.put(e.index(), Configuration.decode(e.payload()));
            }
        }
        this.configuration = latestConfiguration();
        resetRandomizedElectionTimeout();
    }

    // ------------------------------------------------------------------ accessors

    public String id() {
        return id;
    }

    public long term() {
        return term;
    }

    public Role role() {
        return role;
    }

    public boolean isLeader() {
        return role == Role.LEADER;
    }

    /**
     * Whether this leader is handing leadership over (a transfer is running, or it has sent a
     * TimeoutNow in this term): its target may win an election past the voters' stickiness at
     * any moment, so nothing that relies on a leader lease may be served.
     */
    /** Leader: a membership change is proposed but not committed yet (no other may start). */
    public boolean hasPendingConfChange() {
        return pendingConfIndex > commitIndex;
    }

    public boolean isTransferringLeadership() {
        return leadTransferee != null || timeoutNowSent;
    }

    /** The leader this node follows in the current term, or {@code null}. */
    public String leaderId() {
        return leaderId;
    }

    public long commitIndex() {
        return commitIndex;
    }

    public long appliedIndex() {
        return applied;
    }

    public long lastIndex() {
        return log.lastIndex();
    }

    public long lastTerm() {
        return log.lastTerm();
    }

    /** Index of the latest snapshot (0 if none). */
    public long snapshotIndex() {
        return latestSnapshot.index();
    }

    /** Entries at or below this index are no longer held (the log's base; at most the snapshot index). */
    public long compactedIndex() {
        return log.snapshotIndex();
    }

    public long durableIndex() {
        return durableIndex;
    }

    /** The configuration in effect: the latest one in the log, committed or not. */
    public Configuration configuration() {
        return configuration;
    }

    /** The entry at {@code index}, or {@code null} if it is compacted away or beyond the end. */
    public Entry entryAt(long index) {
        if (index <= log.snapshotIndex() || index > log.lastIndex()) {
            return null;
        }
        return log.entry(index);
    }

    /**
     * Metadata for a snapshot of the state machine taken at {@code index} (at or below the applied
     * index): the entry's term and the configuration in effect there. Store it with the snapshot.
     */
    public SnapshotMeta snapshotMetaAt(long index) {
        Invariants.check(index <= applied && index >= log.snapshotIndex(), "node %s: snapshot index %d outside"
                + " [%d, applied %d]", id, index, log.snapshotIndex(), applied);
        return new SnapshotMeta(index, log.term(index), configurationAt(index));
    }

    /** Term of the entry at {@code index}, or -1 if unknown. */
    public long termAt(long index) {
        return log.term(index);
    }

    /** Leader only: the replication state of each peer, for status pages and tests. */
    public Map<String, String> progressSummary() {
        TreeMap<String, String> out = new TreeMap<>();
        progress.forEach((peer, pr) -> out.put(peer, pr.toString()));
        return out;
    }

    /** Leader only: match index of a peer, or -1 if unknown. */
    public long matchIndex(String peer) {
        Progress pr = progress.get(peer);
        return pr == null ? -1 : pr.match;
    }

    // ------------------------------------------------------------------ inputs

    /** Advances logical time by one tick. */
    public void tick() {
        tickCount++;
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
    }

    private void tickElection() {
        electionElapsed++;
        if (configuration.isVoter(id) && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            campaign(config.preVote(), false);
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTimeoutTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum()) {
                if (!quorumActive()) {
                    LOG.warn("node {} term {}: leader heard from no majority for an election timeout;"
                            + " stepping down (CheckQuorum)", id, term);
                    becomeFollower(term, null);
                    return;
                }
                progress.values().forEach(pr -> pr.recentActive = false);
            }
            if (leadTransferee != null) {
                LOG.info("node {} term {}: leadership transfer to {} did not finish within an election"
                        + " timeout; aborted", id, term, leadTransferee);
                leadTransferee = null;
            }
        }
        if (heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
    }

    /** Delivers a message from a peer. Messages addressed to another node are dropped. */
    public void step(Message m) {
        if (!id.equals(m.to())) {
            LOG.debug("node {}: dropping {} addressed to {}", id, m.kind(), m.to());
            return;
        }
        if (m.term() > term) {
            if (!stepHigherTerm(m)) {
                return;
            }
        } else if (m.term() < term) {
            stepLowerTerm(m);
            return;
        }
        dispatch(m);
    }

    /** Returns false when the message must be ignored. */
    private boolean stepHigherTerm(Message m) {
        if (m instanceof RequestVote rv) {
            // Leader stickiness (§4.2.3): a node that heard from a live leader within the minimum
            // election timeout does not help depose it, unless the leader itself asked (§3.10).
            boolean inLease = config.checkQuorum() && leaderId != null
                    && electionElapsed < config.electionTimeoutTicks();
            if (!rv.transfer() && inLease) {
                LOG.debug("node {} term {}: ignoring {} from {} for term {}: leader {} is live", id, term,
                        rv.preVote() ? "pre-vote" : "vote", rv.from(), rv.term(), leaderId);
                return false;
            }
            if (rv.preVote()) {
                return true; // a PreVote never changes anyone's term
            }
        }
        if (m instanceof RequestVoteResponse r && r.preVote() && r.granted()) {
            return true; // granted pre-votes echo the term we would campaign in
        }
        String leader = switch (m.kind()) {
            case APPEND_ENTRIES, HEARTBEAT, INSTALL_SNAPSHOT -> m.from();
            default -> null;
        };
        becomeFollower(m.term(), leader);
        return true;
    }

    private void stepLowerTerm(Message m) {
        if ((config.checkQuorum() || config.preVote())
                && (m.kind() == MessageKind.APPEND_ENTRIES || m.kind() == MessageKind.HEARTBEAT)) {
            // A deposed leader that missed the election would otherwise never learn the new term:
            // with PreVote/CheckQuorum our own elections do not reach it. Tell it (etcd does too).
            send(new AppendEntriesResponse(id, m.from(), term, false, 0, 0, 0, log.lastIndex()));
        } else if (m instanceof RequestVote rv && rv.preVote()) {
            send(new RequestVoteResponse(id, m.from(), term, true, false));
        }
    }

    private void dispatch(Message m) {
        switch (m.kind()) {
            case REQUEST_VOTE -> handleRequestVote((RequestVote) m);
            case REQUEST_VOTE_RESPONSE -> handleVoteResponse((RequestVoteResponse) m);
            case APPEND_ENTRIES -> {
                if (acceptLeader(m)) {
                    handleAppendEntries((AppendEntries) m);
                }
            }
            case HEARTBEAT -> {
                if (acceptLeader(m)) {
                    handleHeartbeat((Heartbeat) m);
                }
            }
            case INSTALL_SNAPSHOT -> {
                if (acceptLeader(m)) {
                    handleInstallSnapshot((InstallSnapshot) m);
                }
            }
            case APPEND_ENTRIES_RESPONSE -> {
                if (role == Role.LEADER) {
                    handleAppendResponse((AppendEntriesResponse) m);
                }
            }
            case HEARTBEAT_RESPONSE -> {
                if (role == Role.LEADER) {
                    handleHeartbeatResponse((HeartbeatResponse) m);
                }
            }
            case INSTALL_SNAPSHOT_RESPONSE -> {
                if (role == Role.LEADER) {
                    handleSnapshotResponse((InstallSnapshotResponse) m);
                }
            }
            case TIMEOUT_NOW -> handleTimeoutNow((TimeoutNow) m);
            case READ_INDEX_REQUEST -> handleReadIndexRequest((ReadIndexRequest) m);
            case READ_INDEX_RESPONSE -> handleReadIndexResponse((ReadIndexResponse) m);
        }
    }

    /** A message from the leader of our term: follow it. Returns false if we are (wrongly) leader too. */
    private boolean acceptLeader(Message m) {
        if (role == Role.LEADER) {
            // Two leaders in one term would break Election Safety (§5.2); never expected.
            LOG.error("node {} term {}: received {} from {} who also claims leadership of this term",
                    id, term, m.kind(), m.from());
            return false;
        }
        if (role != Role.FOLLOWER) {
            becomeFollower(term, m.from());
        }
        leaderId = m.from();
        electionElapsed = 0;
        return true;
    }

    // ------------------------------------------------------------------ elections

    private void campaign(boolean preVote, boolean transfer) {
        if (!configuration.isVoter(id)) {
            return;
        }
        long voteTerm;
        if (preVote) {
            becomePreCandidate();
            voteTerm = term + 1;
        } else {
            becomeCandidate();
            voteTerm = term;
        }
        campaignIsTransfer = transfer;
        votes.put(id, true);
        if (grantedVotes() >= configuration.quorum()) {
            if (preVote) {
                campaign(false, transfer);
            } else {
                becomeLeader();
            }
            return;
        }
        for (String voter : configuration.voters().keySet()) {
            if (!voter.equals(id)) {
                send(new RequestVote(id, voter, voteTerm, log.lastIndex(), log.lastTerm(), preVote, transfer));
            }
        }
    }

    private void handleRequestVote(RequestVote rv) {
        boolean canVote = rv.from().equals(votedFor)
                || (votedFor == null && leaderId == null)
                || (rv.preVote() && rv.term() > term);
        boolean logOk = config.hasBug(RaftConfig.InjectedBug.VOTE_WITHOUT_LOG_CHECK)
                || log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm()); // §5.4.1
        if (canVote && logOk) {
            if (rv.preVote()) {
                send(new RequestVoteResponse(id, rv.from(), rv.term(), true, true));
            } else {
                electionElapsed = 0;
                votedFor = rv.from();
                send(new RequestVoteResponse(id, rv.from(), term, false, true));
            }
        } else {
            send(new RequestVoteResponse(id, rv.from(), term, rv.preVote(), false));
        }
    }

    private void handleVoteResponse(RequestVoteResponse r) {
        boolean relevant = (role == Role.PRE_CANDIDATE && r.preVote())
                || (role == Role.CANDIDATE && !r.preVote());
        if (!relevant || !configuration.isVoter(r.from())) {
            return;
        }
        votes.putIfAbsent(r.from(), r.granted());
        if (grantedVotes() >= configuration.quorum()) {
            if (role == Role.PRE_CANDIDATE) {
                campaign(false, campaignIsTransfer);
            } else {
                becomeLeader();
            }
        } else if (votes.size() - grantedVotes() >= configuration.quorum()) {
            becomeFollower(term, null);
        }
    }

    private int grantedVotes() {
        int n = 0;
        for (Map.Entry<String, Boolean> v : votes.entrySet()) {
            if (v.getValue() && configuration.isVoter(v.getKey())) {
                n++;
            }
        }
        return n;
    }

    private void handleTimeoutNow(TimeoutNow m) {
        if (!configuration.isVoter(id)) {
            return;
        }
        LOG.info("node {} term {}: leader {} asked us to take over (TimeoutNow)", id, term, m.from());
        campaign(false, true);
    }

    private void becomeFollower(long newTerm, String leader) {
        Invariants.check(newTerm >= term, "node %s: term going backwards %d -> %d", id, term, newTerm);
        boolean wasLeader = role == Role.LEADER;
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
        }
        role = Role.FOLLOWER;
        leaderId = leader;
        leadTransferee = null;
        progress.clear();
        votes.clear();
        electionElapsed = 0;
        resetRandomizedElectionTimeout();
        failPendingReads();
        if (wasLeader) {
            LOG.info("node {}: stepped down, now follower in term {} (leader {})", id, term, leader);
        }
    }

    private void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        leaderId = null;
        votes.clear();
        electionElapsed = 0;
        resetRandomizedElectionTimeout();
        LOG.debug("node {} term {}: pre-candidate", id, term);
    }

    private void becomeCandidate() {
        term++;
        votedFor = id;
        role = Role.CANDIDATE;
        leaderId = null;
        votes.clear();
        electionElapsed = 0;
        resetRandomizedElectionTimeout();
        LOG.debug("node {}: candidate in term {}", id, term);
    }

    private void becomeLeader() {
        role = Role.LEADER;
        leaderId = id;
        leadTransferee = null;
        heartbeatElapsed = 0;
        electionElapsed = 0;
        leaseStartTick = -1;
        timeoutNowSent = false;
        confirmedRound = roundSeq; // rounds of an earlier leadership are never confirmed now
        progress.clear();
        for (String member : configuration.members()) {
            if (!member.equals(id)) {
                progress.put(member, newProgress());
            }
        }
        pendingConfIndex = log.lastIndex();
        // §8: a leader does not know what is committed until it commits an entry of its own term.
        appendAsLeader(EntryType.NOOP, new byte[0]);
        LOG.info("node {}: became leader in term {} (last index {}, voters {}, learners {})", id, term,
                log.lastIndex(), configuration.voters().keySet(), configuration.learners().keySet());
        maybeCommit();
    }

    private Progress newProgress() {
        return new Progress(log.lastIndex() + 1, config.maxInflightMessages(), config.maxInflightBytes());
    }

    private boolean quorumActive() {
        int active = 0;
        for (String voter : configuration.voters().keySet()) {
            if (voter.equals(id)) {
                active++;
            } else {
                Progress pr = progress.get(voter);
                if (pr != null && pr.recentActive) {
                    active++;
                }
            }
        }
        return active >= configuration.quorum();
    }

    private void resetRandomizedElectionTimeout() {
        int t = config.electionTimeoutTicks();
        randomizedElectionTimeout = t + random.nextInt(t);
    }

    // ------------------------------------------------------------------ proposals

    /** Appends one command (leader only). Returns its index. */
    public long propose(byte[] payload) {
        return propose(List.of(payload));
    }

    /**
     * Appends commands to the leader's log and schedules their replication. Returns the index of
     * the first one. They commit once a majority has them durably (and, for this node, once
     * {@link #onPersisted} reports its own write).
     */
    public long propose(List<byte[]> payloads) {
        requireLeader();
        requireNoTransfer();
        long uncommitted = log.lastIndex() - commitIndex;
        if (uncommitted + payloads.size() > config.maxUncommittedEntries()) {
            throw new ProposalRejectedException("node " + id + " term " + term + ": " + uncommitted
                    + " entries are appended but not committed (limit maxUncommittedEntries="
                    + config.maxUncommittedEntries() + "); the cluster is overloaded or lost its quorum, retry later");
        }
        long first = log.lastIndex() + 1;
        for (byte[] p : payloads) {
            appendAsLeader(EntryType.NORMAL, p);
        }
        return first;
    }

    /**
     * Proposes a single-server membership change (leader only). Returns the index of the
     * configuration entry, which takes effect on each node as soon as it is appended (§4.1).
     *
     * @throws ProposalRejectedException if a change is still uncommitted, the leader has not yet
     *         committed an entry of its term, or a promoted learner has not caught up
     * @throws InvalidArgumentException  if the change does not apply to the current configuration
     */
    public long proposeConfChange(ConfChange change) {
        requireLeader();
        requireNoTransfer();
        if (pendingConfIndex > commitIndex) {
            throw new ProposalRejectedException("node " + id + " term " + term + ": the configuration change at index "
                    + pendingConfIndex + " is not committed yet (commit " + commitIndex
                    + "); changes go one at a time, retry after it commits");
        }
        if (log.term(commitIndex) != term) {
            // raft-dev 2015: a new leader must commit an entry of its own term before changing
            // membership, or two leaders can decide conflicting single-server changes.
            throw new ProposalRejectedException("node " + id + " term " + term
                    + ": no entry of this term is committed yet; retry once the leader's first entry commits");
        }
        Configuration next;
        try {
            next = configuration.apply(change);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("node " + id + ": " + e.getMessage());
        }
        if (change.type() == ConfChange.Type.PROMOTE) {
            Progress pr = progress.get(change.nodeId());
            long lag = pr == null ? Long.MAX_VALUE : commitIndex - pr.match;
            if (lag > config.learnerCatchUpMaxLagEntries()) {
                throw new ProposalRejectedException("node " + id + ": learner " + change.nodeId()
                        + " is not caught up (match " + (pr == null ? "unknown" : pr.match) + ", commit "
                        + commitIndex + ", allowed lag " + config.learnerCatchUpMaxLagEntries() + "); retry later");
            }
        }
        long index = appendAsLeader(EntryType.CONFIG, next.encode());
        pendingConfIndex = index;
        LOG.info("node {} term {}: proposed {} at index {} -> {}", id, term, change, index, next);
        return index;
    }

    /**
     * Starts handing leadership to {@code target} (dissertation §3.10): proposals are refused
     * meanwhile; once the target's log matches, it is told to campaign at once. Aborted if it does
     * not finish within an election timeout.
     */
    public void transferLeadership(String target) {
        requireLeader();
        if (target.equals(id)) {
            return;
        }
        if (!configuration.isVoter(target)) {
            throw new InvalidArgumentException("node " + id + ": cannot transfer leadership to " + target
                    + ", it is not a voter (voters " + configuration.voters().keySet() + ")");
        }
        leadTransferee = target;
        electionElapsed = 0;
        Progress pr = progress.get(target);
        LOG.info("node {} term {}: transferring leadership to {} (its match {}, our last {})", id, term, target,
                pr.match, log.lastIndex());
        if (pr.match == log.lastIndex()) {
            sendTimeoutNow(target);
        } else {
            replicateTo(target, pr, false);
        }
    }

    private void sendTimeoutNow(String target) {
        timeoutNowSent = true;
        send(new TimeoutNow(id, target, term));
    }

    private void requireLeader() {
        if (role != Role.LEADER) {
            throw new NotLeaderException(id, term, leaderId);
        }
    }

    private void requireNoTransfer() {
        if (leadTransferee != null) {
            throw new ProposalRejectedException("node " + id + " term " + term + ": leadership is being transferred to "
                    + leadTransferee + "; retry against the new leader");
        }
    }

    private long appendAsLeader(EntryType type, byte[] payload) {
        // Entry stamps never decrease along the log, whatever the clock does (DESIGN §3).
        long stamp = Math.max(log.lastTimestamp(), stampClock.getAsLong());
        Entry e = new Entry(log.lastIndex() + 1, term, type, stamp, payload);
        log.append(e);
        if (type == EntryType.CONFIG) {
            configEntries.put(e.index(), Configuration.decode(payload));
            applyConfiguration(latestConfiguration());
        }
        appendBroadcastPending = true;
        return e.index();
    }

    // ------------------------------------------------------------------ replication (leader)

    private void broadcastAppends() {
        for (Map.Entry<String, Progress> e : progress.entrySet()) {
            replicateTo(e.getKey(), e.getValue(), false);
        }
    }

    /** Sends as many AppendEntries as flow control allows. */
    private void replicateTo(String peer, Progress pr, boolean allowEmpty) {
        boolean sent = sendAppend(peer, pr, allowEmpty);
        while (sent && pr.state == Progress.State.REPLICATE && pr.next <= log.lastIndex()) {
            sent = sendAppend(peer, pr, false);
        }
    }

    private boolean sendAppend(String peer, Progress pr, boolean allowEmpty) {
        if (pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next - 1;
        long prevTerm = log.term(prevIndex);
        if (prevTerm == EntryLog.UNKNOWN_TERM) {
            if (prevIndex < log.snapshotIndex()) {
                sendSnapshotChunk(peer, pr);
                return false;
            }
            Invariants.check(false, "node %s: peer %s next %d beyond our last index %d", id, peer, pr.next,
                    log.lastIndex());
        }
        List<Entry> entries = log.slice(pr.next, log.lastIndex() + 1, config.maxBytesPerAppend());
        if (entries.isEmpty() && !allowEmpty) {
            return false;
        }
        send(new AppendEntries(id, peer, term, prevIndex, prevTerm, entries, commitIndex));
        // The follower may commit up to the last entry this append carries (or prevIndex).
        long usable = entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index();
        pr.sentCommit = Math.max(pr.sentCommit, Math.min(commitIndex, usable));
        if (entries.isEmpty()) {
            if (pr.state == Progress.State.PROBE) {
                pr.probeSent = true;
            }
            return true;
        }
        long last = entries.get(entries.size() - 1).index();
        if (pr.state == Progress.State.REPLICATE) {
            long bytes = 0;
            for (Entry e : entries) {
                bytes += e.sizeBytes();
            }
            pr.next = last + 1;
            pr.addInflight(last, bytes);
        } else {
            pr.probeSent = true;
        }
        return true;
    }

    private void handleAppendResponse(AppendEntriesResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (!r.success()) {
            handleAppendRejection(r, pr);
            return;
        }
        if (pr.maybeUpdate(r.index())) {
            switch (pr.state) {
                case PROBE -> pr.becomeReplicate();
                case SNAPSHOT -> {
                    if (pr.match >= pr.snapshotIndex) {
                        pr.becomeProbe();
                    }
                }
                case REPLICATE -> pr.freeInflightsTo(pr.match);
            }
            maybeCommit();
            if (r.from().equals(leadTransferee) && pr.match == log.lastIndex()) {
                sendTimeoutNow(r.from());
            }
        }
        replicateTo(r.from(), pr, false);
        // A late ack (the others already made the quorum) commits nothing new, and the commit
        // broadcast went out capped at this follower's old match: tell it now, or it learns of the
        // commit only at the next heartbeat — a tick of latency for every command it proposed
        // (etcd's CanBumpCommit).
        if (Math.min(pr.match, commitIndex) > pr.sentCommit) {
            commitBroadcastPending = true; // flushBroadcasts tells it, once, with whatever else goes out
        }
    }

    private void handleAppendRejection(AppendEntriesResponse r, Progress pr) {
        if (r.index() == 0 && r.conflictIndex() == 0) {
            return; // a stale-term notice, handled by the term check
        }
        long hint = r.conflictIndex();
        if (r.conflictTerm() > 0) {
            long ours = log.lastIndexOfTerm(r.conflictTerm(), r.index());
            if (ours > 0) {
                hint = ours + 1;
            }
        }
        if (pr.state == Progress.State.REPLICATE) {
            if (r.index() <= pr.match) {
                return; // stale
            }
            pr.becomeProbe();
            pr.next = Math.max(Math.min(r.index(), hint), 1);
        } else if (!pr.maybeDecrTo(r.index(), hint)) {
            return;
        }
        LOG.debug("node {} term {}: {} rejected index {}; retrying from {}", id, term, r.from(), r.index(), pr.next);
        replicateTo(r.from(), pr, false);
    }

    private void handleHeartbeatResponse(HeartbeatResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        pr.roundAcked = Math.max(pr.roundAcked, r.roundSeq());
        if (pr.state == Progress.State.SNAPSHOT) {
            // The chunk or its answer may have been lost: resend the current one, but only once
            // it has been outstanding for a while, or every heartbeat would duplicate it.
            if (tickCount - pr.snapshotSentTick >= 2L * config.heartbeatTicks()) {
                pr.snapshotChunkInFlight = false;
                sendSnapshotChunk(r.from(), pr);
            }
        } else {
            pr.probeSent = false;
            if (pr.state == Progress.State.REPLICATE && r.lastLogIndex() < pr.next - 1
                    && pr.match == pr.matchAtLastHeartbeat) {
                // No progress for a whole heartbeat and the follower lacks what we sent: an
                // AppendEntries was lost. Fall back to probing from its match index.
                pr.becomeProbe();
            } else if (pr.state == Progress.State.REPLICATE && pr.inflightsFull()) {
                pr.freeFirstInflight();
            }
            pr.matchAtLastHeartbeat = pr.match;
            if (pr.match < log.lastIndex()) {
                replicateTo(r.from(), pr, false);
            }
        }
        confirmReadRounds();
    }

    private void broadcastHeartbeat() {
        long seq = ++roundSeq;
        roundSentTick.put(seq, tickCount);
        for (Map.Entry<String, Progress> e : progress.entrySet()) {
            Progress pr = e.getValue();
            send(new Heartbeat(id, e.getKey(), term, Math.min(pr.match, commitIndex), seq));
            pr.sentCommit = Math.max(pr.sentCommit, Math.min(pr.match, commitIndex));
        }
        confirmReadRounds(); // a single-voter cluster confirms by itself
    }

    /** Leader: advance the commit index to what a majority holds durably (§5.3, §5.4.2). */
    private boolean maybeCommit() {
        long ownMatch = Math.min(durableIndex, log.lastIndex());
        long n = Quorum.majorityValue(configuration.voters().keySet(),
                v -> v.equals(id) ? ownMatch : matchOf(v));
        if (n <= commitIndex) {
            return false;
        }
        // §5.4.2: never commit entries of older terms by counting replicas.
        if (log.term(n) != term && !config.hasBug(RaftConfig.InjectedBug.COMMIT_OLD_TERM_BY_COUNTING)) {
            return false;
        }
        boolean firstInTerm = log.term(commitIndex) != term;
        commitIndex = n;
        commitBroadcastPending = true;
        if (firstInTerm && log.term(commitIndex) == term) {
            List<PendingRead> waiting = new ArrayList<>(readsAwaitingCommit);
            readsAwaitingCommit.clear();
            for (PendingRead pr : waiting) {
                leaderRead(pr.context(), pr.requester());
            }
        }
        long configIndex = configEntries.isEmpty() ? log.snapshotIndex() : configEntries.lastKey();
        if (!configuration.isVoter(id) && configIndex <= commitIndex) {
            stepDownAfterRemoval();
        }
        return true;
    }

    private long matchOf(String peer) {
        Progress pr = progress.get(peer);
        return pr == null ? 0 : pr.match;
    }

    /** §4.2.2: a leader removed from the configuration steps down once the removal commits. */
    private void stepDownAfterRemoval() {
        String successor = null;
        long best = -1;
        for (Map.Entry<String, Progress> e : progress.entrySet()) {
            if (configuration.isVoter(e.getKey()) && e.getValue().match > best) {
                best = e.getValue().match;
                successor = e.getKey();
            }
        }
        LOG.info("node {} term {}: removed from the configuration; stepping down{}", id, term,
                successor != null && best == log.lastIndex() ? " and handing over to " + successor : "");
        if (successor != null && best == log.lastIndex()) {
            sendTimeoutNow(successor);
        }
        becomeFollower(term, null);
    }

    // ------------------------------------------------------------------ replication (follower)

    private void handleAppendEntries(AppendEntries ae) {
        if (ae.prevLogIndex() < commitIndex) {
            // Everything up to our commit index is settled; tell the leader where we stand.
            sendAfterPersist(new AppendEntriesResponse(id, ae.from(), term, true, commitIndex, 0, 0, log.lastIndex()));
            return;
        }
        if (!log.matchTerm(ae.prevLogIndex(), ae.prevLogTerm())) {
            rejectAppend(ae);
            return;
        }
        appendFromLeader(ae.entries());
        long lastNew = ae.prevLogIndex() + ae.entries().size();
        commitTo(Math.min(ae.leaderCommit(), lastNew));
        sendAfterPersist(new AppendEntriesResponse(id, ae.from(), term, true, lastNew, 0, 0, log.lastIndex()));
    }

    private void rejectAppend(AppendEntries ae) {
        long conflictIndex;
        long conflictTerm;
        if (ae.prevLogIndex() > log.lastIndex()) {
            conflictIndex = log.lastIndex() + 1;
            conflictTerm = 0;
        } else {
            conflictTerm = log.term(ae.prevLogIndex());
            conflictIndex = Math.max(log.firstIndexOfTerm(conflictTerm, ae.prevLogIndex()), commitIndex + 1);
        }
        send(new AppendEntriesResponse(id, ae.from(), term, false, ae.prevLogIndex(), conflictIndex, conflictTerm,
                log.lastIndex()));
    }

    private void appendFromLeader(List<Entry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.index() > log.lastIndex()) {
                appendAll(entries, i);
                return;
            }
            if (log.term(e.index()) != e.term()) {
                // §5.3: delete the conflicting entry and all that follow it. Committed entries are
                // never in conflict (Log Matching + Leader Completeness).
                Invariants.check(e.index() > commitIndex, "node %s: leader %s conflicts with committed entry %d"
                        + " (commit %d)", id, leaderId, e.index(), commitIndex);
                truncateFrom(e.index());
                appendAll(entries, i);
                return;
            }
        }
    }

    private void appendAll(List<Entry> entries, int from) {
        boolean configChanged = false;
        for (int i = from; i < entries.size(); i++) {
            Entry e = entries.get(i);
            log.append(e);
            if (e.type() == EntryType.CONFIG) {
                configEntries.put(e.index(), Configuration.decode(e.payload()));
                configChanged = true;
            }
        }
        if (configChanged) {
            applyConfiguration(latestConfiguration());
        }
    }

    private void truncateFrom(long index) {
        log.truncateFrom(index);
        durableIndex = Math.min(durableIndex, index - 1);
        if (!configEntries.tailMap(index, true).isEmpty()) {
            // A truncated configuration entry stops being in effect (dissertation §4.1).
            configEntries.tailMap(index, true).clear();
            applyConfiguration(latestConfiguration());
        }
    }

    private void commitTo(long index) {
        if (index > commitIndex) {
            commitIndex = index;
        }
    }

    private void handleHeartbeat(Heartbeat hb) {
        // The leader caps leaderCommit at our acknowledged match, so these entries are ours.
        commitTo(Math.min(hb.leaderCommit(), log.lastIndex()));
        send(new HeartbeatResponse(id, hb.from(), term, hb.roundSeq(), log.lastIndex()));
    }

    // ------------------------------------------------------------------ snapshots

    /**
     * The runtime saved a durable snapshot of the state machine at {@code index} (at or below the
     * applied index). Lagging followers will be sent it. The log keeps
     * {@link RaftConfig#compactionTrailingEntries()} entries before it, so a follower that is only a
     * little behind catches up from the log instead of a snapshot.
     */
    public void compact(long index) {
        Invariants.check(index <= applied, "node %s: compact to %d beyond applied %d", id, index, applied);
        if (index <= latestSnapshot.index() || index <= log.snapshotIndex()) {
            return;
        }
        latestSnapshot = new SnapshotMeta(index, log.term(index), configurationAt(index));
        long base = index - config.compactionTrailingEntries();
        if (base > log.snapshotIndex()) {
            snapshotConfig = configurationAt(base);
            configEntries.headMap(base, true).clear();
            log.compactTo(base);
        }
    }

    private void sendSnapshotChunk(String peer, Progress pr) {
        // Keep streaming the snapshot in progress while the runtime can still read it: restarting
        // with every newer snapshot would never finish when snapshots are taken faster than a
        // transfer takes.
        SnapshotMeta snap = latestSnapshot;
        if (pr.state == Progress.State.SNAPSHOT && pr.snapshotMeta != null && pr.snapshotIndex != snap.index()
                && snapshots.snapshotSize(pr.snapshotIndex) >= 0) {
            snap = pr.snapshotMeta;
        }
        if (pr.state != Progress.State.SNAPSHOT || pr.snapshotIndex != snap.index()) {
            LOG.info("node {} term {}: {} needs entries we compacted (next {}); sending snapshot {}", id, term,
                    peer, pr.next, snap.index());
            pr.becomeSnapshot(snap.index());
            pr.snapshotMeta = snap;
        }
        if (pr.snapshotChunkInFlight) {
            return;
        }
        long size = snapshots.snapshotSize(snap.index());
        if (size < 0) {
            throw new IllegalStateException("node " + id + ": the runtime cannot read snapshot " + snap.index()
                    + " that it reported with compact()");
        }
        if (pr.snapshotOffset > size) {
            pr.snapshotOffset = 0;
        }
        byte[] data = snapshots.readSnapshotChunk(snap.index(), pr.snapshotOffset, config.snapshotChunkBytes());
        boolean done = pr.snapshotOffset + data.length >= size;
        send(new InstallSnapshot(id, peer, term, snap.index(), snap.term(), snap.configuration().encode(),
                pr.snapshotOffset, data, done));
        pr.snapshotChunkInFlight = true;
        pr.snapshotSentTick = tickCount;
    }

    private void handleSnapshotResponse(InstallSnapshotResponse r) {
        Progress pr = progress.get(r.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (pr.state != Progress.State.SNAPSHOT || r.lastIncludedIndex() != pr.snapshotIndex) {
            return; // an answer about an older transfer
        }
        pr.snapshotChunkInFlight = false;
        if (r.done()) {
            pr.maybeUpdate(r.lastIncludedIndex());
            pr.becomeProbe();
            maybeCommit();
            replicateTo(r.from(), pr, false);
        } else {
            pr.snapshotOffset = r.nextOffset();
            sendSnapshotChunk(r.from(), pr);
        }
    }

    private void handleInstallSnapshot(InstallSnapshot is) {
        long index = is.lastIncludedIndex();
        if (is.offset() == 0) {
            if (index <= commitIndex) {
                sendAfterPersist(new InstallSnapshotResponse(id, is.from(), term, index, 0, true));
                incoming = null;
                return;
            }
            incoming = new IncomingSnapshot(index);
        }
        if (incoming == null || incoming.index != index || incoming.nextOffset != is.offset()) {
            long want = incoming != null && incoming.index == index ? incoming.nextOffset : 0;
            sendAfterPersist(new InstallSnapshotResponse(id, is.from(), term, index, want, false));
            return;
        }
        snapshotChunks.add(new SnapshotChunk(index, is.lastIncludedTerm(), is.configuration(), is.offset(),
                is.data(), is.done()));
        incoming.nextOffset += is.data().length;
        long next = incoming.nextOffset;
        if (!is.done()) {
            sendAfterPersist(new InstallSnapshotResponse(id, is.from(), term, index, next, false));
            return;
        }
        incoming = null;
        if (index > commitIndex) {
            installSnapshot(new SnapshotMeta(index, is.lastIncludedTerm(), Configuration.decode(is.configuration())));
        }
        sendAfterPersist(new InstallSnapshotResponse(id, is.from(), term, index, next, true));
    }

    private void installSnapshot(SnapshotMeta meta) {
        LOG.info("node {} term {}: installing snapshot {} (term {}) from leader {}", id, term, meta.index(),
                meta.term(), leaderId);
        boolean kept = log.restoreSnapshot(meta.index(), meta.term());
        snapshotConfig = meta.configuration();
        latestSnapshot = meta;
        if (kept) {
            configEntries.headMap(meta.index(), true).clear();
        } else {
            configEntries.clear();
            durableIndex = meta.index();
        }
        commitIndex = Math.max(commitIndex, meta.index());
        applied = meta.index();
        snapshotToInstall = meta;
        applyConfiguration(latestConfiguration());
    }

    // ------------------------------------------------------------------ configuration

    private Configuration latestConfiguration() {
        return configEntries.isEmpty() ? snapshotConfig : configEntries.lastEntry().getValue();
    }

    private Configuration configurationAt(long index) {
        Map.Entry<Long, Configuration> e = configEntries.floorEntry(index);
        return e == null ? snapshotConfig : e.getValue();
    }

    private void applyConfiguration(Configuration next) {
        if (next.equals(configuration)) {
            return;
        }
        LOG.info("node {} term {}: configuration now {}", id, term, next);
        configuration = next;
        if (role == Role.LEADER) {
            for (String member : next.members()) {
                if (!member.equals(id) && !progress.containsKey(member)) {
                    // A new member's log is unknown: probe from our last entry (this configuration
                    // entry), not past it. Past it there is nothing to send, heartbeats carry no log
                    // position, and an idle leader would never learn the member lacks the log.
                    progress.put(member, new Progress(Math.max(log.lastIndex(), 1), config.maxInflightMessages(),
                            config.maxInflightBytes()));
                }
            }
            progress.keySet().removeIf(peer -> !next.isMember(peer));
            if (leadTransferee != null && !next.isVoter(leadTransferee)) {
                leadTransferee = null;
            }
            maybeCommit();
            confirmReadRounds();
        } else if (role != Role.FOLLOWER && !next.isVoter(id)) {
            becomeFollower(term, null);
        }
    }

    // ------------------------------------------------------------------ linearizable reads

    /**
     * Asks for a read index on behalf of {@code context} (§6.4). The answer arrives in a later
     * {@link Ready}: a {@link ReadState} once the index is known (serve the read once the state
     * machine has applied it), or the context in {@link Ready#readFailures()} if leadership could
     * not be confirmed (retry, possibly elsewhere).
     */
    public void readIndex(long context) {
        if (role == Role.LEADER) {
            leaderRead(context, id);
        } else if (leaderId != null) {
            send(new ReadIndexRequest(id, leaderId, term, context));
        } else {
            readFailures.add(context);
        }
    }

    private void leaderRead(long context, String requester) {
        if (log.term(commitIndex) != term) {
            // §6.4 step 1: until an entry of its term commits, the leader's commit index may lag.
            readsAwaitingCommit.add(new PendingRead(context, requester, 0, 0));
            return;
        }
        if (configuration.voters().size() == 1 && configuration.isVoter(id)) {
            resolveRead(context, requester, commitIndex);
            return;
        }
        if (config.leaseReads() && leaseValid()) {
            resolveRead(context, requester, commitIndex);
            return;
        }
        pendingReads.add(new PendingRead(context, requester, commitIndex, roundSeq + 1));
        readBroadcastPending = true;
    }

    private boolean leaseValid() {
        // Voters that acknowledged a round sent at leaseStartTick will not vote for anyone else
        // until an election timeout after they received it (stickiness) — if ticks run at the
        // same rate everywhere. One tick of margin for the round trip.
        // A TimeoutNow lets its target win past the voters' stickiness whenever it arrives, even
        // after the transfer was aborted here, so its sender can never trust the lease again.
        return leadTransferee == null && !timeoutNowSent && leaseStartTick >= 0
                && tickCount < leaseStartTick + config.electionTimeoutTicks() - 1;
    }

    private void confirmReadRounds() {
        if (role != Role.LEADER) {
            return;
        }
        long confirmed = Quorum.majorityValue(configuration.voters().keySet(),
                v -> v.equals(id) ? roundSeq : roundAckedOf(v));
        confirmedRound = Math.max(confirmedRound, confirmed);
        while (!pendingReads.isEmpty() && pendingReads.peek().round() <= confirmed) {
            PendingRead r = pendingReads.poll();
            resolveRead(r.context(), r.requester(), r.index());
        }
        if (!pendingReads.isEmpty() && roundSeq <= confirmedRound) {
            readBroadcastPending = true; // reads that arrived during the round just confirmed: the next one
        }
        Long sent = roundSentTick.get(confirmed);
        if (sent != null) {
            leaseStartTick = Math.max(leaseStartTick, sent);
        }
        roundSentTick.headMap(confirmed, false).clear();
    }

    private long roundAckedOf(String peer) {
        Progress pr = progress.get(peer);
        return pr == null ? 0 : pr.roundAcked;
    }

    private void resolveRead(long context, String requester, long index) {
        if (requester.equals(id)) {
            readStates.add(new ReadState(context, index));
        } else {
            send(new ReadIndexResponse(id, requester, term, context, index, true));
        }
    }

    private void failPendingReads() {
        List<PendingRead> all = new ArrayList<>(pendingReads);
        all.addAll(readsAwaitingCommit);
        pendingReads.clear();
        readsAwaitingCommit.clear();
        roundSentTick.clear();
        leaseStartTick = -1;
        readBroadcastPending = false;
        for (PendingRead r : all) {
            if (r.requester().equals(id)) {
                readFailures.add(r.context());
            } else {
                send(new ReadIndexResponse(id, r.requester(), term, r.context(), 0, false));
            }
        }
    }

    private void handleReadIndexRequest(ReadIndexRequest m) {
        if (role == Role.LEADER) {
            leaderRead(m.context(), m.from());
        } else {
            send(new ReadIndexResponse(id, m.from(), term, m.context(), 0, false));
        }
    }

    private void handleReadIndexResponse(ReadIndexResponse m) {
        if (m.ok()) {
            readStates.add(new ReadState(m.context(), m.index()));
        } else {
            readFailures.add(m.context());
        }
    }

    // ------------------------------------------------------------------ persistence feedback

    /**
     * The runtime reports that its log is durable up to {@code index}, whose entry has
     * {@code entryTerm}. Reports for entries since replaced are ignored.
     */
    public void onPersisted(long index, long entryTerm) {
        if (index <= durableIndex || !log.matchTerm(index, entryTerm)) {
            return;
        }
        durableIndex = index;
        if (role == Role.LEADER) {
            maybeCommit();
        }
    }

    // ------------------------------------------------------------------ Ready

    public boolean hasReady() {
        return hardStateChanged() || !messages.isEmpty() || !persistedMessages.isEmpty()
                || !snapshotChunks.isEmpty() || snapshotToInstall != null || commitIndex > applied
                || !readStates.isEmpty() || !readFailures.isEmpty() || log.hasUnstable()
                || appendBroadcastPending || commitBroadcastPending || readBroadcastPending;
    }

    /** Collects the work to do. Call {@link #advance(Ready)} before the next {@code ready()}. */
    public Ready ready() {
        Invariants.check(!readyOutstanding, "node %s: ready() called twice without advance()", id);
        flushBroadcasts();
        HardState hs = currentHardState();
        List<Entry> committed = commitIndex > applied
                ? log.slice(applied + 1, commitIndex + 1, config.maxApplyBatchBytes()) : List.of();
        Ready rd = new Ready(hs.equals(lastHardState) ? null : hs, log.unstable(), drain(messages),
                drain(persistedMessages), drain(snapshotChunks), snapshotToInstall, committed,
                drain(readStates), drain(readFailures));
        snapshotToInstall = null;
        readyOutstanding = true;
        return rd;
    }

    /** The runtime has handled {@code rd}: its entries are handed to storage and its commits applied. */
    public void advance(Ready rd) {
        readyOutstanding = false;
        if (rd.hardState() != null) {
            lastHardState = rd.hardState();
        }
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            // A step between ready() and advance() may have replaced entries of rd (a new leader
            // truncating our log); the replacements were never handed out and stay unstable.
            if (log.matchTerm(last.index(), last.term())) {
                log.stableTo(last.index());
            }
        }
        if (!rd.committedEntries().isEmpty()) {
            applied = Math.max(applied, rd.committedEntries().get(rd.committedEntries().size() - 1).index());
        }
    }

    /** {@code !currentHardState().equals(lastHardState)} without allocating (asked every loop turn). */
    private boolean hardStateChanged() {
        String vote = config.hasBug(RaftConfig.InjectedBug.SKIP_PERSIST_VOTE) ? null : votedFor;
        return term != lastHardState.term() || !java.util.Objects.equals(vote, lastHardState.votedFor());
    }

    private HardState currentHardState() {
        if (config.hasBug(RaftConfig.InjectedBug.SKIP_PERSIST_VOTE)) {
            return new HardState(term, null);
        }
        return new HardState(term, votedFor);
    }

    private void flushBroadcasts() {
        if (role != Role.LEADER) {
            appendBroadcastPending = commitBroadcastPending = readBroadcastPending = false;
            return;
        }
        if (appendBroadcastPending) {
            broadcastAppends();
        }
        // One read round in flight: reads arriving during a round wait for the next, which starts
        // when this one is confirmed (confirmReadRounds) or at the next heartbeat tick, whichever
        // comes first. A round per Ready made many rounds of a few reads each under load. Safe
        // either way: a read only ever resolves on a round started after it arrived.
        if (readBroadcastPending && roundSeq <= confirmedRound) {
            broadcastHeartbeat();
        }
        if (commitBroadcastPending) {
            // Followers learn a commit index they can use now rather than at the next heartbeat;
            // those the appends or the read round above already told are skipped.
            for (Map.Entry<String, Progress> e : progress.entrySet()) {
                Progress pr = e.getValue();
                long canUse = Math.min(pr.match, commitIndex);
                if (canUse > pr.sentCommit) {
                    send(new Heartbeat(id, e.getKey(), term, canUse, roundSeq));
                    pr.sentCommit = canUse;
                }
            }
        }
        appendBroadcastPending = commitBroadcastPending = readBroadcastPending = false;
    }

    private void send(Message m) {
        messages.add(m);
    }

    private void sendAfterPersist(Message m) {
        if (config.hasBug(RaftConfig.InjectedBug.ACK_BEFORE_PERSIST)) {
            messages.add(m);
        } else {
            persistedMessages.add(m);
        }
    }

    private static <T> List<T> drain(ArrayList<T> list) {
        if (list.isEmpty()) {
            return List.of();
        }
        List<T> out = List.copyOf(list);
        list.clear();
        return out;
    }

    @Override
    public String toString() {
        return "RaftCore{" + id + " " + role + " term=" + term + " leader=" + leaderId + " commit=" + commitIndex
                + " applied=" + applied + " last=" + log.lastIndex() + " snap=" + log.snapshotIndex() + "}";
    }
}
