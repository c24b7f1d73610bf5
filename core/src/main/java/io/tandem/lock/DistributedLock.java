package io.tandem.lock;

import io.tandem.state.LockInfo;
import io.tandem.state.LockKind;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster-wide mutual-exclusion lock, bound to this node's session (see docs/guarantees.md).
 * Waiters queue FIFO in the replicated state machine and are granted on release or expiry without
 * polling. Every grant carries a fencing token greater than every earlier grant's. Each call is
 * its own holder: two threads of one node exclude each other like two nodes do. Thread-safe;
 * obtain with {@code tandem.lock(name)}.
 *
 * <pre>{@code
 * try (LockLease lease = node.lock("invoice-42").acquire()) {
 *     store.write(invoice, lease.fencingToken());
 * }
 * }</pre>
 */
public final class DistributedLock {

    private final LockService service;
    private final LockKind kind;
    private final String name;
    private final int permits;
    private final long maxHoldMs;

    DistributedLock(LockService service, LockKind kind, String name, int permits, long maxHoldMs) {
        service.checkName(kind, name);
        this.service = service;
        this.kind = kind;
        this.name = name;
        this.permits = permits;
        this.maxHoldMs = maxHoldMs;
    }

    /** A mutex named {@code name}; for {@code Tandem}. */
    public static DistributedLock mutex(LockService service, String name) {
        return new DistributedLock(service, LockKind.LOCK, name, 1, 0);
    }

    public String name() {
        return name;
    }

    /**
     * The same lock, but every grant it makes ends by itself {@code maxHold} after it was made
     * (by the cluster's entry time) even if the holder never releases it.
     */
    public DistributedLock withMaxHold(Duration maxHold) {
        return new DistributedLock(service, kind, name, permits, LockService.holdMillis(maxHold));
    }

    /** Blocks until granted. Interrupting the thread withdraws the request. */
    public LockLease acquire() {
        LockService.Request r = request(-1);
        return service.await(service.acquireAsync(r), r).orElseThrow();
    }

    /**
     * Waits at most {@code wait} (judged by the cluster's entry time); empty if not granted by
     * then. {@code Duration.ZERO} only takes a free lock.
     *
     * @throws io.tandem.TandemTimeoutException if the cluster gives no answer within {@code wait}
     *         plus the request timeout (the request is withdrawn; a grant that still comes is released)
     */
    public Optional<LockLease> tryAcquire(Duration wait) {
        LockService.Request r = request(LockService.waitMillis(wait));
        return service.await(service.acquireAsync(r), r);
    }

    /** Async twin of {@link #acquire()}: completes when granted. */
    public CompletableFuture<LockLease> acquireAsync() {
        return service.acquireAsync(request(-1)).thenApply(Optional::orElseThrow);
    }

    /** Async twin of {@link #tryAcquire(Duration)}. */
    public CompletableFuture<Optional<LockLease>> tryAcquireAsync(Duration wait) {
        return service.acquireAsync(request(LockService.waitMillis(wait)));
    }

    /** The lock as the cluster holds it now (linearizable read); empty when free with no waiters. */
    public Optional<LockInfo> info() {
        return io.tandem.data.DataStore.join(service.list(kind, name, true)).stream()
                .filter(i -> i.name().equals(name)).findFirst();
    }

    private LockService.Request request(long waitMs) {
        int capacity = kind == LockKind.RWLOCK ? LockKind.RW_CAPACITY : 1;
        return new LockService.Request(kind, name, permits, capacity, waitMs, maxHoldMs);
    }

    @Override
    public String toString() {
        return kind.label() + " " + name;
    }
}
