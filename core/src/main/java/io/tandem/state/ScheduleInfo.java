package io.tandem.state;

import java.util.List;

/**
 * A schedule as the state machine holds it (a read; see {@link StateMachine#schedules}).
 *
 * @param cron               true for a cron schedule, false for a fixed-interval one
 * @param expression         the cron expression, or "" for a fixed-interval schedule
 * @param periodMs           the period of a fixed-interval schedule, 0 for cron
 * @param nextFireMs         the next slot (entry-time ms); {@link Long#MAX_VALUE} while suspended
 * @param lastSlotMs         the last slot decided (fired or missed), 0 before any
 * @param fires              tasks enqueued so far (cron schedules)
 * @param misses             slots that started no run so far (cron schedules)
 * @param runs               the latest decisions, oldest first (cron schedules)
 */
public record ScheduleInfo(String queue, String name, String taskName, boolean cron, String expression,
                           boolean withSeconds, String zone, long periodMs, byte misfire, int misfireMaxFires,
                           long misfireThresholdMs, long startingDeadlineMs, byte concurrency, boolean suspended,
                           long nextFireMs, long lastSlotMs, long fires, long misses, List<ScheduleRun> runs) {
    public ScheduleInfo {
        runs = List.copyOf(runs);
    }

    /** The newest decision, if any. */
    public ScheduleRun lastRun() {
        return runs.isEmpty() ? null : runs.get(runs.size() - 1);
    }
}
