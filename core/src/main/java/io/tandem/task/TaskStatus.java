package io.tandem.task;

import io.tandem.state.TaskInfo;
import java.time.Instant;
import java.util.Optional;

/**
 * A task as the cluster holds it. Times come from the log's entry timestamps (the leaders'
 * clocks); {@code null} when not applicable.
 *
 * @param attempts  runs started so far
 * @param claimedBy node id of the worker running it while {@link TaskState#CLAIMED}, else ""
 * @param result    present once {@link TaskState#COMPLETED}
 * @param lastError the last failure ("" if none)
 */
public record TaskStatus(long id, String queue, String name, TaskState state, int priority, int attempts,
                         int maxAttempts, String idempotencyKey, Instant createdAt, Instant notBefore,
                         String claimedBy, long fencingToken, Instant leaseDeadline, Instant finishedAt,
                         byte[] payload, Optional<byte[]> result, String lastError) {

    static TaskStatus of(TaskInfo t) {
        return new TaskStatus(t.id(), t.queue(), t.name(), TaskState.of(t.state()), t.priority(), t.attempts(),
                t.maxAttempts(), t.idempotencyKey(), instant(t.createdAtMs()), instant(t.notBeforeMs()),
                t.claimNodeId(), t.claimToken(), instant(t.leaseDeadlineMs()), instant(t.finishedAtMs()), t.payload(),
                Optional.ofNullable(t.result()), t.lastError());
    }

    private static Instant instant(long ms) {
        return ms <= 0 ? null : Instant.ofEpochMilli(ms);
    }
}
