package io.tandem.task;

import io.tandem.ClosedException;
import io.tandem.InvalidArgumentException;
import io.tandem.NotFoundException;
import io.tandem.SessionExpiredException;
import io.tandem.TandemException;
import io.tandem.node.Clock;
import io.tandem.node.NodeLoop;
import io.tandem.node.RaftNode;
import io.tandem.state.CommandResult;
import io.tandem.state.StateMachine;
import io.tandem.state.TaskCommand;
import io.tandem.state.TaskEvents;
import io.tandem.state.TaskInfo;
import io.tandem.state.TaskResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task machinery of one node: its worker pools, the claims they run, lease extension, and
 * the callers waiting for results. Built by {@code Tandem}; use {@link TaskQueue}.
 *
 * <p><b>Threads.</b> Assignments, lost claims and finished tasks arrive as state-machine events
 * on the node's loop thread, which only hands them off: a claim to its registration's pool (one
 * fixed pool of daemon threads per registration, {@code tandem-task-<node>-<queue>-<name>-<n>}),
 * a finished task to the callbacks executor. Timers on the node's loop ({@link RaftNode#schedule})
 * extend the leases of running claims (one {@link TaskCommand.ExtendLeases} for all of them,
 * every third of the shortest lease) and enforce handler timeouts; they only hand work off, and
 * time comes from the node's clock, so the simulator can run them on virtual time. The worker
 * pools are the only threads of their own: they run user handlers. Thread-safe.
 *
 * <p><b>Sessions.</b> Registrations belong to the node's session; when the session is lost the
 * cluster has already returned its claims, so running handlers are told ({@link
 * TaskContext#isClaimLost()}) and every registration is made again in the new session.
 */
public final class TaskRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRuntime.class);
    private static final long TIMER_TICK_MS = 50;

    final RaftNode node;
    final Executor callbacks;
    final int maxNameBytes;
    final int maxPayloadBytes;
    private final String nodeId;
    private final Clock clock;
    private final ConcurrentHashMap<String, Registration> registrations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Claim> running = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, List<CompletableFuture<byte[]>>> waiters = new ConcurrentHashMap<>();
    private volatile boolean closing;
    private volatile long nextExtendNanos;
    /** Signalled whenever a claim leaves {@link #running}: close() waits on it. */
    private final Object claimEnded = new Object();
    private volatile boolean tickInFlight;

    /** One {@link TaskQueue#handle} on this node. */
    static final class Registration {
        final String queue;
        final String name;
        final TaskHandler handler;
        final int concurrency;
        final Duration lease;
        final Duration timeout;
        final ThreadPoolExecutor pool;

        Registration(String nodeId, String queue, String name, TaskHandler handler, int concurrency, Duration lease,
                     Duration timeout) {
            this.queue = queue;
            this.name = name;
            this.handler = handler;
            this.concurrency = concurrency;
            this.lease = lease;
            this.timeout = timeout;
            AtomicInteger n = new AtomicInteger();
            // Never more than `concurrency` claims at once from the cluster, plus the rare claim
            // handed back after a lost one: the queue stays short.
            this.pool = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        String thread = "tandem-task-" + nodeId + "-" + queue + "-" + name + "-" + n.incrementAndGet();
                        Thread t = new Thread(r, thread); // user code: runs only the registration's handler
                        t.setDaemon(true);
                        return t;
                    });
        }

        TaskCommand.RegisterWorkers command() {
            return new TaskCommand.RegisterWorkers(queue, name, concurrency, lease.toMillis());
        }
    }

    /** One claim this node runs. */
    private static final class Claim implements TaskContext {
        final TaskEvents.Assigned assigned;
        final Instant deadline;
        /** {@link #deadline} on the node's monotonic clock. */
        final long deadlineNanos;
        volatile boolean lost;
        volatile boolean done;
        volatile Thread thread;

        Claim(TaskEvents.Assigned assigned, Instant deadline, long deadlineNanos) {
            this.assigned = assigned;
            this.deadline = deadline;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public long taskId() {
            return assigned.taskId();
        }

        @Override
        public String queue() {
            return assigned.queue();
        }

        @Override
        public String name() {
            return assigned.name();
        }

        @Override
        public byte[] payload() {
            return assigned.payload();
        }

        @Override
        public int attempt() {
            return assigned.attempt();
        }

        @Override
        public long fencingToken() {
            return assigned.token();
        }

        @Override
        public Instant deadline() {
            return deadline;
        }

        @Override
        public boolean isClaimLost() {
            return lost;
        }
    }

    public TaskRuntime(RaftNode node, Executor callbacks, int maxNameBytes, int maxPayloadBytes) {
        this.node = node;
        this.nodeId = node.nodeId();
        this.clock = node.clock();
        this.callbacks = callbacks;
        this.maxNameBytes = maxNameBytes;
        this.maxPayloadBytes = maxPayloadBytes;
        node.addStateListener(new StateMachine.Listener() {
            @Override
            public void onTaskAssigned(TaskEvents.Assigned a) {
                if (a.session() == node.sessionIdOnLoop()) {
                    start(a);
                }
            }

            @Override
            public void onTaskClaimLost(TaskEvents.ClaimLost c) {
                Claim claim = running.get(c.taskId());
                if (claim != null && claim.assigned.token() == c.token()) {
                    claim.lost = true;
                    LOG.info("node {}: claim {} of task {} in {} lost ({}); its result will be discarded", nodeId,
                            c.token(), c.taskId(), c.queue(), c.why());
                }
            }

            @Override
            public void onRestored() {
                resumeClaims();
                completeWaitersFromState();
            }

            @Override
            public void onTaskFinished(TaskEvents.Finished f) {
                List<CompletableFuture<byte[]>> w = waiters.remove(f.taskId());
                if (w != null) {
                    callbacks.execute(() -> completeWaiters(w, f.taskId(), f.state(), f.result(), f.error(),
                            f.attempts()));
                }
            }
        });
        node.onSessionLost(this::onSessionLost);
    }

    /** Starts the lease-extension and schedule timers on the node's loop; call once the node has started. */
    public void start() {
        scheduleTimerTick();
    }

    private void scheduleTimerTick() {
        if (!closing) {
            node.schedule(TimeUnit.MILLISECONDS.toNanos(TIMER_TICK_MS), () -> {
                timerTick();
                scheduleTick();
                scheduleTimerTick();
            });
        }
    }

    // ------------------------------------------------------------------ schedule ticks

    /**
     * Schedules fire in apply when an entry's time reaches their slot; an idle cluster only
     * commits the leader's no-op ticks (a fifth of the session timeout apart). So the leader
     * proposes a tick as soon as its clock passes the earliest due slot (looking once per timer
     * tick, and timing a one-shot for a slot due before the next look). The decision itself stays
     * in apply, on the entry's timestamp.
     */
    private void scheduleTick() {
        if (closing || tickInFlight || !node.leaderView().isLeader()) {
            return;
        }
        node.read(false, StateMachine::nextScheduleDue).thenAccept(due -> {
            long now = node.hybridClock().physicalMillis();
            if (due <= now) {
                proposeTick();
            } else if (due - now < TIMER_TICK_MS && !closing) {
                node.schedule(TimeUnit.MILLISECONDS.toNanos(due - now), this::proposeTickIfLeader);
            }
        }).exceptionally(e -> {
            LOG.debug("node {}: could not read the next schedule slot: {}", nodeId, e.toString());
            return null;
        });
    }

    private void proposeTickIfLeader() {
        if (!closing && !tickInFlight && node.leaderView().isLeader()) {
            proposeTick();
        }
    }

    private void proposeTick() {
        tickInFlight = true;
        node.submit(new io.tandem.state.Command.Tick()).whenComplete((r, e) -> {
            tickInFlight = false;
            if (e != null) {
                LOG.debug("node {}: schedule tick failed: {}", nodeId, e.toString());
            }
        });
    }

    // ------------------------------------------------------------------ registrations

    CompletableFuture<Void> register(String queue, String name, TaskHandler handler, int concurrency,
                                     TaskOptions options) {
        requireOpen();
        String key = queue + '\u0000' + name;
        Registration r = new Registration(nodeId, queue, name, handler, concurrency, options.lease(),
                options.handlerTimeout());
        if (registrations.putIfAbsent(key, r) != null) {
            r.pool.shutdown();
            throw new InvalidArgumentException("node " + nodeId + " already handles task '" + name + "' of queue '"
                    + queue + "'; call stopHandling(\"" + name + "\") first to replace the handler");
        }
        return node.submit(r.command()).thenApply(res -> {
            if (!(res instanceof CommandResult.Done)) {
                registrations.remove(key, r);
                r.pool.shutdown();
                throw failure("register workers for " + queue + "/" + name, res);
            }
            LOG.info("node {}: handling {}/{} with {} workers (lease {} ms)", nodeId, queue, name, concurrency,
                    options.lease().toMillis());
            return (Void) null;
        }).whenComplete((v, e) -> {
            if (e != null) {
                registrations.remove(key, r);
                r.pool.shutdown();
            }
        });
    }

    CompletableFuture<Boolean> unregister(String queue, String name) {
        Registration r = registrations.remove(queue + '\u0000' + name);
        if (r == null) {
            return CompletableFuture.completedFuture(false);
        }
        // Running handlers finish and report; the pool then ends.
        r.pool.shutdown();
        return node.submit(new TaskCommand.UnregisterWorkers(queue, name)).thenApply(res -> true);
    }

    private void onSessionLost(long oldSession) {
        for (Claim c : running.values()) {
            c.lost = true;
        }
        for (Registration r : registrations.values()) {
            reRegister(r);
        }
    }

    private void reRegister(Registration r) {
        if (closing || registrations.get(r.queue + '\u0000' + r.name) != r) {
            return;
        }
        node.submit(r.command()).whenComplete((res, e) -> {
            if (e != null || !(res instanceof CommandResult.Done)) {
                LOG.warn("node {}: could not register the workers of {}/{} again after a session loss ({}); retrying",
                        nodeId, r.queue, r.name, e != null ? e.toString() : res);
                if (!closing) {
                    node.schedule(TimeUnit.MILLISECONDS.toNanos(500), () -> onLoop("re-registering workers",
                            () -> reRegister(r)));
                }
            }
        });
    }

    // ------------------------------------------------------------------ running claims

    /**
     * After a snapshot install the assignment events it covered were never seen: start the
     * claims the state says this node's session holds and it does not run yet (instead of
     * letting their leases run out).
     */
    private void resumeClaims() {
        node.read(false, sm -> {
            long me = node.sessionIdOnLoop();
            return me == 0 ? List.<TaskInfo>of() : sm.taskClaims(me);
        }).thenAccept(claims -> {
            for (TaskInfo t : claims) {
                Claim c = running.get(t.id());
                if (c == null || c.assigned.token() != t.claimToken()) {
                    LOG.info("node {}: resuming claim {} of task {} ({}/{}) found in an installed snapshot", nodeId,
                            t.claimToken(), t.id(), t.queue(), t.name());
                    start(new TaskEvents.Assigned(t.queue(), t.name(), t.id(), t.claimSession(), t.claimToken(),
                            t.attempts(), t.payload(), t.leaseDeadlineMs()));
                }
            }
        }).exceptionally(e -> {
            LOG.warn("node {}: could not look for task claims after a snapshot install: {}", nodeId, e.toString());
            return null;
        });
    }

    /**
     * After a snapshot install the "finished" events it covered were never seen either: complete
     * the callers waiting for a task that finished meanwhile from the restored state (and fail
     * those whose task is gone: finished and past its retention, or purged), instead of leaving
     * them waiting forever.
     */
    private void completeWaitersFromState() {
        if (waiters.isEmpty()) {
            return;
        }
        List<Long> ids = new ArrayList<>(waiters.keySet());
        node.read(false, sm -> {
            Map<Long, Optional<TaskInfo>> found = new java.util.HashMap<>();
            for (long id : ids) {
                found.put(id, sm.task(id));
            }
            return found;
        }).thenAccept(found -> found.forEach((id, t) -> {
            if (t.isPresent() && !t.get().state().isFinished()) {
                return;
            }
            List<CompletableFuture<byte[]>> w = waiters.remove(id);
            if (w == null) {
                return;
            }
            if (t.isPresent()) {
                TaskInfo i = t.get();
                LOG.info("node {}: task {} finished while this node caught up from a snapshot; completing {} waiter(s)",
                        nodeId, id, w.size());
                callbacks.execute(() -> completeWaiters(w, id, i.state(), i.result(), i.lastError(), i.attempts()));
            } else {
                NotFoundException gone = new NotFoundException("task " + id + " finished and is gone (past its result"
                        + " retention, or purged) by the time node " + nodeId + " caught up from a snapshot");
                callbacks.execute(() -> w.forEach(f -> f.completeExceptionally(gone)));
            }
        })).exceptionally(e -> {
            LOG.warn("node {}: could not look for finished tasks after a snapshot install: {}", nodeId, e.toString());
            return null;
        });
    }

    /** Hands the claim to its pool (on the loop thread, or after a snapshot install). */
    private void start(TaskEvents.Assigned a) {
        Registration r = registrations.get(a.queue() + '\u0000' + a.name());
        if (r == null || closing || r.pool.isShutdown()) {
            report(a, new TaskCommand.Fail(a.taskId(), a.token(), "node " + nodeId + " no longer handles "
                    + a.queue() + "/" + a.name()));
            if (r == null && !closing) {
                // The cluster still counts this session as a worker (a registration that failed
                // locally but applied, or a stop still in flight): withdraw it.
                node.submit(new TaskCommand.UnregisterWorkers(a.queue(), a.name()));
            }
            return;
        }
        Claim c = new Claim(a, Instant.ofEpochMilli(clock.wallMillis()).plus(r.timeout),
                clock.monotonicNanos() + r.timeout.toNanos());
        Claim previous = running.putIfAbsent(a.taskId(), c);
        if (previous != null) {
            if (previous.assigned.token() == a.token()) {
                return; // already running: seen both as an event and in a snapshot
            }
            running.put(a.taskId(), c); // an older claim of the same task is still finishing here
        }
        try {
            r.pool.execute(() -> runAttempt(r, c));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            removeRunning(c);
            report(a, new TaskCommand.Fail(a.taskId(), a.token(), "node " + nodeId + " is stopping its workers for "
                    + a.queue() + "/" + a.name()));
        }
    }

    private void runAttempt(Registration r, Claim c) {
        c.thread = Thread.currentThread();
        // On the node's loop: it only flags the claim, reports (hands a command to the loop) and
        // interrupts the handler's thread; the handler itself stays on its pool.
        NodeLoop.Timer timeout = node.schedule(r.timeout.toNanos(), () -> onLoop("handler timeout", () -> {
            if (!c.done && !c.lost) {
                // Give the claim up now, whether or not the handler reacts to the interrupt: its
                // lease stops being extended and whatever it returns later is discarded.
                LOG.warn("node {}: task {} ({}/{}) attempt {} still running after the handler timeout of {} ms;"
                        + " failing the attempt and interrupting the handler", nodeId, c.taskId(), r.queue, r.name,
                        c.attempt(), r.timeout.toMillis());
                c.lost = true;
                report(c.assigned, new TaskCommand.Fail(c.taskId(), c.fencingToken(), "node " + nodeId
                        + ": handler timed out after " + r.timeout.toMillis() + " ms"));
                c.thread.interrupt();
            }
        }));
        TaskCommand outcome;
        try {
            byte[] result = r.handler.handle(c);
            outcome = new TaskCommand.Complete(c.taskId(), c.fencingToken(), result == null ? new byte[0] : result);
        } catch (InterruptedException e) {
            boolean timedOut = clock.monotonicNanos() - c.deadlineNanos > 0;
            outcome = new TaskCommand.Fail(c.taskId(), c.fencingToken(), "interrupted on node " + nodeId
                    + (timedOut ? " after the handler timeout of " + r.timeout.toMillis() + " ms" : ""));
        } catch (Throwable e) {
            // Any throwable fails the attempt (so the claim never hangs with its lease extended);
            // the error text travels with the task and ends in its dead letter if it keeps failing.
            LOG.debug("node {}: task {} ({}/{}) attempt {} failed", nodeId, c.taskId(), r.queue, r.name, c.attempt(), e);
            outcome = new TaskCommand.Fail(c.taskId(), c.fencingToken(), "node " + nodeId + ": " + e);
        } finally {
            c.done = true;
            timeout.cancel();
            Thread.interrupted(); // a late timeout must not leak into the next task on this thread
        }
        if (c.lost) {
            LOG.info("node {}: task {} ({}/{}) attempt {} finished after its claim was lost; the outcome is discarded",
                    nodeId, c.taskId(), r.queue, r.name, c.attempt());
            removeRunning(c);
            return;
        }
        report(c.assigned, outcome).whenComplete((v, e) -> removeRunning(c));
    }

    private void removeRunning(Claim c) {
        if (running.remove(c.taskId(), c)) {
            synchronized (claimEnded) {
                claimEnded.notifyAll();
            }
        }
    }

    /** Runs a timer task on the loop: a task that throws would stop the node's loop, so log it instead. */
    private void onLoop(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("node {}: task runtime {} failed: {}", nodeId, what, e.toString(), e);
        }
    }

    /** Sends a completion or failure; the lease keeps being extended until it is applied. */
    private CompletableFuture<Void> report(TaskEvents.Assigned a, TaskCommand outcome) {
        return node.submit(outcome).handle((res, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof io.tandem.SessionExpiredException) {
                // The session's end already handed the claim back to the queue in that same apply.
                LOG.warn("node {}: could not report the outcome of task {} claim {}: this node's session ended,"
                        + " which already returned the task to the queue; it runs again", nodeId, a.taskId(),
                        a.token());
            } else if (e != null) {
                LOG.warn("node {}: could not report the outcome of task {} claim {} ({}); it runs again after its"
                        + " lease", nodeId, a.taskId(), a.token(), e.toString());
            } else if (res instanceof TaskResult.Outcome o && !o.accepted()) {
                LOG.info("node {}: outcome of task {} not accepted: {}", nodeId, a.taskId(), o.reason());
            }
            return null;
        });
    }

    /** On the loop, every {@value #TIMER_TICK_MS} ms: extend the leases of running claims when due. */
    private void timerTick() {
        try {
            long now = clock.monotonicNanos();
            if (now < nextExtendNanos || running.isEmpty()) {
                return;
            }
            long shortest = Long.MAX_VALUE;
            for (Registration r : registrations.values()) {
                shortest = Math.min(shortest, r.lease.toMillis());
            }
            long period = shortest == Long.MAX_VALUE ? 1000 : Math.max(TIMER_TICK_MS, shortest / 3);
            nextExtendNanos = now + TimeUnit.MILLISECONDS.toNanos(period);
            List<Long> ids = new ArrayList<>();
            List<Long> tokens = new ArrayList<>();
            for (Claim c : running.values()) {
                if (!c.lost) {
                    ids.add(c.taskId());
                    tokens.add(c.fencingToken());
                }
            }
            if (!ids.isEmpty()) {
                node.submit(new TaskCommand.ExtendLeases(ids, tokens)).whenComplete((res, e) -> {
                    if (e != null) {
                        LOG.debug("node {}: lease extension of {} claims failed: {}", nodeId, ids.size(), e.toString());
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("node {}: task timer error", nodeId, e);
        }
    }

    // ------------------------------------------------------------------ results

    /** Completes with the task's result once it completes anywhere; fails if dead-lettered or cancelled. */
    CompletableFuture<byte[]> awaitResult(String queue, long taskId) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        if (closing) {
            f.completeExceptionally(new ClosedException("node " + nodeId + " is closing"));
            return f;
        }
        waiters.computeIfAbsent(taskId, k -> new CopyOnWriteArrayList<>()).add(f);
        // The task may have finished before the waiter was registered: this read runs on the loop
        // after the registration, so either it sees the final state or the event sees the waiter.
        node.read(false, sm -> sm.task(taskId)).whenComplete((Optional<TaskInfo> t, Throwable e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else if (t.isEmpty()) {
                f.completeExceptionally(new NotFoundException("queue " + queue + " has no task " + taskId
                        + " (finished and past its result retention, purged, or never submitted)"));
            } else if (t.get().state().isFinished()) {
                TaskInfo i = t.get();
                completeWaiters(List.of(f), taskId, i.state(), i.result(), i.lastError(), i.attempts());
            }
            if (f.isDone()) {
                List<CompletableFuture<byte[]>> w = waiters.get(taskId);
                if (w != null) {
                    w.remove(f);
                }
            }
        });
        return f;
    }

    private static void completeWaiters(List<CompletableFuture<byte[]>> w, long taskId, io.tandem.state.TaskState state,
                                        byte[] result, String error, int attempts) {
        for (CompletableFuture<byte[]> f : w) {
            switch (state) {
                case COMPLETED -> f.complete(result == null ? new byte[0] : result);
                case DEAD -> f.completeExceptionally(new TaskFailedException(taskId, TaskState.DEAD, "task " + taskId
                        + " was dead-lettered after " + attempts + " attempts; last error: " + error));
                case CANCELLED -> f.completeExceptionally(new TaskFailedException(taskId, TaskState.CANCELLED,
                        "task " + taskId + " was cancelled"));
                default -> throw new IllegalStateException("task " + taskId + " is not finished: " + state);
            }
        }
    }

    static TandemException failure(String what, CommandResult r) {
        if (r instanceof CommandResult.Rejected rj) {
            return new InvalidArgumentException(what + ": " + rj.reason());
        }
        if (r instanceof CommandResult.SessionExpired s) {
            return new SessionExpiredException(what + ": session " + s.sessionId() + " expired before the command"
                    + " applied; it did not run, retry it");
        }
        if (r instanceof TaskResult.Outcome o && o.notFound()) {
            return new NotFoundException(what + ": " + o.reason());
        }
        if (r instanceof TaskResult.Outcome o) {
            return new InvalidArgumentException(what + ": " + o.reason());
        }
        return new TandemException(what + ": unexpected result " + r);
    }

    private void requireOpen() {
        if (closing) {
            throw new ClosedException("node " + nodeId + " is closing; it takes no new task work");
        }
    }

    /** Claims running on this node (for tests and status). */
    public int runningClaims() {
        return running.size();
    }

    // ------------------------------------------------------------------ close

    /**
     * Stops taking new work (unregisters every pool), lets running handlers finish for up to
     * {@code grace}, reports their outcomes, then stops the threads. The caller closes the session
     * afterwards, which returns any claim still open to the queue at once.
     */
    public void close(Duration grace) {
        if (closing) {
            return;
        }
        closing = true;
        List<CompletableFuture<?>> unregistering = new ArrayList<>();
        for (Map.Entry<String, Registration> e : registrations.entrySet()) {
            Registration r = e.getValue();
            r.pool.shutdown();
            unregistering.add(node.submit(new TaskCommand.UnregisterWorkers(r.queue, r.name)));
        }
        long deadline = clock.monotonicNanos() + grace.toNanos();
        try {
            CompletableFuture.allOf(unregistering.toArray(new CompletableFuture<?>[0]))
                    .get(Math.max(1, Math.min(1000, grace.toMillis())), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("node {}: unregistering workers on close: {}", nodeId, e.toString());
        }
        for (Registration r : registrations.values()) {
            try {
                long left = deadline - clock.monotonicNanos();
                if (left > 0 && !r.pool.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    LOG.info("node {}: handlers of {}/{} still running after {} ms; their claims return to the queue",
                            nodeId, r.queue, r.name, grace.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.pool.shutdownNow();
        }
        // Let reported outcomes apply before the session closes: each claim that ends signals.
        try {
            synchronized (claimEnded) {
                long left;
                while (!running.isEmpty() && (left = deadline - clock.monotonicNanos()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(claimEnded, left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registrations.clear();
        ClosedException closed = new ClosedException("node " + nodeId + " closed before the task finished; the task"
                + " itself is durable: read its status from another node");
        for (List<CompletableFuture<byte[]>> w : waiters.values()) {
            w.forEach(f -> f.completeExceptionally(closed));
        }
        waiters.clear();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
