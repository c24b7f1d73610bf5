package io.tandem.state;

import java.util.List;

/**
 * One lock, semaphore, read-write lock or election as the state machine holds it: its holders
 * (for an election, the leader; its token is the term) and its waiters in FIFO order.
 */
public record LockInfo(LockKind kind, String name, int capacity, List<Holder> holders, List<Waiter> waiters) {

    /** A grant: {@code permits} of the capacity held by {@code owner} of {@code session}. */
    public record Holder(long session, String nodeId, long owner, int permits, long token, long holdDeadlineMs) {
    }

    /** A queued request; {@code deadlineMs} is {@link Long#MAX_VALUE} for an unbounded wait. */
    public record Waiter(long session, String nodeId, long owner, int permits, long deadlineMs) {
    }

    public LockInfo {
        holders = List.copyOf(holders);
        waiters = List.copyOf(waiters);
    }

    /** The single holder of a lock or election (empty when free). */
    public java.util.Optional<Holder> holder() {
        return holders.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(holders.get(0));
    }

    public int permitsHeld() {
        int n = 0;
        for (Holder h : holders) {
            n += h.permits();
        }
        return n;
    }
}
