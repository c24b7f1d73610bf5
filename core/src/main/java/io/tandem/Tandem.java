package io.tandem;

import io.tandem.data.DataStore;
import io.tandem.leader.LeaderElection;
import io.tandem.lock.DistributedLock;
import io.tandem.lock.DistributedReadWriteLock;
import io.tandem.lock.DistributedSemaphore;
import io.tandem.lock.LockService;
import io.tandem.lock.LockServiceAccess;
import io.tandem.state.LockInfo;
import io.tandem.state.LockKind;
import io.tandem.node.Autopilot;
import io.tandem.node.Clock;
import io.tandem.node.Health;
import java.util.List;
import io.tandem.node.NodeOptions;
import io.tandem.node.NodeStatus;
import io.tandem.node.RaftNode;
import io.tandem.node.Wire;
import io.tandem.remote.ClientService;
import io.tandem.remote.RemoteTasks;
import io.tandem.raft.RaftConfig;
import io.tandem.state.Command;
import io.tandem.state.StateMachine;
import io.tandem.task.TaskOptions;
import io.tandem.task.TaskQueue;
import io.tandem.task.TaskRuntime;
import io.tandem.storage.FileMetaStore;
import io.tandem.storage.FileSnapshotStore;
import io.tandem.storage.InMemoryMetaStore;
import io.tandem.storage.InMemoryRaftLog;
import io.tandem.storage.InMemorySnapshotStore;
import io.tandem.storage.SegmentedRaftLog;
import io.tandem.storage.SegmentedRaftLogConfig;
import io.tandem.transport.NettyTransport;
import io.tandem.transport.Transport;
import io.tandem.transport.TransportConfig;
import io.tandem.time.ClusterTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded Tandem node: the entry point. Build with {@link #builder()}, then use the
 * primitives ({@link #data()}, ...). {@link #close()} leaves gracefully: a leader hands over
 * leadership first, and the node's session is closed so its ephemeral records (and later its
 * locks and leaderships) are released at once. Thread-safe.
 */
public final class Tandem implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tandem.class);

    private final TandemConfig config;
    private final RaftNode node;
    private final ExecutorService callbacks;
    private final DataStore data;
    private final LockService locks;
    private final ClientService clients;
    private final ClusterTime time;
    /** Runs the clocks' blocking I/O (NTP polls, HLC high-water mark writes), never the node's loop. */
    private final ExecutorService timeIo;
    private final TaskRuntime tasks;
    private final ConcurrentHashMap<String, TaskQueue> queues = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile io.tandem.http.HttpEndpoint http;

    private Tandem(TandemConfig config, RaftNode node, ExecutorService callbacks, Transport transport,
                   ClusterTime.Clocks clocks, ExecutorService timeIo) {
        this.config = config;
        this.timeIo = timeIo;
        long tickMs = config.tick().toMillis();
        // The oracle's leader lease: 80% of the minimum election timeout less two ticks of margin.
        long leaseNanos = TimeUnit.MILLISECONDS.toNanos(tickMs * Math.max(1, config.electionTimeoutTicks() - 2)) * 4 / 5;
        this.time = new ClusterTime(node.nodeId(), config.advertise(), clocks, node, transport, leaseNanos,
                Math.max(10, tickMs), config.requestTimeout().toMillis(),
                Math.max(tickMs * config.electionTimeoutTicks() * 2, 200), callbacks, timeIo);
        this.node = node;
        this.callbacks = callbacks;
        this.data = new DataStore(node, config.maxKeyBytes(), config.maxValueBytes(), callbacks);
        this.locks = new LockService(node, callbacks, config.requestTimeout().toMillis(), config.maxKeyBytes());
        this.tasks = new TaskRuntime(node, callbacks, config.maxKeyBytes(), config.maxValueBytes());
        // Tools outside the cluster (the CLI) reach this node over its transport port: see Wire.ClientRequest.
        this.clients = new ClientService(node.nodeId(), data, node::status,
                (kind, prefix) -> LockServiceAccess.list(locks, kind, prefix, true), transport, Clock.SYSTEM,
                ClientService.Limits.DEFAULTS);
        RemoteTasks remoteTasks = new RemoteTasks(config.nodeId(), this::tasks,
                () -> node.read(true, StateMachine::taskQueues), transport, ClientService.Limits.DEFAULTS.maxInFlight());
        this.clients.operator(new ClientService.Operator() {
            @Override
            public CompletableFuture<List<io.tandem.node.MemberInfo>> members() {
                return node.members();
            }

            @Override
            public CompletableFuture<Long> changeMembership(io.tandem.raft.ConfChange change) {
                return node.changeMembership(change);
            }

            @Override
            public CompletableFuture<String> transferLeadership(String target) {
                return node.transferLeadership(target);
            }

            @Override
            public CompletableFuture<io.tandem.node.Backup.Header> backup(java.io.OutputStream out) {
                return node.backup(out, "");
            }
        });
        node.onClientMessage((from, message) -> {
            if (message instanceof Wire.TaskRequest) {
                remoteTasks.onMessage(from, message);
            } else {
                clients.onMessage(from, message);
            }
        });
        clients.statusExtension(() -> io.tandem.time.TimeStatusText.of(time.status())
                + DataStore.join(node.health()).text() + autopilotText());
    }

    public static TandemConfig.Builder builder() {
        return TandemConfig.builder();
    }

    /**
     * Starts a node and waits until it has joined (or formed) the cluster and opened its session.
     * A founder waits for every seed to come up; a joiner waits until the leader adds it.
     *
     * @throws TandemTimeoutException if that takes longer than 20 request timeouts
     */
    public static Tandem start(TandemConfig config) {
        Tandem t;
        try {
            t = startAsync(config);
        } catch (io.tandem.storage.StorageException e) {
            if (Thread.currentThread().isInterrupted() || e.getCause() instanceof
                    java.nio.channels.ClosedByInterruptException) {
                Thread.currentThread().interrupt();
                throw new TandemException("interrupted while starting node " + config.nodeId()
                        + " (while opening its data directory; nothing was written)", e);
            }
            throw e;
        }
        long waitMs = config.requestTimeout().toMillis() * 20;
        try {
            t.node.readyFuture().get(waitMs, TimeUnit.MILLISECONDS);
            return t;
        } catch (java.util.concurrent.TimeoutException e) {
            t.close();
            throw new TandemTimeoutException("node " + t.nodeId() + " did not join a cluster within " + waitMs
                    + " ms; check that the seeds " + config.seeds() + " are running, reachable, and share the cluster"
                    + " name and secret");
        } catch (InterruptedException e) {
            // Close first, with the flag clear (get() cleared it): an interrupted thread would close
            // the log's file channels mid-write (ClosedByInterruptException) and not wait for the loop.
            t.close();
            Thread.currentThread().interrupt();
            throw new TandemException("interrupted while starting node " + t.nodeId(), e);
        } catch (java.util.concurrent.ExecutionException e) {
            t.close();
            throw new TandemException("node " + t.nodeId() + " failed to start: " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    /** Starts a node without waiting; {@link #ready()} completes when it can serve calls. */
    public static Tandem startAsync(TandemConfig requested) {
        // A disk-less member forgets everything on restart, so it must not pose as its former self
        // (a voter that forgot what it acknowledged could vote wrongly): each start is a new member,
        // nodeId.<incarnation>, which joins as a learner; autopilot drops the old one.
        String memberId = requested.inMemory()
                ? requested.nodeId() + "." + Long.toHexString(new SecureRandom().nextLong() >>> 40)
                : requested.nodeId();
        NettyTransport netty = new NettyTransport(transportConfig(requested, memberId));
        Transport transport = netty;
        TandemConfig config = requested;
        if (requested.bind().port() == 0) {
            // The node advertises its address (seeds, joins, the time oracle): bind first to learn the port.
            PreboundTransport bound = new PreboundTransport(transport, memberId);
            config = requested.withBoundPort(bound.localEndpoint().port());
            transport = bound;
        }
        RaftNode.Storage storage;
        try {
            storage = openStorage(config);
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService callbacks = Executors.newFixedThreadPool(2, r -> {
            Thread th = new Thread(r, "tandem-callbacks-" + memberId + "-" + threads.incrementAndGet());
            th.setDaemon(true);
            return th;
        });
        // Keep half a snapshot interval of log behind each snapshot: a follower a little behind
        // catches up from the log rather than through a whole snapshot transfer.
        RaftConfig raft = RaftConfig.builder(memberId).electionTimeoutTicks(config.electionTimeoutTicks())
                .heartbeatTicks(config.heartbeatTicks())
                .compactionTrailingEntries(Math.min(1_000, config.snapshotEveryEntries() / 2)).build();
        long tickMs = config.tick().toMillis();
        NodeOptions opt = new NodeOptions(memberId, config.advertise(), config.seeds(), raft, tickMs,
                config.sessionTimeout().toMillis(), config.snapshotEveryEntries(), config.requestTimeout().toMillis(),
                Math.max(tickMs * config.electionTimeoutTicks() * 2, 200), 100_000, 50_000, config.voterCount(),
                new StateMachine.Limits(config.maxKeyBytes(), config.maxValueBytes(), config.watchHistoryEvents(),
                        100_000, 1_000, 3_600_000), config.sessionSafetyMargin().toMillis(),
                new Autopilot.Settings(config.autopilotDeadServerAfter().toMillis(),
                        config.autopilotStabilization().toMillis(), config.voterCount(), config.minVoters(), 1_000));
        // Upgrade rehearsal (docs/operations.md): run this node as a build that reads command kinds
        // only up to the given level, so a mixed-version cluster can be tried before a rolling upgrade.
        Integer level = Integer.getInteger("tandem.commandLevel");
        if (level != null) {
            try {
                opt = opt.withCommandLevel(level);
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("system property tandem.commandLevel: " + e.getMessage());
            }
            LOG.warn("node {}: reads command kinds only up to level {} (-Dtandem.commandLevel), as an older build"
                    + " would", memberId, level);
        }
        if (config.sessionSafetyMargin().compareTo(config.maxClockOffset()) <= 0) {
            LOG.warn("node {}: sessionSafetyMargin ({} ms) is not above maxClockOffset ({} ms): if clocks really"
                    + " drift that far apart, a lock or leadership could be granted elsewhere before this node"
                    + " revokes it locally (fencing tokens still protect the resource). Raise the session timeout"
                    + " or the margin, or lower maxClockOffset", memberId, config.sessionSafetyMargin().toMillis(),
                    config.maxClockOffset().toMillis());
        }
        ClusterTime.Clocks clocks = ClusterTime.clocks(config.ntpServers(), config.ntpRefresh(),
                config.maxClockOffset().toMillis(), config.dataDir().orElse(null));
        // The node's loop is the transport's single I/O loop (DESIGN §10), also when a port-0 bind wraps it.
        int loopCapacity = opt.inboxCapacity();
        java.util.function.Function<Transport, io.tandem.node.NodeLoop> loops = t -> {
            io.netty.channel.EventLoop shared = netty.singleEventLoop();
            return shared != null ? io.tandem.node.NodeLoop.sharing(shared, loopCapacity)
                    : io.tandem.node.NodeLoop.dedicated("tandem-loop-" + memberId, loopCapacity);
        };
        RaftNode node = new RaftNode(opt, storage, transport, Clock.SYSTEM, new SplittableRandom(new SecureRandom()
                .nextLong()), callbacks, clocks.hlc(), loops);
        ExecutorService timeIo = Executors.newSingleThreadExecutor(r -> {
            Thread th = new Thread(r, "tandem-time-io-" + memberId);
            th.setDaemon(true);
            return th;
        });
        Tandem t = new Tandem(config, node, callbacks, transport, clocks, timeIo);
        try {
            node.start();
        } catch (RuntimeException e) {
            // e.g. the port is taken: release the data directory, the clock and the threads, so that
            // the caller can start again (elsewhere) in this process.
            t.close();
            throw e;
        }
        // Their timers run on the node's loop, which exists from here on.
        t.time.start();
        t.tasks.start();
        if (config.httpPort().isPresent()) {
            try {
                t.http = io.tandem.http.HttpEndpoint.start(t, config.httpHost(), config.httpPort().get());
            } catch (TandemException e) {
                t.close();
                throw e;
            }
        }
        return t;
    }

    private static TransportConfig transportConfig(TandemConfig config, String memberId) {
        TransportConfig.Builder b = TransportConfig.builder().clusterName(config.clusterName())
                .nodeId(memberId).bind(config.bind()).clusterSecret(config.clusterSecret())
                .registrations(Wire.registrations())
                // One I/O thread that is also the node's event loop (DESIGN §10): frames are handled where read.
                .ioThreads(1);
        config.tls().ifPresent(b::tls);
        return b.build();
    }

    private static RaftNode.Storage openStorage(TandemConfig config) {
        if (config.inMemory()) {
            return new RaftNode.Storage(new InMemoryRaftLog(), new InMemoryMetaStore(), new InMemorySnapshotStore(2));
        }
        Path dir = config.dataDir().orElseThrow();
        try {
            Files.createDirectories(dir);
            checkIdentity(dir, config.nodeId());
        } catch (IOException e) {
            throw new TandemException("cannot use data directory " + dir.toAbsolutePath() + ": " + e
                    + "; check that it exists and is writable", e);
        }
        return new RaftNode.Storage(
                SegmentedRaftLog.open(SegmentedRaftLogConfig.builder(dir.resolve("log")).build()),
                FileMetaStore.open(dir.resolve("meta")),
                FileSnapshotStore.open(dir.resolve("snapshots"), 3));
    }

    /** A data directory belongs to one node id forever: starting it under another id is refused. */
    private static void checkIdentity(Path dir, String nodeId) throws IOException {
        Path idFile = dir.resolve("node-id");
        if (Files.exists(idFile)) {
            String existing = Files.readString(idFile, StandardCharsets.UTF_8).trim();
            if (!existing.equals(nodeId)) {
                throw new InvalidArgumentException("data directory " + dir.toAbsolutePath() + " belongs to node '"
                        + existing + "', not '" + nodeId + "'; start with nodeId " + existing + " or use an empty directory");
            }
        } else {
            Path tmp = dir.resolve("node-id.tmp");
            Files.writeString(tmp, nodeId + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, idFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    public String nodeId() {
        return node.nodeId();
    }

    /**
     * The address other nodes and tools reach this node at, host:port: {@code advertise}, with the
     * port this node actually bound when {@code bind} asked for port 0. Seed other nodes with it.
     */
    public String address() {
        return config.advertise().toString();
    }

    /** The configuration this node runs with: as built, except that a bind to port 0 shows the port bound. */
    public TandemConfig config() {
        return config;
    }

    /** Completes when the node has a session and serves every call. */
    public CompletableFuture<Void> ready() {
        return node.readyFuture();
    }

    /** Versioned key/value records. */
    public DataStore data() {
        requireOpen();
        return data;
    }

    /**
     * The durable task queue {@code queue} with {@link TaskOptions#DEFAULTS} (the first call's
     * options stay for this node's handle of the queue).
     */
    public TaskQueue tasks(String queue) {
        return tasks(queue, TaskOptions.DEFAULTS);
    }

    /** The task queue {@code queue} with this node's lease, retention, retry and timeout defaults. */
    public TaskQueue tasks(String queue, TaskOptions options) {
        requireOpen();
        if (queue == null || queue.isEmpty()) {
            throw new InvalidArgumentException("queue name must be a non-empty string");
        }
        if (options == null) {
            throw new InvalidArgumentException("task options must not be null; use TaskOptions.DEFAULTS");
        }
        TaskQueue q = queues.get(queue);
        return q != null ? q : queues.computeIfAbsent(queue, n -> new TaskQueue(n, options, tasks));
    }

    /** A cluster-wide lock bound to this node's session, with fencing tokens. */
    public DistributedLock lock(String name) {
        requireOpen();
        return DistributedLock.mutex(locks, name);
    }

    /** A cluster-wide counting semaphore of {@code permits} permits; every user must pass the same number. */
    public DistributedSemaphore semaphore(String name, int permits) {
        requireOpen();
        return new DistributedSemaphore(locks, name, permits);
    }

    /** A cluster-wide read-write lock (many readers or one writer, FIFO, fenced). */
    public DistributedReadWriteLock readWriteLock(String name) {
        requireOpen();
        return new DistributedReadWriteLock(locks, name);
    }

    /** Leader election for {@code group}. */
    public LeaderElection leader(String group) {
        requireOpen();
        return new LeaderElection(locks, group);
    }

    /**
     * Every lock-like entry of {@code kind} whose name starts with {@code prefix}: holders with
     * their tokens (terms, for elections) and waiters in order.
     */
    public java.util.List<LockInfo> locks(LockKind kind, String prefix) {
        requireOpen();
        return DataStore.join(LockServiceAccess.list(locks, kind, prefix, true));
    }

    /** The node's clocks: NTP offset, hybrid logical clock, cluster timestamp oracle. */
    public ClusterTime time() {
        requireOpen();
        return time;
    }

    /**
     * Liveness and readiness with the reasons (for a load balancer's or orchestrator's probes):
     * see {@link Health}. Never throws, also not on a closed node.
     */
    public Health health() {
        if (closed) {
            return new Health(false, false, List.of("node " + node.nodeId() + " is closed"), List.of());
        }
        return DataStore.join(node.health());
    }

    private String autopilotText() {
        StringBuilder sb = new StringBuilder();
        for (String line : DataStore.join(node.autopilotReport())) {
            sb.append("autopilot: ").append(line).append('\n');
        }
        return sb.toString();
    }

    /**
     * The port of the HTTP endpoint ({@code /health/live}, {@code /health/ready}, {@code /metrics}),
     * or -1 when it is off (see {@link TandemConfig.Builder#httpPort(int)}).
     */
    public int httpPort() {
        io.tandem.http.HttpEndpoint h = http;
        return h == null ? -1 : h.port();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** This node's view of the cluster. */
    public NodeStatus status() {
        requireOpen();
        return DataStore.join(node.status());
    }

    /** For tests and tools: the runtime under this node. */
    public RaftNode runtime() {
        return node;
    }

    private void requireOpen() {
        if (closed) {
            throw new ClosedException("node " + node.nodeId() + " is closed");
        }
    }

    /**
     * Leaves gracefully: hands leadership to another voter if this node leads, closes the
     * session (releasing what it owns at once), then stops. Idempotent. An interrupted caller's
     * close still completes (files are closed normally) and its interrupt flag stays set.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean interrupted = Thread.interrupted();
        try {
            closeNow();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeNow() {
        if (http != null) {
            http.close();
        }
        locks.close(); // leases end here, before the session closes and the cluster grants them on
        try {
            // Stop taking task work and let running handlers report before the session closes.
            tasks.close(Duration.ofMillis(Math.min(5000, config.requestTimeout().toMillis())));
            if (node.readyFuture().isDone() && !node.readyFuture().isCompletedExceptionally()) {
                node.transferLeadershipAway().get(1, TimeUnit.SECONDS);
                node.submit(new Command.CloseSession()).get(Math.min(2000, config.requestTimeout().toMillis()),
                        TimeUnit.MILLISECONDS);
                if (config.inMemory()) {
                    // This member never comes back under its id: let a learner take its vote. (After
                    // the session closed: a removed member no longer receives the log.)
                    node.leave(Math.min(5_000, config.requestTimeout().toMillis())).get(6, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("node {}: graceful leave incomplete ({}); the session will expire after {} ms instead",
                    node.nodeId(), e.toString(), config.sessionTimeout().toMillis());
        } finally {
            clients.close();
            time.close();
            timeIo.shutdownNow(); // an NTP poll in progress ends at its socket timeout
            node.close();
            callbacks.shutdown();
        }
    }
}
