package io.tandem.state;

/**
 * A command for the replicated state machine. Immutable records; byte arrays are read-only by
 * convention. Every command except {@link OpenSession} runs inside a session (see {@link Envelope}).
 */
public sealed interface Command permits Command.OpenSession, Command.KeepAlive, Command.CloseSession,
        Command.SetClusterVersion, Command.Put, Command.Delete, Command.Tick, Command.AcquireLock, Command.ReleaseLock,
        Command.CancelLockWait, Command.ReserveTimestampWindow, TaskCommand {

    /** Stable one-byte code used by {@link CommandCodec}; part of the log format. */
    byte code();

    /**
     * Opens a session for {@code nodeId}; the session id is the index of this entry. The
     * {@code nonce} lets the proposing node recognise its own request when it applies it (an old
     * request from a previous run of the same node carries another nonce).
     */
    record OpenSession(String nodeId, long timeoutMs, long nonce) implements Command {
        @Override
        public byte code() {
            return 1;
        }
    }

    /** Renews the envelope's session; its deadline becomes entry time + timeout. */
    record KeepAlive() implements Command {
        @Override
        public byte code() {
            return 2;
        }
    }

    /**
     * Raises the cluster version to {@code version} (never lowers it): from then on, members may
     * propose command kinds up to that level (see {@link CommandLevels}). Proposed by the leader,
     * outside any session, once every voter and learner has reported that it reads that level.
     */
    record SetClusterVersion(int version) implements Command {
        @Override
        public byte code() {
            return 4;
        }
    }

    /** Closes the envelope's session and releases everything it owns, in this apply. */
    record CloseSession() implements Command {
        @Override
        public byte code() {
            return 3;
        }
    }

    /**
     * Writes a record.
     *
     * @param expectedVersion {@link #ANY_VERSION} for an unconditional write, 0 to create only
     *                        if absent, n to write only if the current version is n
     * @param ttlMs           0 for no expiry, otherwise the record expires at entry time + ttl
     * @param ephemeral       bind the record to the envelope's session: deleted when it ends
     */
    record Put(String key, byte[] value, long expectedVersion, long ttlMs, boolean ephemeral) implements Command {
        public static final long ANY_VERSION = -1;

        @Override
        public byte code() {
            return 10;
        }
    }

    /** Deletes a record, optionally only at {@code expectedVersion} (or {@link Put#ANY_VERSION}). */
    record Delete(String key, long expectedVersion) implements Command {
        @Override
        public byte code() {
            return 11;
        }
    }

    /** Carries nothing but its entry's timestamp: lets time pass in the state machine when idle. */
    record Tick() implements Command {
        @Override
        public byte code() {
            return 20;
        }
    }

    /**
     * Asks for {@code permits} of lock-like {@code name} of {@code kind} for {@code owner} (a number
     * the node chose, unique within the envelope's session): granted at once if the queue is empty
     * and enough permits are free, otherwise the owner joins the FIFO queue until {@code waitMs} of
     * entry time have passed ({@code 0} = do not wait, {@code -1} = wait until cancelled or the
     * session ends). {@code capacity} is the semaphore's permit count (ignored for other kinds).
     * {@code maxHoldMs} > 0 ends the grant that long after it was made.
     */
    record AcquireLock(LockKind kind, String name, long owner, int permits, int capacity, long waitMs,
                       long maxHoldMs) implements Command {
        @Override
        public byte code() {
            return 30;
        }
    }

    /** Ends {@code owner}'s grant of {@code name} if it carries {@code token}; a stale token changes nothing. */
    record ReleaseLock(LockKind kind, String name, long owner, long token) implements Command {
        @Override
        public byte code() {
            return 31;
        }
    }

    /** Takes {@code owner} out of the queue of {@code name}; no ghost waiter stays behind. */
    record CancelLockWait(LockKind kind, String name, long owner) implements Command {
        @Override
        public byte code() {
            return 32;
        }
    }

    /**
     * Reserves the timestamp-oracle window up to {@code upTo} (inclusive) for the proposing node:
     * if it is above every window committed before, the node gets {@code (previous max, upTo]};
     * otherwise the window is empty and the node asks again above the committed maximum. Only the
     * leader that reserved a window in its current term serves from it (see io.tandem.time).
     */
    record ReserveTimestampWindow(long upTo) implements Command {
        @Override
        public byte code() {
            return 50;
        }
    }
}
