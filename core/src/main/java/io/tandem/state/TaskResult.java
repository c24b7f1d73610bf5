package io.tandem.state;

/** Results of {@link TaskCommand}s. Codes 40–69 are reserved for them (see {@link TaskCodec}). */
public sealed interface TaskResult extends CommandResult permits TaskResult.Submitted, TaskResult.Outcome,
        TaskResult.Count {

    /** {@code created} is false when an idempotency key matched an earlier task, whose id this is. */
    record Submitted(long taskId, boolean created) implements TaskResult {
        @Override
        public byte code() {
            return 40;
        }
    }

    /**
     * Whether a command about one task took effect; when not, {@code reason} says why (a stale
     * claim token, a task in the wrong state, an unknown id: {@code notFound}).
     */
    record Outcome(long taskId, boolean accepted, boolean notFound, String reason) implements TaskResult {
        @Override
        public byte code() {
            return 41;
        }
    }

    /** How many items a command affected (purged tasks, extended leases, removed schedules). */
    record Count(long count) implements TaskResult {
        @Override
        public byte code() {
            return 42;
        }
    }
}
