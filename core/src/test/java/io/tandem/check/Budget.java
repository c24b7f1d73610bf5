package io.tandem.check;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How much work one {@link LinearizabilityChecker#check} call may do before it gives up with
 * {@link Result.Verdict#UNKNOWN}: a wall-clock timeout, a step budget, or both. The budget covers
 * the whole history, all partitions together.
 *
 * <p>A step is one attempt to linearize an operation or one backtrack. A step budget without a
 * timeout keeps the outcome deterministic, which the simulator needs for seed replay; a timeout
 * reads {@link System#nanoTime()}, the only clock this package reads.
 *
 * <p>Immutable.
 */
public final class Budget {

    /** Checked wall-clock time is read once per this many steps, to keep the inner loop cheap. */
    static final int STEPS_PER_CLOCK_READ = 1024;

    private final Duration timeout;
    private final long maxSteps;

    private Budget(Duration timeout, long maxSteps) {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        if (maxSteps <= 0) {
            throw new IllegalArgumentException("maxSteps must be positive, got " + maxSteps);
        }
        this.timeout = timeout;
        this.maxSteps = maxSteps;
    }

    /** Gives up after {@code timeout} of wall-clock time; no step limit. */
    public static Budget timeout(Duration timeout) {
        return new Budget(Objects.requireNonNull(timeout, "timeout"), Long.MAX_VALUE);
    }

    /** Gives up after {@code maxSteps} steps; no wall clock, so the outcome is deterministic. */
    public static Budget steps(long maxSteps) {
        return new Budget(null, maxSteps);
    }

    /** This budget with an additional step limit. */
    public Budget withMaxSteps(long maxSteps) {
        return new Budget(timeout, maxSteps);
    }

    /** The wall-clock limit, if any. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** The step limit; {@link Long#MAX_VALUE} if none. */
    public long maxSteps() {
        return maxSteps;
    }

    Meter start() {
        return new Meter(timeout == null ? 0 : System.nanoTime() + timeout.toNanos(),
                timeout != null, maxSteps);
    }

    @Override
    public String toString() {
        return "Budget[timeout=" + (timeout == null ? "none" : timeout) + ", maxSteps="
                + (maxSteps == Long.MAX_VALUE ? "none" : maxSteps) + "]";
    }

    /** Counts the steps of one check and says when the budget is spent. Single-threaded. */
    static final class Meter {
        private final long deadlineNanos;
        private final boolean hasDeadline;
        private final long maxSteps;
        private long steps;
        private boolean spent;

        private Meter(long deadlineNanos, boolean hasDeadline, long maxSteps) {
            this.deadlineNanos = deadlineNanos;
            this.hasDeadline = hasDeadline;
            this.maxSteps = maxSteps;
        }

        /** Charges one step; false once the budget is spent (and forever after). */
        boolean tryStep() {
            if (spent) {
                return false;
            }
            steps++;
            if (steps > maxSteps) {
                spent = true;
            } else if (hasDeadline && steps % STEPS_PER_CLOCK_READ == 0
                    && System.nanoTime() - deadlineNanos > 0) {
                spent = true;
            }
            return !spent;
        }

        boolean isSpent() {
            return spent;
        }

        long steps() {
            return Math.min(steps, maxSteps);
        }
    }
}
