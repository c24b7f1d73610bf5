package io.tandem.state;

/** What {@link Tasks} tells the node as it applies, on the loop thread (values; hand off work only). */
public final class TaskEvents {

    private TaskEvents() {
    }

    /**
     * A task was claimed for {@code session}: the session's node should run it.
     *
     * @param attempt         1 for the first run
     * @param leaseDeadlineMs entry time by which the claim must be extended or finished
     */
    public record Assigned(String queue, String name, long taskId, long session, long token, int attempt,
                           byte[] payload, long leaseDeadlineMs) {
    }

    /** A claim ended without a result accepted from it (lease expired, session ended). */
    public record ClaimLost(String queue, long taskId, long session, long token, String why) {
    }

    /**
     * A task reached a final state: {@link TaskState#COMPLETED} with {@code result},
     * {@link TaskState#DEAD} with {@code error}, or {@link TaskState#CANCELLED}.
     */
    public record Finished(String queue, long taskId, TaskState state, byte[] result, String error, int attempts) {
    }

    /**
     * A schedule decided its slot {@code fireTimeMs} (for a span of missed cron slots, the last;
     * {@code firstSlotMs} is the first and {@code slots} their number) in the apply at entry time
     * {@code decidedAtMs}: it enqueued task {@code taskId} ({@code outcome} ENQUEUED), or — cron
     * schedules only — started nothing ({@code taskId} 0; MISSED, PAST_DEADLINE or SKIPPED_RUNNING).
     */
    public record Fired(String queue, String schedule, long fireTimeMs, long taskId, long decidedAtMs,
                        ScheduleRun.Outcome outcome, long firstSlotMs, int slots) {
        /** Whether a task was enqueued. */
        public boolean enqueued() {
            return taskId > 0;
        }
    }
}
