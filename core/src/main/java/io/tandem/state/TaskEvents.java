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

    /** A schedule enqueued task {@code taskId} for its period starting at {@code fireTimeMs}. */
    public record Fired(String queue, String schedule, long fireTimeMs, long taskId) {
    }
}
