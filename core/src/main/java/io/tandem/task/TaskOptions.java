package io.tandem.task;

import io.tandem.InvalidArgumentException;
import java.time.Duration;

/**
 * Defaults of one queue as this node uses it: the lease of its workers' claims, how long results
 * are kept, the retry policy of tasks submitted from here, and the handler timeout.
 *
 * @param lease            a claim not extended for this long returns its task to the queue; the
 *                         worker's node extends it every third of it while the handler runs
 * @param resultRetention  a finished task's result (and its idempotency key) is kept this long
 * @param backoffBase      the wait after the first failed attempt, doubled after each further one
 * @param backoffMax       the longest wait between attempts
 * @param maxAttempts      the default number of runs before dead-lettering
 * @param handlerTimeout   an attempt running longer fails (its thread is interrupted)
 */
public record TaskOptions(Duration lease, Duration resultRetention, Duration backoffBase, Duration backoffMax,
                          int maxAttempts, Duration handlerTimeout) {

    public static final TaskOptions DEFAULTS = new TaskOptions(Duration.ofSeconds(30), Duration.ofHours(1),
            Duration.ofSeconds(1), Duration.ofMinutes(5), 5, Duration.ofMinutes(10));

    public TaskOptions {
        positive("lease", lease);
        if (resultRetention == null || resultRetention.isNegative()) {
            throw new InvalidArgumentException("resultRetention must be zero or positive, was " + resultRetention);
        }
        if (backoffBase == null || backoffBase.isNegative() || backoffMax == null || backoffMax.compareTo(backoffBase) < 0) {
            throw new InvalidArgumentException("back-off must satisfy 0 <= backoffBase (" + backoffBase
                    + ") <= backoffMax (" + backoffMax + ")");
        }
        if (maxAttempts < 1) {
            throw new InvalidArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        positive("handlerTimeout", handlerTimeout);
    }

    private static void positive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidArgumentException(what + " must be positive, was " + d);
        }
    }

    public TaskOptions lease(Duration d) {
        return new TaskOptions(d, resultRetention, backoffBase, backoffMax, maxAttempts, handlerTimeout);
    }

    public TaskOptions resultRetention(Duration d) {
        return new TaskOptions(lease, d, backoffBase, backoffMax, maxAttempts, handlerTimeout);
    }

    public TaskOptions backoff(Duration base, Duration max) {
        return new TaskOptions(lease, resultRetention, base, max, maxAttempts, handlerTimeout);
    }

    public TaskOptions maxAttempts(int n) {
        return new TaskOptions(lease, resultRetention, backoffBase, backoffMax, n, handlerTimeout);
    }

    public TaskOptions handlerTimeout(Duration d) {
        return new TaskOptions(lease, resultRetention, backoffBase, backoffMax, maxAttempts, d);
    }
}
