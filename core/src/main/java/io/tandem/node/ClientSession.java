package io.tandem.node;

import io.tandem.ClosedException;
import io.tandem.InvalidArgumentException;
import io.tandem.OverloadedException;
import io.tandem.SessionExpiredException;
import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.raft.RaftCore;
import io.tandem.state.Command;
import io.tandem.state.CommandCodec;
import io.tandem.state.CommandLevels;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.StateMachine;
import io.tandem.transport.Endpoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's client session and the pipeline of the commands proposed in it: opening the
 * session (and a new one when the cluster expired it), keep-alives, the at-risk signal by the
 * node's own clock ({@link SessionLease}), sequence numbers, batching proposals to the leader or
 * forwarding them to it, re-sending on a leader change or after the retry interval, holding
 * commands until the session opens or the cluster version allows them, and matching each applied
 * entry's result, by (session, sequence), to the caller that proposed it. Unanswered proposals
 * are re-sent with the same sequence number; the state machine runs each once.
 *
 * <p><b>Threads.</b> Loop thread only, except {@link #sessionId()} and {@link #validUntilNanos()}
 * (volatile reads, any thread). Owns the session id, the sequence counter, the session lease,
 * every pending command and the session listeners. Never blocks; callers' futures complete
 * through {@link Completions}. Listeners run on the loop and must only hand off work.
 */
final class ClientSession {

    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
    private static final int MAX_PROPOSALS_PER_BATCH = 4096;
    /** How long a command waits for the cluster version before it is refused (reports go every second). */
    private static final long VERSION_WAIT_NANOS = 3_000_000_000L;

    private final NodeOptions opt;
    private final Clock clock;
    private final LongSupplier nonces;
    private final StateMachine sm;
    private final Supplier<RaftCore> core;
    private final Peers peers;
    private final Consumer<List<byte[]>> proposeOnLeader;
    private final Completions completions;
    private final Executor callbacks;
    private final CompletableFuture<Void> ready;
    private final Set<RuntimeBug> bugs;
    private final Supplier<NodeMetrics.Sink> metrics;

    private long sessionId;
    private long openNonce;
    private long openSentNanos;
    private long nextSequence;
    private long lastKeepAliveNanos;
    private final SessionLease sessionLease;
    private volatile long publicSessionId;
    private volatile long validUntilNanos;
    private boolean atRiskSignalled;
    /** This node closed its own session (graceful leave): no new session is opened. */
    private boolean sessionClosedByUs;
    private final List<Consumer<Long>> atRiskListeners = new ArrayList<>();
    private final List<Consumer<Long>> lostListeners = new ArrayList<>();
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    private final ArrayDeque<Pending> waitingForSession = new ArrayDeque<>();
    /** Commands of a kind above the cluster version, waiting briefly for the leader to raise it. */
    private final ArrayDeque<Pending> waitingForVersion = new ArrayDeque<>();
    private final List<Pending> toSend = new ArrayList<>();
    private Pending pendingOpen;
    private String lastKnownLeader;

    private final class Pending {
        final Command command;
        final CompletableFuture<CommandResult> future;
        final long deadlineNanos;
        long sequence;
        long lastSentNanos;
        final long createdNanos = clock.monotonicNanos();
        /** When this command first left the node: any copy of it is stamped after this. */
        long firstSentNanos;
        boolean sent;
        byte[] payload;
        /** In {@code toSend} already: keeps re-queueing O(1) when thousands are pending. */
        boolean queued;
        long versionDeadlineNanos;

        Pending(Command command, CompletableFuture<CommandResult> future, long deadlineNanos) {
            this.command = command;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
        }
    }

    /**
     * @param nonces          draws the nonce that tells this node's OpenSession from others'
     * @param core            the node's Raft core, or null before it exists
     * @param proposeOnLeader proposes payloads when this node leads
     * @param ready           completed once the first session is open
     * @param bugs            deliberate bugs switched on (simulation tests only)
     */
    ClientSession(NodeOptions opt, Clock clock, LongSupplier nonces, StateMachine sm, Supplier<RaftCore> core,
                  Peers peers, Consumer<List<byte[]>> proposeOnLeader, Completions completions, Executor callbacks,
                  CompletableFuture<Void> ready, Set<RuntimeBug> bugs, Supplier<NodeMetrics.Sink> metrics) {
        this.opt = opt;
        this.clock = clock;
        this.nonces = nonces;
        this.sm = sm;
        this.core = core;
        this.peers = peers;
        this.proposeOnLeader = proposeOnLeader;
        this.completions = completions;
        this.callbacks = callbacks;
        this.ready = ready;
        this.bugs = bugs;
        this.metrics = metrics;
        this.sessionLease = new SessionLease(opt.sessionTimeoutMs(), opt.sessionSafetyMarginMs());
    }

    // ------------------------------------------------------------------ queries

    /** The session id, 0 while there is none. Loop thread. */
    long sessionIdOnLoop() {
        return sessionId;
    }

    /** The session id, 0 while there is none. Any thread. */
    long sessionId() {
        return publicSessionId;
    }

    /** Until when (monotonic) this node may rely on its session; see {@link SessionLease}. Any thread. */
    long validUntilNanos() {
        return validUntilNanos;
    }

    int pendingCount() {
        return pending.size();
    }

    /** The last leader this node saw (it may have lost track of it since). */
    String lastKnownLeader() {
        return lastKnownLeader;
    }

    void addAtRiskListener(Consumer<Long> listener) {
        atRiskListeners.add(listener);
    }

    void addLostListener(Consumer<Long> listener) {
        lostListeners.add(listener);
    }

    /** Why the session cannot be relied on now, or null when it can. */
    String healthProblem(long now) {
        if (sessionId == 0) {
            return "no session (opening one)";
        }
        if (now - sessionLease.validUntilNanos() >= 0) {
            return "session not renewed for " + (now - sessionLease.confirmedSentNanos()) / 1_000_000
                    + " ms (locks and leaderships are treated as lost)";
        }
        return null;
    }

    // ------------------------------------------------------------------ commands in

    /** Takes a caller's command: it waits for the session or the cluster version, or is queued to go. */
    void submit(Command command, CompletableFuture<CommandResult> f) {
        if (pending.size() + waitingForSession.size() >= opt.maxPendingRequests()) {
            completions.fail(f, new OverloadedException("node " + opt.nodeId() + " has " + opt.maxPendingRequests()
                    + " requests in flight (maxPendingRequests); retry with back-off"));
            return;
        }
        int level = CommandLevels.levelOf(command);
        if (level > opt.commandLevel()) {
            completions.fail(f, versionRefusal(command, level));
            return;
        }
        Pending p = new Pending(command, f, clock.monotonicNanos() + ms(opt.requestTimeoutMs()));
        if (level > sm.clusterVersion()) {
            // A young cluster raises its version within a report interval or two; a mixed one never.
            p.versionDeadlineNanos = clock.monotonicNanos() + VERSION_WAIT_NANOS;
            waitingForVersion.add(p);
        } else if (sessionId == 0) {
            waitingForSession.add(p);
        } else {
            assignAndQueue(p);
        }
    }

    /** Asks the cluster for a new session; re-sent every retry interval until it opens. */
    void open() {
        openNonce = nonces.getAsLong();
        openSentNanos = clock.monotonicNanos();
        Command.OpenSession open = new Command.OpenSession(opt.nodeId(), opt.sessionTimeoutMs(), openNonce);
        Pending p = new Pending(open, new CompletableFuture<>(), Long.MAX_VALUE);
        p.payload = CommandCodec.encode(new Envelope(0, 0, 0, open));
        p.sequence = -1;
        queue(p);
        pendingOpen = p;
    }

    private void assignAndQueue(Pending p) {
        p.sequence = ++nextSequence;
        long acked = pending.isEmpty() ? p.sequence - 1 : pending.firstKey() - 1;
        p.payload = CommandCodec.encode(new Envelope(sessionId, p.sequence, acked, p.command));
        pending.put(p.sequence, p);
        queue(p);
    }

    private void queue(Pending p) {
        if (!p.queued) {
            p.queued = true;
            toSend.add(p);
        }
    }

    // ------------------------------------------------------------------ commands out

    /** Sends everything queued this turn, in batches. End of every loop turn. */
    void flush(long now) {
        if (toSend.isEmpty()) {
            return;
        }
        List<byte[]> batch = new ArrayList<>(Math.min(toSend.size(), MAX_PROPOSALS_PER_BATCH));
        for (Pending p : toSend) {
            p.queued = false;
            p.lastSentNanos = now;
            if (!p.sent) {
                p.sent = true;
                p.firstSentNanos = now;
            }
            batch.add(p.payload);
            if (bugs.contains(RuntimeBug.COMPLETE_BEFORE_APPLY) && core.get().isLeader()
                    && p.command instanceof Command.Put put) {
                CompletableFuture<CommandResult> f = p.future;
                completions.deliver(() -> f.complete(new CommandResult.Written(new io.tandem.state.Record(put.key(),
                        put.value(), 0, 0, 0, 0, 0))));
            }
            if (batch.size() == MAX_PROPOSALS_PER_BATCH) {
                dispatch(batch);
                batch = new ArrayList<>();
            }
        }
        toSend.clear();
        if (!batch.isEmpty()) {
            dispatch(batch);
        }
    }

    /** Proposes on the leader, or forwards to the leader we know; otherwise the retry timer resends. */
    private void dispatch(List<byte[]> payloads) {
        metrics.get().proposalBatch(payloads.size());
        RaftCore c = core.get();
        if (c.isLeader()) {
            proposeOnLeader.accept(payloads);
        } else if (c.leaderId() != null) {
            Endpoint leader = peers.addressOf(c.leaderId());
            if (leader != null) {
                peers.send(leader, new Wire.ForwardProposals(payloads));
            }
        }
    }

    /**
     * A new leader will not have the proposals the old one lost: send everything unanswered to it
     * now rather than after the retry interval (safe: the state machine runs each sequence once).
     */
    void resendOnLeaderChange() {
        String leader = core.get().leaderId();
        if (leader == null || leader.equals(lastKnownLeader)) {
            return;
        }
        boolean changed = lastKnownLeader != null;
        lastKnownLeader = leader;
        if (!changed) {
            return;
        }
        for (Pending p : pending.values()) {
            queue(p);
        }
        if (pendingOpen != null && sessionId == 0) {
            queue(pendingOpen);
        }
        if (sessionId != 0) {
            // Unanswered keep-alives keep their first send time (the conservative rule), so renew
            // with a fresh one at once: a fail-over should not eat into the session's lease.
            long now = clock.monotonicNanos();
            lastKeepAliveNanos = now;
            assignAndQueue(new Pending(new Command.KeepAlive(), new CompletableFuture<>(),
                    now + ms(opt.sessionTimeoutMs())));
        }
    }

    // ------------------------------------------------------------------ time

    /**
     * Signals the session as at risk once this node's own clock says it may have expired in the
     * cluster (DESIGN §3). Runs on every tick and before every apply, so a node that was stalled
     * signals the loss by its own clock before it applies whatever the cluster did meanwhile.
     */
    void checkLease(long now) {
        if (sessionId != 0 && !atRiskSignalled && now - sessionLease.validUntilNanos() >= 0) {
            atRiskSignalled = true;
            LOG.warn("node {}: session {} not confirmed for {} ms (timeout {} ms, safety margin {} ms); treating"
                    + " its locks and leaderships as lost", opt.nodeId(), sessionId,
                    (now - sessionLease.confirmedSentNanos()) / 1_000_000, opt.sessionTimeoutMs(),
                    opt.sessionSafetyMarginMs());
            for (Consumer<Long> l : atRiskListeners) {
                l.accept(sessionId);
            }
        }
    }

    /** Every tick: re-sends the open request, keeps the session alive, re-sends unanswered commands. */
    void duties(long now) {
        if (pendingOpen != null && sessionId == 0 && now - pendingOpen.lastSentNanos >= ms(opt.retryMs())) {
            queue(pendingOpen);
        }
        if (sessionId != 0) {
            pendingOpen = null;
            checkLease(now);
            if (now - lastKeepAliveNanos >= ms(opt.sessionTimeoutMs()) / 3) {
                lastKeepAliveNanos = now;
                Pending p = new Pending(new Command.KeepAlive(), new CompletableFuture<>(),
                        now + ms(opt.sessionTimeoutMs()));
                assignAndQueue(p);
            }
        }
        for (Pending p : pending.values()) {
            if (now - p.lastSentNanos >= ms(opt.retryMs())) {
                queue(p);
            }
        }
    }

    /** Every tick: fails commands past their deadline, and moves or refuses those waiting for the version. */
    void expire(long now) {
        if (!waitingForVersion.isEmpty()) {
            releaseVersionWaiters(now);
        }
        List<Long> expired = new ArrayList<>();
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            if (now > e.getValue().deadlineNanos) {
                expired.add(e.getKey());
            }
        }
        RaftCore c = core.get();
        for (long seq : expired) {
            Pending p = pending.remove(seq);
            toSend.remove(p);
            completions.fail(p.future, new TandemTimeoutException("node " + opt.nodeId() + ": no result within "
                    + opt.requestTimeoutMs() + " ms (leader " + c.leaderId() + ", term " + c.term()
                    + "); the command may still apply later — retrying it is safe only through the same API call"));
        }
        for (Pending p : waitingForSession.toArray(new Pending[0])) {
            if (now > p.deadlineNanos) {
                waitingForSession.remove(p);
                completions.fail(p.future, new TandemTimeoutException("node " + opt.nodeId() + ": no session within "
                        + opt.requestTimeoutMs() + " ms; is a majority of the cluster reachable?"));
            }
        }
    }

    private InvalidArgumentException versionRefusal(Command command, int level) {
        return new InvalidArgumentException("node " + opt.nodeId() + ": " + command.getClass().getSimpleName()
                + " needs cluster version " + level + ", but the cluster is at " + sm.clusterVersion() + " and this"
                + " node reads up to " + opt.commandLevel() + ": not every member runs a build that reads it yet."
                + " Finish upgrading every member; the leader raises the version within seconds once all do");
    }

    /** Moves commands waiting for the cluster version on once it allows them, or refuses them at their deadline. */
    private void releaseVersionWaiters(long now) {
        for (int n = waitingForVersion.size(); n > 0; n--) {
            Pending p = waitingForVersion.poll();
            int level = CommandLevels.levelOf(p.command);
            if (level <= sm.clusterVersion()) {
                if (sessionId == 0) {
                    waitingForSession.add(p);
                } else {
                    assignAndQueue(p);
                }
            } else if (now > p.versionDeadlineNanos) {
                completions.fail(p.future, versionRefusal(p.command, level));
            } else {
                waitingForVersion.add(p);
            }
        }
    }

    // ------------------------------------------------------------------ results in

    /** Matches an applied entry to this node's session and caller. Loop thread, during apply. */
    void onApplied(StateMachine.Applied applied) {
        Envelope env = applied.envelope();
        CommandResult result = applied.result();
        if (env != null && env.command() instanceof Command.OpenSession open) {
            if (open.nodeId().equals(opt.nodeId()) && open.nonce() == openNonce && sessionId == 0) {
                onSessionOpened(result);
            }
            return;
        }
        if (env != null && env.command() instanceof Command.SetClusterVersion && !waitingForVersion.isEmpty()) {
            releaseVersionWaiters(clock.monotonicNanos());
        }
        if (env != null && env.command() instanceof Command.SetClusterVersion v && v.version() > opt.commandLevel()) {
            LOG.error("node {}: the cluster version is now {}, above the command level {} this node reads; it cannot"
                    + " apply newer commands. Run a build that reads level {} on this node", opt.nodeId(), v.version(),
                    opt.commandLevel(), v.version());
        }
        if (applied.sessionId() != sessionId || sessionId == 0) {
            return;
        }
        Pending p = pending.remove(applied.sequence());
        if (p == null) {
            return;
        }
        if (result instanceof CommandResult.SessionExpired) {
            if (sessionClosedByUs) {
                // The node is leaving: commands that raced its CloseSession simply did not run.
                completions.fail(p.future, new ClosedException("node " + opt.nodeId() + " closed its session; the"
                        + " command did not run"));
                return;
            }
            // p already left `pending`; put it back so onSessionLost fails it with the rest.
            // Dropping it here left its caller waiting forever (found by the chaos suite, A2).
            pending.put(applied.sequence(), p);
            onSessionLost();
            return;
        }
        if (p.command instanceof Command.CloseSession) {
            sessionClosedByUs = true;
        }
        // The session was live when this command applied, and the command was stamped after it first left.
        if (p.sent) {
            confirmSession(bugs.contains(RuntimeBug.KEEPALIVE_FROM_APPLY_TIME) ? clock.monotonicNanos()
                    : p.firstSentNanos);
        }
        metrics.get().proposalApplied(clock.monotonicNanos() - p.createdNanos);
        completions.deliver(() -> p.future.complete(result));
    }

    /** The leader refused one of this node's commands before the log (see {@link PeerAdmission}). */
    void onProposalRefused(Wire.ProposalRefused refused) {
        LOG.warn("node {}: {}", opt.nodeId(), refused.reason());
        if (refused.sessionId() != sessionId || sessionId == 0) {
            return;
        }
        Pending p = pending.remove(refused.sequence());
        if (p != null) {
            toSend.remove(p);
            completions.fail(p.future, new InvalidArgumentException(refused.reason()));
        }
    }

    private void confirmSession(long firstSentNanos) {
        sessionLease.confirmed(firstSentNanos);
        validUntilNanos = sessionLease.validUntilNanos();
        if (atRiskSignalled && clock.monotonicNanos() - sessionLease.validUntilNanos() < 0) {
            atRiskSignalled = false;
            LOG.info("node {}: session {} confirmed again", opt.nodeId(), sessionId);
        }
    }

    private void onSessionOpened(CommandResult result) {
        if (!(result instanceof CommandResult.SessionOpened opened)) {
            TandemException e = new TandemException("node " + opt.nodeId() + ": the cluster refused to open a session: "
                    + result);
            callbacks.execute(() -> ready.completeExceptionally(e));
            return;
        }
        sessionId = opened.sessionId();
        publicSessionId = sessionId;
        nextSequence = 0;
        sessionLease.opened(openSentNanos);
        validUntilNanos = sessionLease.validUntilNanos();
        atRiskSignalled = false;
        // The lease counts from when the open request first left, which may be long ago if the
        // cluster was still forming: renew at the next tick rather than a third of a timeout later.
        lastKeepAliveNanos = clock.monotonicNanos() - ms(opt.sessionTimeoutMs());
        LOG.info("node {}: session {} open (timeout {} ms)", opt.nodeId(), sessionId, opened.timeoutMs());
        while (!waitingForSession.isEmpty()) {
            assignAndQueue(waitingForSession.poll());
        }
        callbacks.execute(() -> ready.complete(null));
    }

    private void onSessionLost() {
        long lost = sessionId;
        LOG.warn("node {}: session {} expired in the cluster; everything it owned was released. Opening a new one",
                opt.nodeId(), lost);
        sessionId = 0;
        publicSessionId = 0;
        validUntilNanos = Long.MIN_VALUE;
        SessionExpiredException e = new SessionExpiredException("node " + opt.nodeId() + ": session " + lost
                + " expired before the command applied; it did not run. Retry it");
        for (Pending p : pending.values()) {
            completions.fail(p.future, e);
        }
        pending.clear();
        toSend.clear();
        for (Consumer<Long> l : lostListeners) {
            l.accept(lost);
        }
        open();
    }

    /** Fails every command in flight or waiting (the node stops). */
    void failAll(TandemException e) {
        for (Pending p : pending.values()) {
            completions.fail(p.future, e);
        }
        for (Pending p : waitingForSession) {
            completions.fail(p.future, e);
        }
        for (Pending p : waitingForVersion) {
            completions.fail(p.future, e);
        }
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
