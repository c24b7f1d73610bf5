package io.tandem.leader;

import io.tandem.lock.LockLease;
import java.util.concurrent.CompletableFuture;

/**
 * This node's leadership of a group, from {@link LeaderElection#elect()}. It ends when resigned,
 * when the node closes, when its session expires, or — first of all, by local revocation — when
 * the node has not renewed its session for (session timeout − safety margin) by its monotonic
 * clock, which is before the cluster can elect anyone else. Watch {@link #revoked()} and stop
 * leading work when it completes; fence writes with {@link #term()}.
 */
public final class Leadership {

    private final String group;
    private final LockLease lease;
    private final CompletableFuture<String> revoked;

    Leadership(String group, LockLease lease, CompletableFuture<String> ended) {
        this.group = group;
        this.lease = lease;
        this.revoked = ended;
    }

    public String group() {
        return group;
    }

    /** Strictly greater than every earlier term of this group; a fencing token for leader-only writes. */
    public long term() {
        return lease.fencingToken();
    }

    /** Whether this node may still act as leader (same rules as {@link LockLease#isValid()}). */
    public boolean isValid() {
        return lease.isValid();
    }

    /** Completes with the reason when the leadership ends for any reason, resignation included. */
    public CompletableFuture<String> revoked() {
        return revoked;
    }

    /** Steps down; the next candidate in line becomes leader with a higher term in the same apply. */
    public void resign() {
        lease.release();
    }

    public CompletableFuture<Void> resignAsync() {
        return lease.releaseAsync();
    }

    @Override
    public String toString() {
        return "leadership of " + group + " term " + term();
    }
}
