package io.tandem.state;

/**
 * What applying a command produced. Business outcomes ("version conflict", "session expired")
 * are values, never exceptions: a throwing apply would stop the node from applying the log.
 */
public sealed interface CommandResult permits CommandResult.Done, CommandResult.SessionOpened,
        CommandResult.Written, CommandResult.Deleted, CommandResult.VersionConflict,
        CommandResult.SessionExpired, CommandResult.Rejected, CommandResult.LockGranted,
        CommandResult.LockQueued, CommandResult.LockNotAcquired, CommandResult.LockReleased,
        CommandResult.TimestampWindow, TaskResult {

    byte code();

    /** The command succeeded and has nothing to report. */
    record Done() implements CommandResult {
        @Override
        public byte code() {
            return 1;
        }
    }

    record SessionOpened(long sessionId, long timeoutMs) implements CommandResult {
        @Override
        public byte code() {
            return 2;
        }
    }

    record Written(Record record) implements CommandResult {
        @Override
        public byte code() {
            return 3;
        }
    }

    /** {@code previous} is null when there was nothing to delete. */
    record Deleted(Record previous) implements CommandResult {
        @Override
        public byte code() {
            return 4;
        }
    }

    /** A conditional write or delete found another version ({@code actual} 0 = absent). */
    record VersionConflict(String key, long expected, long actual) implements CommandResult {
        @Override
        public byte code() {
            return 5;
        }
    }

    /** The envelope's session does not exist (expired, closed, or never opened). */
    record SessionExpired(long sessionId) implements CommandResult {
        @Override
        public byte code() {
            return 6;
        }
    }

    /** The command was invalid for the state machine (a bug or a mismatched client); says why. */
    record Rejected(String reason) implements CommandResult {
        @Override
        public byte code() {
            return 7;
        }
    }

    /** The lock was granted; {@code token} is greater than every earlier grant of any lock. */
    record LockGranted(String name, long token) implements CommandResult {
        @Override
        public byte code() {
            return 8;
        }
    }

    /** The session waits in the lock's queue; the grant arrives later as a state-machine event. */
    record LockQueued(String name, int position) implements CommandResult {
        @Override
        public byte code() {
            return 9;
        }
    }

    /** The lock is held and the request did not want to wait. */
    record LockNotAcquired(String name) implements CommandResult {
        @Override
        public byte code() {
            return 10;
        }
    }

    /** {@code released} is false when the session did not hold the lock with that token (a stale release). */
    record LockReleased(String name, boolean released) implements CommandResult {
        @Override
        public byte code() {
            return 11;
        }
    }

    /**
     * The answer to {@link Command.ReserveTimestampWindow}: timestamps {@code from..upTo}
     * (inclusive) belong to the proposer; empty when {@code from > upTo} (someone reserved higher).
     */
    record TimestampWindow(long from, long upTo) implements CommandResult {
        @Override
        public byte code() {
            return 30;
        }

        public boolean isEmpty() {
            return from > upTo;
        }
    }
}
