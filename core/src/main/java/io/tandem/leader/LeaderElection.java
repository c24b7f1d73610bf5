package io.tandem.leader;

import io.tandem.lock.LockLease;
import io.tandem.lock.LockService;
import io.tandem.state.LockInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Leader election for one group name. Candidates queue in the replicated state machine in
 * arrival order; when the leader resigns, closes, or its session expires, the next live candidate
 * becomes leader with a higher term in the same apply. At most one leader per group per term, and
 * terms strictly increase. Obtain with {@code tandem.leader(group)}.
 *
 * <pre>{@code
 * Leadership lead = node.leader("billing-scheduler").elect();   // blocks until this node leads
 * lead.revoked().thenRun(scheduler::stop);
 * scheduler.start(lead.term());
 * }</pre>
 */
public final class LeaderElection {

    private final LockService service;
    private final String group;
    private final io.tandem.lock.DistributedLock candidate;

    public LeaderElection(LockService service, String group) {
        this.service = service;
        this.group = group;
        this.candidate = io.tandem.lock.LockServiceAccess.election(service, group);
    }

    public String group() {
        return group;
    }

    /** Blocks until this node leads the group. Interrupting the thread withdraws the candidacy. */
    public Leadership elect() {
        return wrap(candidate.acquire());
    }

    /** Async twin of {@link #elect()}. */
    public CompletableFuture<Leadership> electAsync() {
        return candidate.acquireAsync().thenApply(this::wrap);
    }

    /** Leads if this happens within {@code wait}; empty otherwise (the candidacy is withdrawn). */
    public Optional<Leadership> tryElect(Duration wait) {
        return candidate.tryAcquire(wait).map(this::wrap);
    }

    /** The current leader and term (linearizable read), or empty when the group has none. */
    public Optional<LeaderInfo> leader() {
        return candidate.info().flatMap(LockInfo::holder)
                .map(h -> new LeaderInfo(group, h.nodeId(), h.token()));
    }

    /**
     * Calls {@code listener} with the current leader, then with every change as this node applies
     * it, in order, one call at a time (empty when the group has no leader for a moment). The
     * current state is taken from this node's replica, atomically with the registration. Close the
     * returned handle to stop.
     */
    public AutoCloseable watch(Consumer<Optional<LeaderInfo>> listener) {
        return io.tandem.data.DataStore.join(service.watchElection(group, listener));
    }

    private Leadership wrap(LockLease lease) {
        return new Leadership(group, lease, io.tandem.lock.LockServiceAccess.ended(lease));
    }
}
