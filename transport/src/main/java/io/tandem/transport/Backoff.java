package io.tandem.transport;

import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential with "equal jitter". After {@code failures} consecutive failures the
 * base is {@code min(max, initial * 2^(failures - 1))} and the delay is drawn uniformly from
 * {@code [base/2, base]}, so peers that lost a common node do not reconnect in lockstep, and the
 * delay never falls below half the base. Deterministic for a seeded generator.
 */
final class Backoff {

    private final long initialMs;
    private final long maxMs;
    private final RandomGenerator random;

    Backoff(long initialMs, long maxMs, RandomGenerator random) {
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.random = random;
    }

    /** The delay before the next attempt after {@code failures} (>= 1) consecutive failures. */
    long delayMs(int failures) {
        long base = baseMs(failures);
        long half = base / 2;
        // The generator is shared by all peers' event loops; RandomGenerator is not thread-safe.
        synchronized (random) {
            return half + random.nextLong(base - half + 1);
        }
    }

    long baseMs(int failures) {
        int doublings = Math.max(0, Math.min(failures - 1, 62));
        long base = initialMs << doublings;
        return (base <= 0 || base > maxMs || (base >> doublings) != initialMs) ? maxMs : base;
    }
}
