package io.tandem.task;

/**
 * Counts of one queue's tasks by state, its registered worker slots across all nodes, and its
 * schedules. {@code completed} and {@code cancelled} count tasks still within their retention.
 */
public record QueueStats(String queue, long ready, long delayed, long claimed, long dead, long completed,
                         long cancelled, long workerSlots, long schedules) {

    static QueueStats of(io.tandem.state.TaskStats s) {
        return new QueueStats(s.queue(), s.ready(), s.delayed(), s.claimed(), s.dead(), s.completed(),
                s.cancelled(), s.workerSlots(), s.schedules());
    }
}
