package io.tandem.lock;

import java.util.function.LongSupplier;

/**
 * The resource side of fencing: accepts an action only if its token is at least the highest token
 * seen so far, and remembers the highest. Put one in front of whatever a lock protects (a file, a
 * table row, an external API call) — or do the same comparison inside the resource itself, e.g. a
 * conditional SQL update {@code WHERE fence <= ?}, which is what makes it hold across processes.
 *
 * <p>A holder may write many times with its token (equal is accepted); once a newer holder has
 * written, every write with an older token is refused, so a holder that was paused past the end
 * of its lease cannot overwrite its successor's work. Thread-safe; actions run one at a time.
 */
public final class FencingGuard {

    private final String resource;
    private long highest;

    public FencingGuard(String resource) {
        this(resource, 0);
    }

    /** Starts from a highest token already recorded by the resource (e.g. read back from its storage). */
    public FencingGuard(String resource, long highestSeen) {
        this.resource = resource;
        this.highest = highestSeen;
    }

    /** Records {@code token} if it is not stale; returns whether it was accepted. */
    public synchronized boolean tryAccept(long token) {
        if (token < highest) {
            return false;
        }
        highest = token;
        return true;
    }

    /** Runs {@code action} if {@code token} is not stale, atomically with the check. */
    public synchronized void run(long token, Runnable action) {
        if (token < highest) {
            throw new StaleTokenException(resource, token, highest);
        }
        highest = token;
        action.run();
    }

    /** Like {@link #run} with a result. */
    public synchronized long call(long token, LongSupplier action) {
        if (token < highest) {
            throw new StaleTokenException(resource, token, highest);
        }
        highest = token;
        return action.getAsLong();
    }

    public synchronized long highestSeen() {
        return highest;
    }
}
