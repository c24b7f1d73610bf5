package io.tandem.node;

/**
 * How long a node may rely on its session, by its own monotonic clock. Pure arithmetic, so the
 * runtime and the simulator share it.
 *
 * <p>The cluster expires a session when an entry's stamp passes (stamp of its last command +
 * timeout). That last command was stamped by the leader <em>after</em> this node first sent it,
 * so measuring from the first send time of the last confirmed command is conservative: the
 * cluster cannot expire the session before {@code firstSent + timeout} (up to clock offset and
 * rate drift between nodes, which the safety margin absorbs). Measuring from when the answer
 * arrived would not be: a slow answer or a pause (GC, SIGSTOP) between the apply and the answer
 * would stretch the lease beyond the cluster's. So the lease ends at
 * {@code confirmedSent + timeout − margin}, and a pause can only make the node give up earlier.
 */
public final class SessionLease {

    private final long timeoutNanos;
    private final long marginNanos;
    private long confirmedSentNanos;
    private boolean open;

    public SessionLease(long timeoutMs, long marginMs) {
        if (marginMs <= 0 || marginMs >= timeoutMs) {
            throw new IllegalArgumentException("safety margin " + marginMs + " ms must be > 0 and below the session"
                    + " timeout " + timeoutMs + " ms");
        }
        this.timeoutNanos = timeoutMs * 1_000_000;
        this.marginNanos = marginMs * 1_000_000;
    }

    /** The session opened; the open request first left at {@code sentNanos}. */
    public void opened(long sentNanos) {
        open = true;
        confirmedSentNanos = sentNanos;
    }

    /** A command of the session applied; it first left this node at {@code firstSentNanos}. */
    public void confirmed(long firstSentNanos) {
        if (open && firstSentNanos - confirmedSentNanos > 0) {
            confirmedSentNanos = firstSentNanos;
        }
    }

    public long confirmedSentNanos() {
        return confirmedSentNanos;
    }

    /** The monotonic instant from which the node must treat the session as lost. */
    public long validUntilNanos() {
        return confirmedSentNanos + timeoutNanos - marginNanos;
    }

    public boolean isValid(long nowNanos) {
        return open && nowNanos - validUntilNanos() < 0;
    }
}
