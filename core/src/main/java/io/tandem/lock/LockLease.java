package io.tandem.lock;

import java.util.concurrent.CompletableFuture;

/**
 * A granted lock (or semaphore permits, or a read or write lock). Close it to release.
 *
 * <p><b>Fencing.</b> {@link #fencingToken()} is strictly greater than the token of every earlier
 * grant of any lock in the cluster. A lease can end without the holder knowing at once — the node
 * was partitioned, paused (GC, SIGSTOP) or its session expired — and the cluster then grants the
 * lock to someone else. Pass the token with every write to the protected resource and let the
 * resource refuse tokens lower than the highest it has seen ({@link FencingGuard}); that, not
 * {@link #isValid()}, is what makes a stale holder harmless. See docs/guarantees.md.
 */
public interface LockLease extends AutoCloseable {

    /** The lock's name. */
    String name();

    /** Greater than every earlier grant's token; use it to fence writes. */
    long fencingToken();

    /** Permits held (1 for a lock and a read lock; the semaphore's request otherwise). */
    int permits();

    /**
     * Whether this node may still act as holder: false once released, once the cluster ended the
     * grant, or once the node has not renewed its session for (session timeout − safety margin)
     * by its monotonic clock — which is before the cluster can grant the lock to anyone else.
     * Checked against the clock on every call, so a pause cannot stretch it.
     */
    boolean isValid();

    /**
     * Completes with the reason when the lease is lost involuntarily (session not renewed in
     * time, session expired, maximum hold time passed, node closed). Not completed by
     * {@link #release()}.
     */
    CompletableFuture<String> lost();

    /** Releases the grant; a no-op if it already ended. Blocks until the cluster applied it. */
    void release();

    /** Async twin of {@link #release()}. */
    CompletableFuture<Void> releaseAsync();

    /** Same as {@link #release()}. */
    @Override
    void close();
}
