package io.tandem.state;

/**
 * One task as the state machine holds it (a copy; byte arrays are read-only by convention).
 * Times are entry timestamps in ms; 0 when not applicable.
 *
 * @param attempts    claims started so far (the running attempt's number while claimed)
 * @param claimSession the session running it while {@link TaskState#CLAIMED}, else 0
 * @param claimNodeId  that session's node id, else ""
 * @param result      the result once {@link TaskState#COMPLETED}, else null
 * @param lastError   the last failure's message ("" if none)
 */
public record TaskInfo(long id, String queue, String name, TaskState state, int priority, int attempts,
                       int maxAttempts, String idempotencyKey, long createdAtMs, long notBeforeMs,
                       long claimSession, String claimNodeId, long claimToken, long leaseDeadlineMs,
                       long finishedAtMs, byte[] payload, byte[] result, String lastError) {
}
