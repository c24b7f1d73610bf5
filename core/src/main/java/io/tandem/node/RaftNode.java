package io.tandem.node;

import io.tandem.ClosedException;
import io.tandem.OverloadedException;
import io.tandem.TandemException;
import io.tandem.raft.Configuration;
import io.tandem.raft.EntryType;
import io.tandem.raft.Message;
import io.tandem.raft.NotLeaderException;
import io.tandem.raft.ProposalRejectedException;
import io.tandem.raft.RaftCore;
import io.tandem.raft.Ready;
import io.tandem.raft.SnapshotMeta;
import io.tandem.state.Command;
import io.tandem.state.CommandCodec;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.StateMachine;
import io.tandem.storage.LogEntry;
import io.tandem.storage.MetaStore;
import io.tandem.storage.RaftLog;
import io.tandem.storage.Snapshot;
import io.tandem.storage.SnapshotStore;
import io.tandem.storage.TermAndVote;
import io.tandem.time.HybridClock;
import io.tandem.time.PeerClocks;
import io.tandem.transport.Endpoint;
import io.tandem.transport.MessageHandler;
import io.tandem.transport.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime of one node: a single event-loop thread drives the {@link RaftCore} with ticks and
 * inbound messages, persists through {@code raft-storage}, sends through the {@link Transport},
 * applies committed entries to the {@link StateMachine} and completes callers' futures.
 *
 * <p><b>Threads.</b> Every field below is owned by the loop thread; other threads only enqueue
 * events into the bounded inbox ({@link #submit}, {@link #read}, inbound messages, storage sync
 * completions). Futures handed to callers complete on the {@code callbacks} executor, never on the
 * loop, so user code cannot stall consensus.
 *
 * <p><b>Wiring.</b> This class runs the loop (start, ticks, end of turn, stop), forms or joins the
 * cluster ({@link Formation}), routes messages, and delegates each job to a loop-only component:
 * {@link ClientSession} (the session and the proposal pipeline), {@link LinearizableReads} (reads
 * and the leader lease), {@link ReadyProcessor} (durability order, snapshots, apply),
 * {@link PeerAdmission} (what peers may send, cluster version), {@link Membership} (join, leave,
 * autopilot, operator changes), {@link Peers} (addresses, sends), {@link Completions} (handing
 * results to callers) and {@link NodeReport} (status, metrics, health).
 *
 * <p><b>Durability order</b> follows {@link Ready}: the term and vote are saved before any message
 * is sent; followers acknowledge entries only once the log's {@code sync()} reports them durable;
 * the leader counts itself only after its own sync.
 *
 * <p><b>Results.</b> A command's result is taken from this node's own apply of the committed
 * entry, matched by (session, sequence), so results need no extra round trip. Unanswered
 * proposals are re-sent with the same sequence number; the state machine runs each once.
 */
public final class RaftNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    /** The storage a node runs on. */
    public record Storage(RaftLog log, MetaStore meta, SnapshotStore snapshots) {
    }

    private enum Phase { STARTING, DISCOVERING, BOOTSTRAPPING, JOINING, RUNNING, STOPPED }

    private final NodeOptions opt;
    private final Storage storage;
    private final Transport transport;
    private final Clock clock;
    private final RandomGenerator random;
    private final Executor callbacks;
    private final java.util.function.Function<Transport, NodeLoop> loops;
    /** Set in {@link #start()}, once the transport (whose I/O loop it may share) has started. */
    private volatile NodeLoop loop;
    private volatile boolean started;
    private volatile boolean running = true;
    private NodeLoop.Timer tickTimer;
    private long nextTickNanos;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile MessageHandler clientHandler;
    private volatile MessageHandler timeHandler;

    // ---- time: the HLC stamps entries and rides on every Raft message (see io.tandem.time)
    private final HybridClock hlc;
    private final PeerClocks peerClocks = new PeerClocks();
    private volatile LeaderView leaderView = LeaderView.UNKNOWN;

    /**
     * This node led {@code term} and a majority confirmed it after a moment {@code t0}; no other
     * node can become leader before {@code expiresAtNanos} (this node's monotonic clock) while
     * tick rates stay within the assumed drift. {@link #NONE} when there is no such lease.
     */
    public record LeaderLease(long term, long expiresAtNanos) {
        public static final LeaderLease NONE = new LeaderLease(0, Long.MIN_VALUE);

        public boolean validAt(long monotonicNanos) {
            return term != 0 && monotonicNanos < expiresAtNanos;
        }
    }

    /** Who leads, as the loop last saw it; {@code leaderAddress} is null when unknown. */
    public record LeaderView(boolean isLeader, long term, String leaderId, Endpoint leaderAddress) {
        public static final LeaderView UNKNOWN = new LeaderView(false, 0, null, null);
    }
    private Throwable fatal;

    // ---- loop-owned state
    private Phase phase = Phase.STARTING;
    private RaftCore core;
    private final StateMachine sm;
    private final StateListeners listeners = new StateListeners();
    private final Formation formation;
    private final PeerAdmission admission;
    private final String advertiseText;

    private final Completions completions;
    private final Peers peers;
    private final ClientSession session;
    private final LinearizableReads reads;
    private final ReadyProcessor processor;
    private final NodeReport report;
    private final Membership membership;
    private volatile NodeMetrics.Sink metricsSink = new NodeMetrics.Sink() { };
    private volatile NodeMetrics metrics = NodeMetrics.EMPTY;
    private long metricsPublishedNanos;
    private long lastLeaderProposalNanos;

    private final java.util.EnumSet<RuntimeBug> bugs = java.util.EnumSet.noneOf(RuntimeBug.class);

    public RaftNode(NodeOptions opt, Storage storage, Transport transport, Clock clock, RandomGenerator random,
                    Executor callbacks) {
        this(opt, storage, transport, clock, random, callbacks, new HybridClock(clock::wallMillis, 500));
    }

    /** @param hlc the node's hybrid logical clock: stamps entries, travels on every Raft message */
    public RaftNode(NodeOptions opt, Storage storage, Transport transport, Clock clock, RandomGenerator random,
                    Executor callbacks, HybridClock hlc) {
        this(opt, storage, transport, clock, random, callbacks, hlc, defaultLoops(opt));
    }

    /**
     * The loop a node runs on in production: the transport's own I/O loop when the transport runs
     * on a single I/O thread (no hand-off between reading a frame and handling it), otherwise a
     * dedicated single-thread loop.
     */
    public static java.util.function.Function<Transport, NodeLoop> defaultLoops(NodeOptions opt) {
        return t -> {
            if (t instanceof io.tandem.transport.NettyTransport netty) {
                io.netty.channel.EventLoop shared = netty.singleEventLoop();
                if (shared != null) {
                    return NettyNodeLoop.sharing(shared, opt.inboxCapacity());
                }
            }
            return NettyNodeLoop.dedicated("tandem-loop-" + opt.nodeId(), opt.inboxCapacity());
        };
    }

    /**
     * @param loops gives the node its loop once the transport has started (production:
     *              {@link #defaultLoops}; the simulator: a loop on virtual time)
     */
    public RaftNode(NodeOptions opt, Storage storage, Transport transport, Clock clock, RandomGenerator random,
                    Executor callbacks, HybridClock hlc, java.util.function.Function<Transport, NodeLoop> loops) {
        this.loops = loops;
        this.hlc = hlc;
        this.opt = opt;
        this.advertiseText = opt.advertise().toString();
        this.storage = storage;
        this.transport = transport;
        this.clock = clock;
        this.random = random;
        this.callbacks = callbacks;
        this.sm = new StateMachine(opt.limits());
        this.completions = new Completions(opt.nodeId(), callbacks, () -> loop);
        this.peers = new Peers(opt.nodeId(), transport, () -> core);
        this.reads = new LinearizableReads(opt, clock, sm, () -> core, completions);
        this.formation = new Formation(opt, peers::send);
        this.admission = new PeerAdmission(opt, sm, () -> core, peers,
                new PeerGuard(opt.nodeId(), clock::monotonicNanos, () -> metricsSink), this::proposeOnLeader);
        this.session = new ClientSession(opt, clock, random::nextLong, sm, () -> core, peers, this::proposeOnLeader,
                completions, callbacks, ready, bugs, () -> metricsSink);
        this.membership = new Membership(opt, clock, () -> core, peers, callbacks, session::lastKnownLeader,
                reads::dropLease);
        this.processor = new ReadyProcessor(opt, storage, sm, () -> core, clock, () -> loop, () -> metricsSink,
                this::sendRaft, bugs, reads, session::onApplied);
        this.report = new NodeReport(opt, sm, () -> core, processor, session, () -> loop, hlc);
        this.sm.setListener(listeners);
    }

    // ------------------------------------------------------------------ public API (any thread)

    /** Starts the transport and the loop. The returned future completes when the node's session is open. */
    public CompletableFuture<Void> start() {
        transport.start(this::onTransportMessage);
        NodeLoop l = loops.apply(transport);
        l.start(this::endOfTurn, this::onFatal);
        loop = l;
        started = true;
        l.put(this::initOnLoop);
        return ready;
    }

    public String nodeId() {
        return opt.nodeId();
    }

    /** Completes once the node has a session and can serve every call. */
    public CompletableFuture<Void> readyFuture() {
        return ready;
    }

    /** Proposes a command in this node's session; completes with its result from this node's apply. */
    public CompletableFuture<CommandResult> submit(Command command) {
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        enqueue(() -> session.submit(command, f), f);
        return f;
    }

    /**
     * Runs {@code fn} against the state machine on the loop thread: at once for a stale read, or
     * after a ReadIndex round and once the read index is applied for a linearizable one. The
     * function must be quick and must not keep references to mutable state.
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> read(boolean linearizable, Function<StateMachine, T> fn) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        enqueue(() -> {
            if (!linearizable) {
                reads.stale(fn, f);
            } else {
                reads.linearizable(fn, f);
            }
        }, f);
        return (CompletableFuture<T>) (CompletableFuture<?>) f;
    }

    /** Registers a listener called on the loop thread for every state change; it must only hand off work. */
    public void addStateListener(StateMachine.Listener listener) {
        if (!started && running) {
            listeners.add(listener); // before start(): the loop does not exist yet
            return;
        }
        CompletableFuture<Object> f = new CompletableFuture<>();
        enqueue(() -> {
            listeners.add(listener);
            f.complete(null);
        }, f);
        f.join();
    }

    /**
     * Routes client-protocol requests ({@link Wire.ClientRequest}) to {@code handler} instead of
     * the loop: they never enter the inbox, and the handler runs on the callbacks executor, so a
     * client can neither stall consensus nor take inbox room from Raft messages. Without a handler
     * they are dropped (and logged at debug). The handler must not block.
     */
    public void onClientMessage(MessageHandler handler) {
        this.clientHandler = handler;
    }

    /**
     * This node's current session id (0 while it has none). Only for code running on the loop
     * thread, such as a {@link StateMachine.Listener}: it tells which apply-time events (a task
     * assigned to a session) belong to this node.
     */
    public long sessionIdOnLoop() {
        return session.sessionIdOnLoop();
    }

    /**
     * Called on the loop thread with the session id when this node has not been able to renew its
     * session for (session timeout − safety margin), measured by the monotonic clock from when the
     * last confirmed command was first sent: the cluster may expire the session soon, so whatever
     * depends on it (locks, leaderships) must be treated as lost now. Signalled once per lapse.
     */
    public void onSessionAtRisk(Consumer<Long> listener) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        Runnable add = () -> {
            session.addAtRiskListener(listener);
            f.complete(null);
        };
        if (!started && running) {
            add.run();
            return;
        }
        enqueue(add, f);
        f.join();
    }

    /** This node's current session id, 0 while it has none. Any thread. */
    public long sessionId() {
        return session.sessionId();
    }

    /**
     * Until when (by {@link Clock#monotonicNanos()}) this node may rely on its session: the first
     * send time of the last command the cluster confirmed, plus session timeout minus safety
     * margin. Computed from send times, so a pause (GC, SIGSTOP) cannot stretch it. Any thread.
     */
    public long sessionValidUntilNanos() {
        return session.validUntilNanos();
    }

    public Clock clock() {
        return clock;
    }

    /** How long before the cluster could end a grant this node gives it up (see {@link SessionLease}). */
    public long sessionSafetyMarginMs() {
        return opt.sessionSafetyMarginMs();
    }

    /**
     * Leaves the voter set for good (a disk-less member shutting down): asks the leader to replace
     * this node — autopilot promotes a stable learner first, then removes it — and completes when
     * this node is no longer a voter, when there is no learner to replace it (the voter set is
     * never shrunk by a leave), or after {@code timeoutMs}.
     */
    public CompletableFuture<Void> leave(long timeoutMs) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        enqueue(() -> membership.leave(timeoutMs, f), f);
        return f;
    }

    /** Where latencies, fsync times and batch sizes go (Micrometer through {@code TandemMetrics}). */
    public void metricsSink(NodeMetrics.Sink sink) {
        this.metricsSink = sink;
    }

    /** The transport's counters (frames, bytes, drops, rejected handshakes). Any thread. */
    public io.tandem.transport.TransportStats transportStats() {
        return transport.stats();
    }

    /** The gauges as of the last half second. Any thread. */
    public NodeMetrics metrics() {
        return metrics;
    }

    /** Liveness and readiness, with the reasons; see {@link Health}. Never throws. */
    public CompletableFuture<Health> health() {
        CompletableFuture<Health> f = new CompletableFuture<>();
        if (!running || !started) {
            f.complete(new Health(false, false, List.of("the event loop is stopped"
                    + (fatal == null ? "" : ": " + fatal)), List.of()));
            return f;
        }
        try {
            enqueue(() -> {
                Health h = report.health(phase.name(), phase == Phase.RUNNING, clock.monotonicNanos());
                callbacks.execute(() -> f.complete(h));
            }, f);
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f.exceptionally(e -> new Health(running, false, List.of("the node does not accept work: "
                + e.getMessage()), List.of()));
    }

    /** What autopilot decided lately and how long each member has been silent (leader only; empty elsewhere). */
    public CompletableFuture<List<String>> autopilotReport() {
        return askLoop(membership::autopilotReport);
    }

    /** Called on the loop thread with the old session id when this node's session is lost. */
    public void onSessionLost(Consumer<Long> listener) {
        if (!started && running) {
            session.addLostListener(listener);
            return;
        }
        CompletableFuture<Object> f = new CompletableFuture<>();
        enqueue(() -> {
            session.addLostListener(listener);
            f.complete(null);
        }, f);
        f.join();
    }

    /**
     * Routes the timestamp oracle's messages ({@link Wire.TimestampRequest}, {@link
     * Wire.TimestampResponse}) to {@code handler} on the callbacks executor, outside the loop.
     */
    public void onTimeMessage(MessageHandler handler) {
        this.timeHandler = handler;
    }

    public HybridClock hybridClock() {
        return hlc;
    }

    public PeerClocks peerClocks() {
        return peerClocks;
    }

    /** The current leader lease of this node (a volatile read; {@link LeaderLease#NONE} if none). */
    public LeaderLease leaderLease() {
        return reads.lease();
    }

    /** Who leads, as of the loop's last turn (a volatile read). */
    public LeaderView leaderView() {
        return leaderView;
    }

    /**
     * Confirms with a ReadIndex round (§6.4) that this node still leads and, if so, extends its
     * lease to {@code t0 + leaseNanos}, {@code t0} being the moment of this call: every voter
     * that acknowledged the round heard from this leader after {@code t0}, and with CheckQuorum
     * stickiness none of them votes for another candidate within an election timeout of that.
     * Completes with the lease (or {@link LeaderLease#NONE} if this node does not lead or is
     * handing leadership over).
     */
    public CompletableFuture<LeaderLease> renewLeaderLease(long leaseNanos) {
        long t0 = clock.monotonicNanos();
        CompletableFuture<LeaderLease> out = new CompletableFuture<>();
        CompletableFuture<Object> f = new CompletableFuture<>();
        enqueue(() -> {
            if (!reads.renewLease(t0, leaseNanos, f)) {
                callbacks.execute(() -> out.complete(LeaderLease.NONE));
            }
        }, f);
        f.whenComplete((v, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete((LeaderLease) v);
            }
        });
        return out;
    }

    /**
     * Runs {@code task} on this node's loop once {@code delayNanos} have passed on its clock; any
     * thread. The runtime's components (lock leases, task claims, the timestamp oracle, clock
     * upkeep) take their timers from here rather than from threads of their own, so the simulator
     * runs them in virtual time. The task runs on the loop: it must be quick and must never block
     * or run user code. Cancelling after it ran does nothing. After {@link #close()} nothing runs.
     */
    public NodeLoop.Timer schedule(long delayNanos, Runnable task) {
        NodeLoop l = loop;
        if (l == null || !running) {
            return () -> { };
        }
        if (l.inLoop()) {
            return l.schedule(delayNanos, task);
        }
        boolean[] cancelled = new boolean[1];
        NodeLoop.Timer[] inner = new NodeLoop.Timer[1];
        l.put(() -> {
            if (!cancelled[0]) {
                inner[0] = l.schedule(delayNanos, () -> {
                    if (!cancelled[0]) {
                        task.run();
                    }
                });
            }
        });
        return () -> l.put(() -> {
            cancelled[0] = true;
            if (inner[0] != null) {
                inner[0].cancel();
            }
        });
    }

    public CompletableFuture<NodeStatus> status() {
        return askLoop(() -> report.status(phase.name()));
    }

    /**
     * Hands leadership to another reachable voter if this node leads (used by graceful close);
     * completes with the chosen voter, or null when this node does not lead or none is reachable.
     */
    public CompletableFuture<String> transferLeadershipAway() {
        return askLoop(membership::transferLeadershipAway);
    }

    // ------------------------------------------------------------------ operator API (tandem member/leader/snapshot)

    /** The configuration's members as this node sees it; match index and silence only on the leader. */
    public CompletableFuture<List<MemberInfo>> members() {
        return askLoop(membership::members);
    }

    /**
     * Proposes one membership change on the leader; completes with the index of the change's
     * entry once proposed (it takes effect when committed). Fails with {@link NotLeaderException}
     * (naming the leader) elsewhere, and refuses to remove the leader itself: transfer first.
     */
    public CompletableFuture<Long> changeMembership(io.tandem.raft.ConfChange change) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        enqueue(() -> {
            try {
                long index = membership.changeMembership(change);
                callbacks.execute(() -> f.complete(index));
            } catch (TandemException e) {
                completions.fail(f, e);
            }
        }, f);
        return f;
    }

    /**
     * Hands leadership to {@code target} (null: the best reachable voter); completes with the
     * target once the transfer started. Fails with {@link NotLeaderException} on a follower.
     */
    public CompletableFuture<String> transferLeadership(String target) {
        CompletableFuture<String> f = new CompletableFuture<>();
        enqueue(() -> {
            try {
                String to = membership.transferLeadership(target);
                callbacks.execute(() -> f.complete(to));
            } catch (TandemException e) {
                completions.fail(f, e);
            }
        }, f);
        return f;
    }

    /**
     * Writes a consistent backup of the replicated state to {@code out} (format: {@link Backup}):
     * after a linearizable read round, so it holds every write acknowledged before this call.
     * Runs on the loop (its cost is one snapshot's); {@code out} is closed by the caller.
     */
    public CompletableFuture<Backup.Header> backup(java.io.OutputStream out, String clusterId) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        enqueue(() -> reads.linearizable(machine -> {
            SnapshotMeta meta = core.snapshotMetaAt(processor.lastApplied());
            try {
                return Backup.write(out, meta.index(), meta.term(), clusterId, meta.configuration(), machine::snapshot);
            } catch (IOException e) {
                throw new TandemException("node " + opt.nodeId() + ": cannot write the backup: " + e, e);
            }
        }, f), f);
        return f.thenApply(h -> (Backup.Header) h);
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        // Wait for the loop even if the caller is interrupted, and close the files with the flag
        // clear: an interrupted thread's file I/O fails with ClosedByInterruptException.
        boolean interrupted = Thread.interrupted();
        try {
            NodeLoop l = loop;
            if (l != null) {
                if (l.inLoop()) {
                    stopOnLoop(null);
                } else {
                    l.put(() -> stopOnLoop(null));
                    for (int attempt = 0; attempt < 3 && !stopped.isDone(); attempt++) {
                        try {
                            stopped.get(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            interrupted = true;
                        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                            LOG.warn("node {}: the loop did not stop within 10 s: {}", opt.nodeId(), e.toString());
                            break;
                        }
                    }
                }
                l.stop();
            }
            transport.close();
            closeStorage();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeStorage() {
        try {
            storage.log().close();
        } finally {
            try {
                storage.meta().close();
            } finally {
                storage.snapshots().close();
            }
        }
    }

    /** Runs {@code query} on the loop; its value completes the future on the callbacks executor. */
    private <T> CompletableFuture<T> askLoop(java.util.function.Supplier<T> query) {
        CompletableFuture<T> f = new CompletableFuture<>();
        enqueue(() -> {
            T value = query.get();
            callbacks.execute(() -> f.complete(value));
        }, f);
        return f;
    }

    private void enqueue(Runnable event, CompletableFuture<?> onFailure) {
        if (!running) {
            completions.fail(onFailure, new ClosedException("node " + opt.nodeId() + " is closed"));
            return;
        }
        NodeLoop l = loop;
        if (l == null) {
            completions.fail(onFailure, new ClosedException("node " + opt.nodeId() + " is not started"));
        } else if (!l.offer(event)) {
            completions.fail(onFailure, new OverloadedException("node " + opt.nodeId() + ": event inbox full ("
                    + opt.inboxCapacity() + " events); retry with back-off"));
        }
    }

    private void onTransportMessage(String fromNodeId, Object message) {
        if (message instanceof Wire.ClientRequest || message instanceof Wire.TaskRequest) {
            handOff(clientHandler, "client service", "a client request", fromNodeId, message);
            return;
        }
        if (message instanceof Wire.TimestampRequest || message instanceof Wire.TimestampResponse) {
            handOff(timeHandler, "timestamp oracle", "a timestamp message", fromNodeId, message);
            return;
        }
        NodeLoop l = loop;
        if (l == null || !running) {
            return; // not started or stopping: Raft tolerates the loss
        }
        if (l.inLoop()) {
            // The transport reads on this node's loop: handle the frame where it was read.
            handleMessage(fromNodeId, message);
            l.touched();
            return;
        }
        // Another I/O thread decoded it: hand it to the loop; a full inbox drops, which Raft tolerates.
        if (!l.offer(() -> handleMessage(fromNodeId, message))) {
            LOG.debug("node {}: inbox full, dropped {} from {}", opt.nodeId(), message.getClass().getSimpleName(),
                    fromNodeId);
        }
    }

    /** Client and time messages run on the callbacks executor, never on the loop (see {@link #onClientMessage}). */
    private void handOff(MessageHandler handler, String service, String what, String fromNodeId, Object message) {
        if (handler == null || !running) {
            LOG.debug("node {}: no {}; dropped {} from {}", opt.nodeId(), service,
                    message.getClass().getSimpleName(), fromNodeId);
            return;
        }
        try {
            callbacks.execute(() -> handler.onMessage(fromNodeId, message));
        } catch (RejectedExecutionException e) {
            LOG.debug("node {}: closing; dropped {} from {}: {}", opt.nodeId(), what, fromNodeId, e.toString());
        }
    }

    /** Publishes who leads for threads outside the loop, and drops a lease that no longer holds. */
    private void publishLeadership() {
        boolean leads = core.isLeader();
        reads.dropLeaseUnlessHeld(core);
        LeaderView v = leaderView;
        String leader = core.leaderId();
        if (v.isLeader() != leads || v.term() != core.term() || !java.util.Objects.equals(v.leaderId(), leader)
                || (leader != null && v.leaderAddress() == null)) {
            leaderView = new LeaderView(leads, core.term(), leader, leader == null ? null : peers.addressOf(leader));
        }
    }

    // ------------------------------------------------------------------ the loop

    /** The first task on the loop: recover or form, then start ticking. */
    private void initOnLoop() {
        try {
            init();
        } catch (IOException e) {
            throw new UncheckedIOException("node " + opt.nodeId() + ": cannot read its storage", e);
        }
        nextTickNanos = clock.monotonicNanos() + ms(opt.tickMs());
        tickTimer = loop.schedule(ms(opt.tickMs()), this::tickOnLoop);
    }

    private void tickOnLoop() {
        if (!running) {
            return;
        }
        long tickNanos = ms(opt.tickMs());
        long now = clock.monotonicNanos();
        onTick(now);
        // After a long pause, tick once and resynchronise rather than firing a burst.
        nextTickNanos = Math.max(nextTickNanos + tickNanos, now + tickNanos / 2);
        tickTimer = loop.schedule(nextTickNanos - now, this::tickOnLoop);
    }

    /** Runs once after every burst of loop tasks: everything the burst produced leaves together. */
    private void endOfTurn() {
        if (core != null && running) {
            long now = clock.monotonicNanos();
            session.checkLease(now);
            session.resendOnLeaderChange();
            session.flush(now);
            reads.flush();
            processor.processReady();
            publishLeadership();
        }
        completions.flush();
    }

    private void onFatal(Throwable t) {
        LOG.error("node {}: event loop stopped by an unexpected error; the node is out of service", opt.nodeId(), t);
        fatal = t;
        stopOnLoop(t);
    }

    /** Fails everything in flight and marks the node stopped (on the loop, once). */
    private void stopOnLoop(Throwable cause) {
        if (stopped.isDone()) {
            return;
        }
        phase = Phase.STOPPED;
        running = false;
        if (tickTimer != null) {
            tickTimer.cancel();
        }
        reads.dropLease();
        leaderView = LeaderView.UNKNOWN;
        failEverything(cause == null ? new ClosedException("node " + opt.nodeId() + " stopped")
                : new ClosedException("node " + opt.nodeId() + " stopped: " + cause.getMessage(), cause));
        completions.flush();
        stopped.complete(null);
    }

    private void onTick(long now) {
        switch (phase) {
            case DISCOVERING -> {
                Optional<Configuration> founders = formation.tickDiscovery();
                if (founders.isPresent()) {
                    bootstrap(founders.get());
                } else if (formation.clusterExists()) {
                    startAsJoiner();
                }
            }
            case JOINING, RUNNING -> {
                core.tick();
                if (phase == Phase.JOINING) {
                    if (core.configuration().isMember(opt.nodeId())) {
                        LOG.info("node {}: joined the cluster as {}", opt.nodeId(),
                                core.configuration().isVoter(opt.nodeId()) ? "voter" : "learner");
                        phase = Phase.RUNNING;
                    } else {
                        formation.tickJoin(core.leaderId() == null ? null : peers.addressOf(core.leaderId()));
                    }
                }
                if (core.isLeader()) {
                    leaderDuties(now);
                } else {
                    membership.notLeading();
                }
                session.duties(now);
                membership.leaveDuties(now);
                admission.versionDuties(now);
                if (now - metricsPublishedNanos >= 500_000_000L) {
                    metricsPublishedNanos = now;
                    metrics = report.metrics();
                }
                session.expire(now);
                reads.expire(now);
            }
            default -> { }
        }
    }

    // ------------------------------------------------------------------ start-up and formation

    private void init() throws IOException {
        TermAndVote tv = storage.meta().load();
        Optional<Snapshot> snap = storage.snapshots().latest();
        boolean fresh = tv.currentTerm() == 0 && storage.log().lastIndex() == 0 && snap.isEmpty();
        if (!fresh) {
            startCore(tv, snap, Configuration.EMPTY);
            phase = Phase.RUNNING;
            LOG.info("node {}: restarted from disk (term {}, last index {}, snapshot {})", opt.nodeId(),
                    tv.currentTerm(), storage.log().lastIndex(), processor.lastSnapshotIndex());
            session.open();
        } else if (opt.isSeed()) {
            phase = Phase.DISCOVERING;
            LOG.info("node {}: fresh founder; discovering the other seeds {}", opt.nodeId(), opt.seeds());
            Optional<Configuration> alone = formation.tickDiscovery();
            alone.ifPresent(this::bootstrap);
        } else {
            startAsJoiner();
        }
    }

    private void startAsJoiner() {
        LOG.info("node {}: joining the existing cluster through seeds {}", opt.nodeId(), opt.seeds());
        startCore(TermAndVote.INITIAL, Optional.empty(), Configuration.EMPTY);
        phase = Phase.JOINING;
        session.open();
    }

    /**
     * Founders write the same configuration entry at index 1, term 1 (as etcd does), so their logs
     * agree from the start and elections begin at term 2.
     */
    private void bootstrap(Configuration founders) {
        LOG.info("node {}: bootstrapping a new cluster with voters {}", opt.nodeId(), founders.voters());
        phase = Phase.BOOTSTRAPPING;
        storage.log().append(List.of(new LogEntry(1, 1, EntryType.CONFIG.code(), 0, founders.encode())));
        // The loop never waits for an fsync: the rest runs when the syncer reports it (found by the
        // runtime simulation, where the old join() on the loop deadlocked).
        storage.log().sync().whenComplete((index, error) -> loop.put(() -> {
            if (error != null) {
                throw new TandemException("node " + opt.nodeId() + ": could not make the founding configuration"
                        + " durable", error);
            }
            bootstrapped();
        }));
    }

    private void bootstrapped() {
        storage.meta().save(new TermAndVote(1, null));
        startCore(new TermAndVote(1, null), Optional.empty(), Configuration.EMPTY);
        phase = Phase.RUNNING;
        session.open();
    }

    private void startCore(TermAndVote tv, Optional<Snapshot> snap, Configuration initial) {
        core = processor.startCore(tv, snap, initial, random, hlc);
    }

    // ------------------------------------------------------------------ messages

    private void handleMessage(String from, Object message) {
        if (message instanceof Wire.TimedRaftEnvelope env) {
            if (!admission.admitRaft(from, env.message())) {
                return;
            }
            membership.heard(env.message().from());
            hlc.update(env.hlc());
            peerClocks.observe(env.message().from(), env.physicalMs(), hlc.physicalMillis());
            peers.remember(env.message().from(), env.fromAddress());
            if (core != null) {
                core.step(env.message());
            }
        } else if (message instanceof Wire.RaftEnvelope env) {
            if (!admission.admitRaft(from, env.message())) {
                return;
            }
            membership.heard(env.message().from());
            peers.remember(env.message().from(), env.fromAddress());
            if (core != null) {
                core.step(env.message());
            }
        } else if (message instanceof Wire.LeaveRequest leave) {
            if (!admission.admitNamed(from, leave.nodeId(), "leave request")) {
                return;
            }
            membership.onLeaveRequest(leave);
        } else if (message instanceof Wire.LeaveResponse done) {
            membership.onLeaveResponse(done);
        } else if (message instanceof Wire.ForwardProposals fwd) {
            admission.onForwarded(from, fwd.payloads());
        } else if (message instanceof Wire.ProposalRefused refused) {
            if (admission.isFromLeader(from, "proposal refusal")) {
                session.onProposalRefused(refused);
            }
        } else if (message instanceof Wire.WhoIs who) {
            admission.onWhoIs(from, who);
        } else if (message instanceof Wire.MemberOf answer) {
            admission.onMemberOf(from, answer);
        } else if (message instanceof Wire.MemberVersion v) {
            admission.onMemberVersion(from, v);
        } else if (message instanceof Wire.DiscoverRequest req) {
            if (!admission.admitNamed(from, req.nodeId(), "discover request")) {
                return;
            }
            peers.remember(req.nodeId(), req.address());
            if (phase == Phase.DISCOVERING) {
                // Both founders of a mismatched pair must notice, whichever asks first.
                formation.checkSeeds(req.nodeId(), req.address(), req.seeds());
            }
            boolean formed = phase == Phase.RUNNING || phase == Phase.JOINING;
            peers.send(Endpoint.parse(req.address()), new Wire.DiscoverResponse(opt.nodeId(), advertiseText, formed,
                    seedStrings()));
        } else if (message instanceof Wire.DiscoverResponse resp) {
            if (!admission.admitNamed(from, resp.nodeId(), "discover response")) {
                return;
            }
            peers.remember(resp.nodeId(), resp.address());
            formation.onDiscoverResponse(resp);
        } else if (message instanceof Wire.JoinRequest join) {
            if (!admission.admitNamed(from, join.nodeId(), "join request")) {
                return;
            }
            peers.remember(join.nodeId(), join.address());
            membership.onJoinRequest(join);
        } else if (message instanceof Wire.JoinResponse resp) {
            formation.onJoinResponse(resp);
        } else {
            LOG.warn("node {}: dropping unexpected {} from {}", opt.nodeId(), message.getClass().getName(), from);
        }
    }

    private void sendRaft(List<Message> messages) {
        if (reads.lease().term() != 0 && core.isTransferringLeadership()) {
            reads.dropLease(); // before a TimeoutNow can leave
        }
        for (Message m : messages) {
            Endpoint to = peers.addressOf(m.to());
            if (to == null) {
                LOG.debug("node {}: no address for {}, dropping {}", opt.nodeId(), m.to(), m.kind());
                continue;
            }
            peers.send(to, new Wire.TimedRaftEnvelope(advertiseText, hlc.now(), hlc.physicalMillis(), m));
        }
    }

    private List<String> seedStrings() {
        List<String> out = new ArrayList<>();
        for (Endpoint e : opt.seeds()) {
            out.add(e.toString());
        }
        return out;
    }

    /** Switches on a deliberate bug (simulation tests only; see {@link RuntimeBug}). Before {@link #start()}. */
    public void injectBugForTesting(RuntimeBug bug) {
        bugs.add(bug);
    }

    private void proposeOnLeader(List<byte[]> payloads) {
        try {
            core.propose(payloads);
            lastLeaderProposalNanos = clock.monotonicNanos();
        } catch (ProposalRejectedException | NotLeaderException e) {
            LOG.debug("node {}: proposal of {} commands refused ({}); the senders will retry", opt.nodeId(),
                    payloads.size(), e.getMessage());
        }
    }

    private void leaderDuties(long now) {
        // Let time pass in the state machine when the cluster is idle, so TTLs and sessions expire.
        if (now - lastLeaderProposalNanos >= ms(opt.sessionTimeoutMs()) / 5) {
            Command.Tick tick = new Command.Tick();
            proposeOnLeader(List.of(CommandCodec.encode(new Envelope(0, 0, 0, tick))));
        }
        membership.leaderDuties(now);
    }

    // ------------------------------------------------------------------ misc

    private void failEverything(TandemException e) {
        session.failAll(e);
        reads.failAll(e);
        if (!ready.isDone()) {
            ready.completeExceptionally(e);
        }
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Waits until the loop thread has stopped (after {@link #close()} or a fatal error). */
    public CompletableFuture<Void> stoppedFuture() {
        return stopped;
    }
}
