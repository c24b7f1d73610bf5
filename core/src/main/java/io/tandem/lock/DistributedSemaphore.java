package io.tandem.lock;

import io.tandem.InvalidArgumentException;
import io.tandem.state.LockKind;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster-wide counting semaphore bound to this node's session: {@code permits} in all, each
 * acquisition takes 1..permits of them and keeps them until released or until its session ends.
 * Requests are served strictly in arrival order (a large request at the head is not overtaken by
 * smaller ones). Every grant carries a fencing token. All users of one name must agree on the
 * number of permits; a request with another number is refused while the semaphore is in use.
 * Obtain with {@code tandem.semaphore(name, permits)}.
 */
public final class DistributedSemaphore {

    private final LockService service;
    private final String name;
    private final int permits;

    public DistributedSemaphore(LockService service, String name, int permits) {
        service.checkName(LockKind.SEMAPHORE, name);
        if (permits < 1) {
            throw new InvalidArgumentException("semaphore " + name + ": permits must be at least 1, got " + permits);
        }
        this.service = service;
        this.name = name;
        this.permits = permits;
    }

    public String name() {
        return name;
    }

    public int permits() {
        return permits;
    }

    /** Blocks until {@code n} permits are granted. */
    public LockLease acquire(int n) {
        LockService.Request r = request(n, -1);
        return service.await(service.acquireAsync(r), r).orElseThrow();
    }

    /** Waits at most {@code wait} for {@code n} permits; empty if not granted by then. */
    public Optional<LockLease> tryAcquire(int n, Duration wait) {
        LockService.Request r = request(n, LockService.waitMillis(wait));
        return service.await(service.acquireAsync(r), r);
    }

    /** Async twin of {@link #acquire(int)}. */
    public CompletableFuture<LockLease> acquireAsync(int n) {
        return service.acquireAsync(request(n, -1)).thenApply(Optional::orElseThrow);
    }

    /** Permits currently held across the cluster (linearizable read). */
    public int held() {
        return io.tandem.data.DataStore.join(service.list(LockKind.SEMAPHORE, name, true)).stream()
                .filter(i -> i.name().equals(name)).mapToInt(io.tandem.state.LockInfo::permitsHeld).sum();
    }

    private LockService.Request request(int n, long waitMs) {
        if (n < 1 || n > permits) {
            throw new InvalidArgumentException("semaphore " + name + ": cannot take " + n + " permits; take between 1"
                    + " and " + permits);
        }
        return new LockService.Request(LockKind.SEMAPHORE, name, n, permits, waitMs, 0);
    }
}
