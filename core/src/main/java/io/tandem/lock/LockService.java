package io.tandem.lock;

import io.tandem.ClosedException;
import io.tandem.InvalidArgumentException;
import io.tandem.SessionExpiredException;
import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.node.OrderedDelivery;
import io.tandem.node.RaftNode;
import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.LockInfo;
import io.tandem.state.LockKind;
import io.tandem.state.StateMachine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-side half of locks, semaphores, read-write locks and elections: turns the state
 * machine's grants into {@link LockLease}s. One per node; used through {@link DistributedLock},
 * {@link DistributedSemaphore}, {@link DistributedReadWriteLock} and {@code LeaderElection}.
 *
 * <p>Every acquisition gets an owner number unique within the node's session, so each call is its
 * own holder in the state machine. Grants are learned by applying the log (the immediate result,
 * or the grant event when a queued request reaches the head) — no polling. A grant nobody is
 * waiting for any more (the caller gave up or timed out) is released at once, so no lock leaks.
 */
public final class LockService implements StateMachine.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(LockService.class);

    private final RaftNode node;
    private final Executor callbacks;
    private final long requestTimeoutMs;
    private final int maxNameBytes;
    private final AtomicLong owners = new AtomicLong();
    private final Map<Long, Acquisition> waiting = new ConcurrentHashMap<>();
    private final Map<Long, Lease> held = new ConcurrentHashMap<>();
    private final List<ElectionWatch> watches = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public LockService(RaftNode node, Executor callbacks, long requestTimeoutMs, int maxNameBytes) {
        this.node = node;
        this.callbacks = callbacks;
        this.requestTimeoutMs = requestTimeoutMs;
        this.maxNameBytes = maxNameBytes;
        node.addStateListener(this);
        node.onSessionAtRisk(this::onSessionAtRisk);
        node.onSessionLost(this::onSessionLost);
    }

    /** What to acquire: kind, name, permits out of capacity, how long to wait, how long to hold at most. */
    record Request(LockKind kind, String name, int permits, int capacity, long waitMs, long maxHoldMs) {
    }

    private final class Acquisition {
        final long owner;
        final Request request;
        final CompletableFuture<Optional<LockLease>> future = new CompletableFuture<>();
        /** Before the request was sent, so before the entry that grants it was stamped. */
        final long startedNanos = node.clock().monotonicNanos();
        volatile boolean abandoned;
        /** The cluster answered "queued": from then on the request is in the state machine's queue. */
        volatile boolean queued;

        Acquisition(long owner, Request request) {
            this.owner = owner;
            this.request = request;
        }
    }

    // ------------------------------------------------------------------ acquiring

    /** Checks a lock, semaphore or election name; throws with what is wrong. */
    void checkName(LockKind kind, String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidArgumentException(kind.label() + " name must be a non-empty string");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxNameBytes) {
            throw new InvalidArgumentException(kind.label() + " name of " + bytes + " bytes exceeds the limit of "
                    + maxNameBytes + " bytes (maxKeyBytes); use a shorter name");
        }
    }

    static long waitMillis(Duration wait) {
        if (wait == null || wait.isNegative()) {
            throw new InvalidArgumentException("wait time must be zero or positive, got " + wait);
        }
        return wait.toMillis();
    }

    static long holdMillis(Duration maxHold) {
        if (maxHold == null || maxHold.isNegative() || (maxHold.isZero())) {
            throw new InvalidArgumentException("maximum hold time must be positive, got " + maxHold);
        }
        return maxHold.toMillis();
    }

    /**
     * Starts an acquisition. The future completes with the lease, with empty when the wait ended
     * without a grant, or fails with a {@link TandemException}.
     */
    CompletableFuture<Optional<LockLease>> acquireAsync(Request req) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("node " + node.nodeId() + " is closed"));
        }
        long owner = owners.incrementAndGet();
        Acquisition a = new Acquisition(owner, req);
        waiting.put(owner, a);
        Command.AcquireLock cmd = new Command.AcquireLock(req.kind(), req.name(), owner, req.permits(), req.capacity(),
                req.waitMs(), req.maxHoldMs());
        node.submit(cmd).whenComplete((r, err) -> {
            if (err != null) {
                abandon(a);
                a.future.completeExceptionally(err);
            } else if (r instanceof CommandResult.LockGranted g) {
                onGrant(owner, req.kind(), req.name(), g.token());
            } else if (r instanceof CommandResult.LockQueued) {
                a.queued = true;
                LOG.debug("node {}: {} {} queued for owner {}", node.nodeId(), req.kind().label(), req.name(), owner);
            } else if (r instanceof CommandResult.LockNotAcquired) {
                if (waiting.remove(owner, a)) {
                    a.future.complete(Optional.empty());
                }
            } else {
                waiting.remove(owner, a);
                a.future.completeExceptionally(failure(req, r));
            }
        });
        return a.future;
    }

    /**
     * Waits for an acquisition: forever when {@code waitMs} is -1, else for the wait plus a request
     * timeout (the cluster decides the wait by entry time; the extra time lets its answer arrive).
     */
    Optional<LockLease> await(CompletableFuture<Optional<LockLease>> f, Request req) {
        try {
            if (req.waitMs() < 0) {
                return f.get();
            }
            return f.get(req.waitMs() + requestTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            giveUp(f);
            Thread.currentThread().interrupt();
            throw new TandemException("interrupted while waiting for " + req.kind().label() + " " + req.name()
                    + "; the request was withdrawn", e);
        } catch (TimeoutException e) {
            giveUp(f);
            throw new TandemTimeoutException("no answer for " + req.kind().label() + " " + req.name() + " within "
                    + (req.waitMs() + requestTimeoutMs) + " ms; the request was withdrawn. Is a majority reachable?");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof TandemException te ? te : new TandemException(c.toString(), c);
        }
    }

    /** The caller stopped waiting: withdraw the request, and release the grant should it still come. */
    private void giveUp(CompletableFuture<Optional<LockLease>> f) {
        for (Acquisition a : waiting.values()) {
            if (a.future == f) {
                abandon(a);
            }
        }
        f.thenAccept(lease -> lease.ifPresent(LockLease::releaseAsync));
    }

    private void abandon(Acquisition a) {
        a.abandoned = true;
        if (waiting.remove(a.owner, a)) {
            Request r = a.request;
            submitBestEffort(new Command.CancelLockWait(r.kind(), r.name(), a.owner),
                    "the wait ends with the session or its deadline");
        }
    }

    /** A command whose failure changes nothing but is worth a log line: the fallback is named in {@code otherwise}. */
    private void submitBestEffort(Command c, String otherwise) {
        node.submit(c).whenComplete((res, err) -> {
            if (err != null) {
                LOG.debug("node {}: {} failed ({}); {}", node.nodeId(), c.getClass().getSimpleName(), err.toString(),
                        otherwise);
            }
        });
    }

    private static TandemException failure(Request req, CommandResult r) {
        if (r instanceof CommandResult.Rejected rj) {
            return new InvalidArgumentException(rj.reason());
        }
        if (r instanceof CommandResult.SessionExpired) {
            return new SessionExpiredException("the node's session expired before " + req.kind().label() + " "
                    + req.name() + " could be requested; retry");
        }
        return new TandemException("unexpected answer for " + req.kind().label() + " " + req.name() + ": " + r);
    }

    // ------------------------------------------------------------------ apply-time events (loop thread)

    @Override
    public void onLockGranted(LockKind kind, String name, long session, String nodeId, long owner, long token) {
        if (kind == LockKind.ELECTION) {
            notifyWatches(name, Optional.of(new io.tandem.leader.LeaderInfo(name, nodeId, token)));
        }
        if (session == node.sessionId()) {
            onGrant(owner, kind, name, token);
        }
    }

    private void onGrant(long owner, LockKind kind, String name, long token) {
        Acquisition a = waiting.remove(owner);
        if (a == null) {
            if (!held.containsKey(owner)) {
                // Nobody waits for it (the caller gave up, or an old request applied late): hand it back.
                LOG.debug("node {}: releasing an unclaimed grant of {} {} (owner {})", node.nodeId(), kind.label(), name,
                        owner);
                submitBestEffort(new Command.ReleaseLock(kind, name, owner, token), "the grant ends with the session");
            }
            return;
        }
        Lease lease = new Lease(a.request, owner, token, node.sessionId(), holdUntil(a));
        held.put(owner, lease);
        if (a.request.maxHoldMs() > 0) {
            // A timer on the node's loop (not a private timer thread), so the simulator runs it on
            // virtual time; the task only hands off: the lease's futures complete on the callbacks.
            long delayNanos = Math.max(0, lease.holdUntilNanos - node.clock().monotonicNanos());
            node.schedule(delayNanos, () -> endHold(lease));
        }
        callbacks.execute(() -> {
            if (!a.future.complete(Optional.of(lease))) {
                lease.releaseAsync();
            }
        });
        if (a.abandoned) {
            lease.releaseAsync();
        }
    }

    /** On the loop: the maximum hold passed by this node's clock; end the lease and hand the grant back. */
    private void endHold(Lease lease) {
        try {
            if (held.remove(lease.owner, lease)) {
                lease.ended("maximum hold time passed (by this node's clock)", true);
                lease.handBack();
            }
        } catch (RuntimeException e) {
            // A timer task that throws stops the node's loop: log it here instead.
            LOG.error("node {}: ending {} at its maximum hold failed: {}", node.nodeId(), lease, e.toString(), e);
        }
    }

    /**
     * The local end of a grant with a maximum hold. The cluster counts the hold from the grant's
     * entry stamp, which is never earlier than the acquire call, so counting from the call (by the
     * monotonic clock) minus the safety margin ends the lease here first — even on a node cut off
     * from the majority, which never applies the entry that ends the grant. For a request that
     * waited in the queue this is conservative: the hold counts from when it was asked for.
     */
    private long holdUntil(Acquisition a) {
        long maxHold = a.request.maxHoldMs();
        if (maxHold <= 0) {
            return Long.MAX_VALUE;
        }
        return a.startedNanos + (maxHold - Math.min(node.sessionSafetyMarginMs(), maxHold / 2)) * 1_000_000;
    }

    @Override
    public void onLockWaitExpired(LockKind kind, String name, long session, long owner) {
        if (session != node.sessionId()) {
            return;
        }
        Acquisition a = waiting.remove(owner);
        if (a != null) {
            callbacks.execute(() -> a.future.complete(Optional.empty()));
        }
    }

    @Override
    public void onLockReleased(LockKind kind, String name, long session, long owner, long token, String why) {
        if (kind == LockKind.ELECTION) {
            notifyWatches(name, Optional.empty());
        }
        if (session != node.sessionId()) {
            return;
        }
        Lease lease = held.get(owner);
        if (lease != null && lease.token == token) {
            held.remove(owner);
            lease.ended(why, !why.equals("released") && !why.equals("resigned"));
        }
    }

    /**
     * This replica installed a snapshot: grants, expiries and releases inside it were never
     * delivered as events. Compare what this node waits for and holds with the restored state.
     */
    @Override
    public void onRestored() {
        long session = node.sessionId();
        if (session == 0 || (waiting.isEmpty() && held.isEmpty())) {
            return;
        }
        node.read(false, sm -> {
            java.util.HashMap<Long, LockInfo.Holder> holders = new java.util.HashMap<>();
            java.util.HashSet<Long> waiters = new java.util.HashSet<>();
            for (LockKind k : LockKind.values()) {
                for (LockInfo info : sm.locks(k, "")) {
                    info.holders().stream().filter(h -> h.session() == session).forEach(h -> holders.put(h.owner(), h));
                    info.waiters().stream().filter(w -> w.session() == session).forEach(w -> waiters.add(w.owner()));
                }
            }
            for (Acquisition a : waiting.values()) {
                LockInfo.Holder h = holders.get(a.owner);
                if (h != null) {
                    onGrant(a.owner, a.request.kind(), a.request.name(), h.token());
                } else if (a.queued && !waiters.contains(a.owner) && waiting.remove(a.owner, a)) {
                    callbacks.execute(() -> a.future.complete(Optional.empty())); // its wait ended meanwhile
                }
            }
            for (Lease l : held.values()) {
                LockInfo.Holder h = holders.get(l.owner);
                if ((h == null || h.token() != l.token) && held.remove(l.owner, l)) {
                    l.ended("the grant ended while this node was catching up from a snapshot", true);
                }
            }
            return null;
        }).whenComplete((v, err) -> {
            if (err != null) {
                LOG.warn("node {}: could not compare its locks with the restored snapshot: {}", node.nodeId(),
                        err.toString());
            }
        });
    }

    @Override
    public void onSessionClosed(long sessionId, String nodeId, boolean expired) {
        if (sessionId == node.sessionId()) {
            endEverything(expired ? "session expired" : "session closed");
        }
    }

    private void onSessionLost(long sessionId) {
        endEverything("session expired");
    }

    private void endEverything(String why) {
        for (Acquisition a : waiting.values()) {
            if (waiting.remove(a.owner, a)) {
                callbacks.execute(() -> a.future.completeExceptionally(new SessionExpiredException("node "
                        + node.nodeId() + ": " + why + " while waiting for " + a.request.kind().label() + " "
                        + a.request.name() + "; the request ended with it. Retry")));
            }
        }
        for (Lease l : held.values()) {
            held.remove(l.owner);
            l.ended(why, true);
        }
    }

    /** Local revocation: the node could not renew its session in time; its grants may soon pass to others. */
    private void onSessionAtRisk(long sessionId) {
        for (Lease l : held.values()) {
            held.remove(l.owner);
            l.ended("session not renewed within the session timeout minus the safety margin", true);
            // Hand the grant back too; if the session did expire, this changes nothing.
            submitBestEffort(new Command.ReleaseLock(l.request.kind(), l.request.name(), l.owner, l.token),
                    "the grant ends with the session");
        }
    }

    // ------------------------------------------------------------------ reads and watches

    CompletableFuture<List<LockInfo>> list(LockKind kind, String prefix, boolean linearizable) {
        return node.read(linearizable, sm -> sm.locks(kind, prefix));
    }

    /**
     * Delivers the current leader of {@code group}, then every change, in apply order, on the
     * callback executor. Registration and the current state are taken in one loop turn, so no
     * change falls between them. Completes with a handle that stops the watch.
     */
    public CompletableFuture<AutoCloseable> watchElection(String group,
                                                          Consumer<Optional<io.tandem.leader.LeaderInfo>> listener) {
        checkName(LockKind.ELECTION, group);
        ElectionWatch w = new ElectionWatch(group, new OrderedDelivery<>("leader watch on '" + group + "'", listener,
                callbacks));
        return node.read(false, sm -> {
            Optional<io.tandem.leader.LeaderInfo> now = sm.locks(LockKind.ELECTION, group).stream()
                    .filter(i -> i.name().equals(group)).findFirst().flatMap(LockInfo::holder)
                    .map(h -> new io.tandem.leader.LeaderInfo(group, h.nodeId(), h.token()));
            w.delivery().offer(now);
            watches.add(w);
            return (AutoCloseable) () -> {
                w.delivery().cancel();
                watches.remove(w);
            };
        });
    }

    private void notifyWatches(String group, Optional<io.tandem.leader.LeaderInfo> info) {
        for (ElectionWatch w : watches) {
            if (w.group().equals(group)) {
                w.delivery().offer(info);
            }
        }
    }

    private record ElectionWatch(String group, OrderedDelivery<Optional<io.tandem.leader.LeaderInfo>> delivery) {
    }

    // ------------------------------------------------------------------ leases

    final class Lease implements LockLease {
        final Request request;
        final long owner;
        final long token;
        final long session;
        private final CompletableFuture<String> lost = new CompletableFuture<>();
        private final CompletableFuture<String> ended = new CompletableFuture<>();

        final long holdUntilNanos;

        Lease(Request request, long owner, long token, long session, long holdUntilNanos) {
            this.request = request;
            this.owner = owner;
            this.token = token;
            this.session = session;
            this.holdUntilNanos = holdUntilNanos;
        }

        /** Best effort: tell the cluster the grant is given up (a stale token there changes nothing). */
        void handBack() {
            if (!closed && node.sessionId() == session) {
                submitBestEffort(new Command.ReleaseLock(request.kind(), request.name(), owner, token),
                        "the grant ends with the session");
            }
        }

        /** Ends the lease; its futures complete on the callback executor (never on the loop thread). */
        void ended(String why, boolean involuntary) {
            logLoss(why, involuntary);
            callbacks.execute(() -> complete(why, involuntary));
        }

        /** Ends the lease on the calling thread (used by close(), where callers expect it done on return). */
        void endedNow(String why) {
            if (!ended.isDone()) {
                // The application closed its own node: lost() still fires, but nothing went wrong.
                LOG.info("node {}: {} {} (token {}) ends: {}", node.nodeId(), request.kind().label(), request.name(),
                        token, why);
            }
            complete(why, true);
        }

        private void logLoss(String why, boolean involuntary) {
            if (involuntary && !ended.isDone()) {
                LOG.warn("node {}: {} {} (token {}) lost: {}", node.nodeId(), request.kind().label(), request.name(),
                        token, why);
            }
        }

        private void complete(String why, boolean involuntary) {
            if (involuntary) {
                lost.complete(why);
            }
            ended.complete(why);
        }

        /** Completes with the reason whenever the grant ends, released or lost. */
        CompletableFuture<String> endedFuture() {
            return ended;
        }

        @Override
        public String name() {
            return request.name();
        }

        @Override
        public long fencingToken() {
            return token;
        }

        @Override
        public int permits() {
            return request.permits();
        }

        @Override
        public boolean isValid() {
            long now = node.clock().monotonicNanos();
            return held.get(owner) == this && node.sessionId() == session
                    && now - node.sessionValidUntilNanos() < 0
                    && (holdUntilNanos == Long.MAX_VALUE || now - holdUntilNanos < 0);
        }

        @Override
        public CompletableFuture<String> lost() {
            return lost;
        }

        @Override
        public void release() {
            io.tandem.data.DataStore.join(releaseAsync());
        }

        @Override
        public CompletableFuture<Void> releaseAsync() {
            if (held.remove(owner, this)) {
                ended(request.kind() == LockKind.ELECTION ? "resigned" : "released", false);
            }
            if (closed || node.sessionId() != session) {
                return CompletableFuture.completedFuture(null); // the grant ended with the session
            }
            return node.submit(new Command.ReleaseLock(request.kind(), request.name(), owner, token))
                    .thenApply(r -> null);
        }

        @Override
        public void close() {
            release();
        }

        @Override
        public String toString() {
            return request.kind().label() + " " + request.name() + " token " + token
                    + (request.permits() > 1 && request.kind() == LockKind.SEMAPHORE ? " permits " + request.permits() : "");
        }
    }

    /** The node is leaving: every lease ends now (its session is about to close). */
    public void close() {
        closed = true;
        for (Lease l : held.values()) {
            held.remove(l.owner);
            l.endedNow("node closed");
        }
        for (Acquisition a : waiting.values()) {
            if (waiting.remove(a.owner, a)) {
                a.future.completeExceptionally(new ClosedException("node " + node.nodeId() + " is closing"));
            }
        }
    }
}
