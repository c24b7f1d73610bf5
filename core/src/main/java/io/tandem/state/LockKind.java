package io.tandem.state;

/**
 * The kinds of session-bound grants the state machine keeps. All share one engine (FIFO waiters,
 * fencing tokens, release on session end); they differ in capacity and in how callers read them.
 * Names are separate per kind: lock "x" and election "x" are unrelated. The code is part of the
 * log format.
 */
public enum LockKind {
    /** A mutual-exclusion lock: capacity 1, one permit per grant. */
    LOCK(0),
    /** A counting semaphore: capacity set by its users, grants take 1..capacity permits. */
    SEMAPHORE(1),
    /** Readers take one permit of {@link #RW_CAPACITY}, a writer takes all of them. */
    RWLOCK(2),
    /** A leader election: the holder is the leader; its token is the term. */
    ELECTION(3);

    /** The capacity of every read-write lock: a writer takes it all, a reader one permit. */
    public static final int RW_CAPACITY = Integer.MAX_VALUE;

    public final byte code;

    LockKind(int code) {
        this.code = (byte) code;
    }

    public static LockKind of(byte code) {
        for (LockKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown lock kind " + code);
    }

    /** Lower-case label used in messages and the CLI. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
