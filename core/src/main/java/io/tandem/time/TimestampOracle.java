package io.tandem.time;

import io.tandem.ClosedException;
import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.node.NodeLoop;
import io.tandem.node.RaftNode;
import io.tandem.node.Wire;
import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.StateMachine;
import io.tandem.transport.Endpoint;
import io.tandem.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster timestamp oracle: {@link #next()} returns timestamps that increase strictly across
 * the whole cluster in real-time order (if one call returned before another started, the second
 * gets the larger value), across leader changes, partitions and crashes.
 *
 * <p><b>How</b> (the shape of TiDB's PD): only the leader hands out timestamps, from memory, out
 * of a <em>window</em> whose upper bound it has committed through Raft
 * ({@link Command.ReserveTimestampWindow}). The state machine gives each reservation the range
 * above every earlier one, so a window never overlaps anything handed out before. The leader
 * serves only while it holds a <em>leader lease</em> in the window's term
 * ({@link RaftNode#renewLeaderLease}): a majority confirmed it after the lease started, so no new
 * leader can exist (and serve from a higher window) before the lease ends. A new leader therefore
 * starts above the last committed window, and an old leader has stopped before it starts.
 * Values are HLC-like: {@code max(previous + 1, physical ms << 16)}, so they track wall time.
 *
 * <p>Other nodes forward: callers waiting at the same time are batched into one
 * {@link Wire.TimestampRequest} for {@code n} consecutive values, which the leader serves from
 * memory. Callers of one batch were all waiting concurrently, so any order among them is fine.
 *
 * <p><b>Assumption</b>: the lease relies on tick rates not drifting apart by more than its margin
 * (the lease is 80% of the election timeout minus two ticks). A process paused longer than that
 * between checking the lease and taking a value is the residual risk every lease has; the values
 * then still never repeat (windows are disjoint), they could only be out of real-time order.
 *
 * <p><b>Threads</b>: the fast path ({@link #tryServe}) runs on the caller's thread, lock-free and
 * allocation-free; everything else runs as short driver turns, one at a time, on the executor
 * given (the node's loop in production). A turn never blocks: it parks on the answer it needs
 * (or on a back-off timer) and the answer starts the next turn. Timers are the node's
 * ({@link RaftNode#schedule}) and time is the {@code monotonicNanos} given, so the simulator can
 * run the oracle on virtual time. Callers' futures complete on the callbacks executor.
 */
public final class TimestampOracle implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TimestampOracle.class);
    private static final int MAX_FORWARD_BATCH = 1 << 20;

    /** A committed range {@code from..upTo} reserved by this node as leader of {@code term}. */
    record Window(long term, long from, long upTo) {
    }

    private static final class Waiter {
        final int count;
        final CompletableFuture<Long> future;
        final long deadlineNanos;

        Waiter(int count, CompletableFuture<Long> future, long deadlineNanos) {
            this.count = count;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private record Inflight(long id, List<Waiter> waiters, CompletableFuture<Wire.TimestampResponse> answer) {
    }

    private final RaftNode node;
    private final Transport transport;
    private final HybridClock hlc;
    private final String nodeId;
    private final Endpoint self;
    private final Executor driver;
    private final Executor callbacks;
    private final LongSupplier monotonicNanos;
    private final long windowPacked;
    private final long leaseNanos;
    private final long requestTimeoutMs;
    private final long retryMs;

    private final AtomicLong last = new AtomicLong();
    private volatile Window window;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean driving = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final AtomicLong nextRequestId = new AtomicLong();
    private volatile Inflight inflight;
    // The driver's parking spot, touched only by the holder of the `driving` token (handed from
    // turn to turn through the parked future, which orders the writes before the next turn).
    private CompletableFuture<?> parking;
    private Runnable continuation;
    private volatile long lastUsedNanos = Long.MIN_VALUE / 2;
    private volatile boolean closed;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong windowsReserved = new AtomicLong();

    /**
     * @param windowMs  how much wall time one reserved window covers (e.g. 3000)
     * @param leaseNanos how long a confirmed leadership round lets the leader serve
     * @param driver    runs the slow path's turns, one at a time; they never block (the node's loop)
     * @param callbacks completes callers' futures
     */
    public TimestampOracle(RaftNode node, Transport transport, HybridClock hlc, String nodeId, Endpoint self,
                           long windowMs, long leaseNanos, long requestTimeoutMs, long retryMs, Executor driver,
                           Executor callbacks, LongSupplier monotonicNanos) {
        this.node = node;
        this.transport = transport;
        this.hlc = hlc;
        this.nodeId = nodeId;
        this.self = self;
        this.windowPacked = HybridTimestamp.pack(windowMs, 0);
        this.leaseNanos = leaseNanos;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryMs = retryMs;
        this.driver = driver;
        this.callbacks = callbacks;
        this.monotonicNanos = monotonicNanos;
    }

    // ------------------------------------------------------------------ API

    /** The next cluster-wide timestamp; blocks only when this node is not a serving leader. */
    public long next() {
        long first = tryServe(1);
        if (first > 0) {
            return first;
        }
        return join(nextAsync(1));
    }

    /** The first of {@code count} consecutive timestamps reserved for the caller. */
    public CompletableFuture<Long> nextAsync(int count) {
        if (count < 1 || count > MAX_FORWARD_BATCH) {
            throw new io.tandem.InvalidArgumentException("count (" + count + ") must be between 1 and "
                    + MAX_FORWARD_BATCH);
        }
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("node " + nodeId + " is closed"));
        }
        long first = tryServe(count);
        if (first > 0) {
            return CompletableFuture.completedFuture(first);
        }
        CompletableFuture<Long> f = new CompletableFuture<>();
        waiters.add(new Waiter(count, f, monotonicNanos.getAsLong() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs)));
        kick();
        return f;
    }

    /**
     * The fast path: {@code count} values from the window if this node leads with a valid lease
     * in the window's term; 0 otherwise. Lock-free, allocation-free.
     */
    long tryServe(int count) {
        long now = monotonicNanos.getAsLong();
        if (now - lastUsedNanos > 100_000_000L) {
            lastUsedNanos = now; // rarely: a volatile write on every call would bounce a cache line between callers
        }
        Window w = window;
        if (w == null) {
            return 0;
        }
        RaftNode.LeaderLease l = node.leaderLease();
        if (l.term() != w.term() || !l.validAt(now)) {
            kick();
            return 0;
        }
        long floor = HybridTimestamp.pack(hlc.physicalMillis(), 0);
        for (;;) {
            long prev = last.get();
            long first = Math.max(Math.max(prev + 1, floor), w.from());
            long end = first + count - 1;
            if (end > w.upTo()) {
                kick();
                return 0;
            }
            if (last.compareAndSet(prev, end)) {
                if (w.upTo() - end < windowPacked / 2) {
                    kick(); // reserve the next window before this one runs out
                }
                return first;
            }
        }
    }

    /** Values handed out by this node as leader (for status and tests). */
    public long served() {
        return served.get();
    }

    public long windowsReserved() {
        return windowsReserved.get();
    }

    /** The upper bound of the window this node serves from, 0 if none. */
    public long windowUpTo() {
        Window w = window;
        return w == null ? 0 : w.upTo();
    }

    /** Called on the leader for a follower's request, on the callbacks executor. */
    public void onMessage(String fromNodeId, Object message) {
        if (message instanceof Wire.TimestampRequest req) {
            onRequest(req);
        } else if (message instanceof Wire.TimestampResponse resp) {
            Inflight in = inflight;
            if (in != null && in.id() == resp.id()) {
                in.answer().complete(resp);
            } else {
                LOG.debug("node {}: late timestamp answer {} ignored (its values are skipped)", nodeId, resp.id());
            }
        }
    }

    private void onRequest(Wire.TimestampRequest req) {
        Endpoint reply;
        try {
            reply = Endpoint.parse(req.replyTo());
        } catch (IllegalArgumentException e) {
            LOG.warn("node {}: timestamp request from {} with unusable reply address '{}'", nodeId, req.fromNodeId(),
                    req.replyTo());
            return;
        }
        if (req.count() < 1 || req.count() > MAX_FORWARD_BATCH) {
            send(reply, new Wire.TimestampResponse(req.id(), 0, 0, "count " + req.count() + " out of range", null));
            return;
        }
        RaftNode.LeaderView v = node.leaderView();
        if (!v.isLeader()) {
            send(reply, new Wire.TimestampResponse(req.id(), 0, 0, "node " + nodeId + " is not the leader",
                    v.leaderAddress() == null ? null : v.leaderAddress().toString()));
            return;
        }
        nextAsync(req.count()).whenComplete((first, e) -> send(reply, e == null
                ? new Wire.TimestampResponse(req.id(), first, req.count(), "", null)
                : new Wire.TimestampResponse(req.id(), 0, 0, e.getMessage(), null)));
    }

    private void send(Endpoint to, Object message) {
        try {
            transport.send(to, message);
        } catch (TandemException e) {
            LOG.debug("node {}: could not send {} to {}: {}", nodeId, message.getClass().getSimpleName(), to,
                    e.getMessage());
        }
    }

    // ------------------------------------------------------------------ the driver (slow path)

    /** Runs the driver once more; at most one run at a time, a kick during a run repeats it. */
    void kick() {
        again.set(true);
        if (closed || !driving.compareAndSet(false, true)) {
            return;
        }
        dispatch();
    }

    /** Runs a driver turn on the driver executor; the caller holds the {@link #driving} token. */
    private void dispatch() {
        try {
            driver.execute(this::drive);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            driving.set(false);
        }
    }

    /** Periodic duties (every few ticks): keep a used leader's lease and window fresh, expire waiters. */
    public void periodic() {
        boolean usedRecently = monotonicNanos.getAsLong() - lastUsedNanos < TimeUnit.SECONDS.toNanos(10);
        if (!waiters.isEmpty() || (usedRecently && node.leaderView().isLeader())) {
            kick();
        }
    }

    /**
     * One driver turn. It never blocks: a step that needs an answer (a lease round, a read, a
     * reservation, a forwarded batch) or a back-off <em>parks</em> the driver on a future, and the
     * driver keeps its token until that future completes and the next turn runs the step's
     * continuation. So kicks meanwhile only ask for one more round, as they did while the driver
     * thread blocked, and nothing spins.
     */
    private void drive() {
        CompletableFuture<?> park = null;
        try {
            Runnable step = continuation;
            continuation = null;
            if (step != null && !closed) {
                step.run();
            }
            while ((park = takeParking()) == null && again.getAndSet(false) && !closed) {
                expireWaiters();
                RaftNode.LeaderView v = node.leaderView();
                if (v.isLeader()) {
                    driveLeader();
                } else if (!waiters.isEmpty()) {
                    driveFollower(v);
                }
            }
        } catch (RuntimeException e) {
            park = null;
            parking = null;
            continuation = null;
            LOG.warn("node {}: timestamp oracle step failed: {}; retrying", nodeId, e.toString());
        } finally {
            if (park != null && !closed) {
                park.whenComplete((x, e) -> dispatch()); // the token passes to the continuation's turn
            } else {
                driving.set(false);
                if (again.get() && !closed) {
                    kick();
                }
            }
        }
    }

    private CompletableFuture<?> takeParking() {
        CompletableFuture<?> p = parking;
        parking = null;
        return p;
    }

    /** Ends this turn; once {@code until} completes the next turn runs {@code then} (may be null) first. */
    private void park(CompletableFuture<?> until, Runnable then) {
        parking = until;
        continuation = then;
    }

    /**
     * Parks until {@code f} completes or the request timeout passes, then continues with its value
     * (null if it failed or timed out).
     */
    private <T> void await(CompletableFuture<T> f, String what, Consumer<T> then) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        f.whenComplete((v, e) -> {
            if (e != null) {
                LOG.debug("node {}: timestamp oracle: {} failed: {}", nodeId, what, e.toString());
            }
            answer.complete(e == null ? v : null);
        });
        NodeLoop.Timer timeout = answer.isDone() ? null
                : node.schedule(TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs), () -> {
                    if (answer.complete(null)) {
                        LOG.debug("node {}: timestamp oracle: {} timed out after {} ms", nodeId, what,
                                requestTimeoutMs);
                    }
                });
        park(answer, () -> {
            if (timeout != null) {
                timeout.cancel();
            }
            then.accept(answer.join());
        });
    }

    /** Waiting for a leader or a lease: a short back-off, a timer on the node's loop. */
    private void pause() {
        CompletableFuture<Void> over = new CompletableFuture<>();
        node.schedule(TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(20, retryMs / 10))),
                () -> over.complete(null));
        park(over, null);
    }

    private void driveLeader() {
        long now = monotonicNanos.getAsLong();
        RaftNode.LeaderLease l = node.leaderLease();
        if (l.validAt(now + leaseNanos / 2)) {
            leadWithLease(l);
            return;
        }
        await(node.renewLeaderLease(leaseNanos), "confirming leadership", renewed -> {
            if (renewed == null || renewed.term() == 0) {
                again.set(true); // not (or no longer) the leader: forward on the next turn
                pause();
            } else {
                leadWithLease(renewed);
            }
        });
    }

    private void leadWithLease(RaftNode.LeaderLease l) {
        Window w = window;
        // Values follow wall time (tryServe never hands out less than physical ms << 16): after an
        // idle spell the clock, not the last value, says how much of the window is left. Measuring
        // from the last value alone left a window the clock had run past in place, and the driver
        // spun on it without serving anyone.
        long used = Math.max(last.get(), HybridTimestamp.pack(hlc.physicalMillis(), 0));
        if (w == null || w.term() != l.term() || w.upTo() - used < windowPacked / 2) {
            reserve(l.term(), 0, () -> serveOrPause(w));
        } else {
            serveOrPause(w);
        }
    }

    private void serveOrPause(Window before) {
        if (!serveWaiters() && window == before) {
            pause(); // nothing served and nothing changed: do not spin until the next kick helps
        }
    }

    /**
     * Commits a new window above everything committed before (at most three attempts); serves
     * from it only in {@code term}. Continues with {@code then} whatever the outcome.
     */
    private void reserve(long term, int attempt, Runnable then) {
        if (attempt >= 3) {
            then.run();
            return;
        }
        await(node.read(false, StateMachine::timestampWindowMax), "reading the window", committedMax -> {
            if (committedMax == null) {
                then.run();
                return;
            }
            long base = Math.max(Math.max(committedMax, last.get()), HybridTimestamp.pack(hlc.physicalMillis(), 0));
            await(node.submit(new Command.ReserveTimestampWindow(base + windowPacked)),
                    "reserving a timestamp window", r -> reserved(term, attempt, r, then));
        });
    }

    private void reserved(long term, int attempt, CommandResult r, Runnable then) {
        if (!(r instanceof CommandResult.TimestampWindow tw)) {
            LOG.debug("node {}: window reservation answered {}", nodeId, r);
            then.run();
            return;
        }
        if (tw.isEmpty()) {
            reserve(term, attempt + 1, then); // someone reserved above: our state now knows the max, ask above it
            return;
        }
        RaftNode.LeaderView v = node.leaderView();
        if (!v.isLeader() || v.term() != term) {
            LOG.debug("node {}: window {}..{} arrived after leadership of term {} ended; unused", nodeId,
                    tw.from(), tw.upTo(), term);
            then.run();
            return;
        }
        window = new Window(term, tw.from(), tw.upTo());
        windowsReserved.incrementAndGet();
        LOG.debug("node {} term {}: serving timestamps from window {}..{}", nodeId, term,
                HybridTimestamp.fromPacked(tw.from()), HybridTimestamp.fromPacked(tw.upTo()));
        then.run();
    }

    /** Serves waiters from the window; false if some were left waiting. */
    private boolean serveWaiters() {
        Waiter w;
        while ((w = waiters.peek()) != null) {
            long first = tryServe(w.count);
            if (first == 0) {
                return false;
            }
            waiters.poll();
            served.addAndGet(w.count);
            complete(w, first);
        }
        return true;
    }

    private void driveFollower(RaftNode.LeaderView v) {
        if (v.leaderAddress() == null) {
            again.set(true);
            pause();
            return;
        }
        List<Waiter> batch = new ArrayList<>();
        long total = 0;
        Waiter w;
        while ((w = waiters.peek()) != null && total + w.count <= MAX_FORWARD_BATCH) {
            batch.add(waiters.poll());
            total += w.count;
        }
        if (batch.isEmpty()) {
            return;
        }
        forward(v, batch, total);
    }

    /** Sends one batch to the leader; the next turn completes it from the answer or puts it back. */
    private void forward(RaftNode.LeaderView v, List<Waiter> batch, long total) {
        Inflight in = new Inflight(nextRequestId.incrementAndGet(), batch, new CompletableFuture<>());
        inflight = in;
        boolean sent = false;
        try {
            send(v.leaderAddress(), new Wire.TimestampRequest(in.id(), self.toString(), nodeId, (int) total));
            sent = true;
        } finally {
            if (!sent) {
                inflight = null;
                putBack(batch);
            }
        }
        // No answer within the retry interval: ask again.
        NodeLoop.Timer noAnswer = node.schedule(TimeUnit.MILLISECONDS.toNanos(retryMs),
                () -> in.answer().complete(null));
        park(in.answer(), () -> answered(v, in, noAnswer));
    }

    private void answered(RaftNode.LeaderView v, Inflight in, NodeLoop.Timer noAnswer) {
        noAnswer.cancel();
        if (inflight == in) {
            inflight = null;
        }
        Wire.TimestampResponse resp = in.answer().join();
        if (resp == null) {
            LOG.debug("node {}: no timestamp answer from {} within {} ms; asking again", nodeId, v.leaderId(), retryMs);
            putBack(in.waiters());
            return;
        }
        if (resp.first() == 0) {
            LOG.debug("node {}: leader could not serve timestamps: {}", nodeId, resp.error());
            putBack(in.waiters());
            pause();
            return;
        }
        long next = resp.first();
        for (Waiter b : in.waiters()) {
            complete(b, next);
            next += b.count;
        }
        if (!waiters.isEmpty()) {
            again.set(true);
        }
    }

    /** Puts an unanswered batch back in front, in order: a later batch must not overtake it. */
    private void putBack(List<Waiter> batch) {
        List<Waiter> rest = new ArrayList<>(batch);
        Waiter x;
        while ((x = waiters.poll()) != null) {
            rest.add(x);
        }
        waiters.addAll(rest);
        again.set(true);
    }

    private void expireWaiters() {
        long now = monotonicNanos.getAsLong();
        waiters.removeIf(w -> {
            if (now > w.deadlineNanos) {
                RaftNode.LeaderView v = node.leaderView();
                callbacks.execute(() -> w.future.completeExceptionally(new TandemTimeoutException("node " + nodeId
                        + ": no timestamp within " + requestTimeoutMs + " ms (leader " + v.leaderId() + ", term "
                        + v.term() + "); is a majority of the cluster reachable?")));
                return true;
            }
            return false;
        });
    }

    private void complete(Waiter w, long first) {
        callbacks.execute(() -> w.future.complete(first));
    }

    private static long join(CompletableFuture<Long> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TandemException("interrupted while waiting for a timestamp", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof TandemException te) {
                throw te;
            }
            throw new TandemException(String.valueOf(c), c);
        }
    }

    @Override
    public void close() {
        closed = true;
        ClosedException e = new ClosedException("node " + nodeId + " is closed");
        Waiter w;
        while ((w = waiters.poll()) != null) {
            Waiter x = w;
            callbacks.execute(() -> x.future.completeExceptionally(e));
        }
    }
}
