package io.tandem.lock;

import io.tandem.state.LockKind;
import java.util.concurrent.CompletableFuture;

/** Bridges for {@code io.tandem.leader} and the facade; not part of the public API. */
public final class LockServiceAccess {

    private LockServiceAccess() {
    }

    public static DistributedLock election(LockService service, String group) {
        return new DistributedLock(service, LockKind.ELECTION, group, 1, 0);
    }

    /** Completes with the reason whenever the lease ends, released or lost. */
    public static CompletableFuture<String> ended(LockLease lease) {
        return ((LockService.Lease) lease).endedFuture();
    }

    public static CompletableFuture<java.util.List<io.tandem.state.LockInfo>> list(LockService service, LockKind kind,
                                                                                   String prefix, boolean linearizable) {
        return service.list(kind, prefix, linearizable);
    }
}
