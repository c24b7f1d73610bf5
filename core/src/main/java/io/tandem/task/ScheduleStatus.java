package io.tandem.task;

import io.tandem.state.ScheduleInfo;
import io.tandem.state.ScheduleRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A schedule as the cluster holds it ({@link TaskQueue#schedules()}). Times are cluster time (the
 * log's entry timestamps).
 *
 * @param cron       true for a cron schedule, false for a fixed-interval one
 * @param expression the cron expression ("" for fixed-interval)
 * @param zone       the cron zone id ("UTC" for fixed-interval)
 * @param period     the fixed interval ({@link Duration#ZERO} for cron)
 * @param nextFire   the next slot; empty while suspended
 * @param fires      runs started so far (cron)
 * @param misses     slots that started no run (cron): missed, past deadline, or skipped while running
 * @param runs       the latest slot decisions, oldest first (cron; {@link Cron#keepRuns})
 */
public record ScheduleStatus(String queue, String name, String taskName, boolean cron, String expression,
                             boolean withSeconds, String zone, Duration period, Cron.Misfire misfire,
                             Cron.Concurrency concurrency, boolean suspended, Optional<Instant> nextFire,
                             long fires, long misses, List<Run> runs) {

    /** What a slot (or a span of missed slots) came to. */
    public enum Outcome { ENQUEUED, COMPLETED, DEAD, CANCELLED, REPLACED, MISSED, PAST_DEADLINE, SKIPPED_RUNNING;

        /** Whether no run started for the slot. */
        public boolean isMiss() {
            return this == MISSED || this == PAST_DEADLINE || this == SKIPPED_RUNNING;
        }
    }

    /**
     * One decision.
     *
     * @param slot      the slot (for a span of misses, the last one)
     * @param firstSlot the first slot of a span ({@code slot} otherwise)
     * @param slots     slots it stands for
     * @param decidedAt cluster time of the decision
     * @param taskId    the task started for it, 0 if none
     */
    public record Run(Instant slot, Instant firstSlot, int slots, Instant decidedAt, long taskId, Outcome outcome) {
        /** How late after its slot the run was decided (cluster time). */
        public Duration lateness() {
            return Duration.between(slot, decidedAt);
        }
    }

    /** The newest decision. */
    public Optional<Run> lastRun() {
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(runs.size() - 1));
    }

    /** The newest decision's outcome. */
    public Optional<Outcome> lastOutcome() {
        return lastRun().map(Run::outcome);
    }

    /** The lateness of the newest decision. */
    public Optional<Duration> lastLateness() {
        return lastRun().map(Run::lateness);
    }

    static ScheduleStatus of(ScheduleInfo s) {
        List<Run> runs = new ArrayList<>();
        for (ScheduleRun r : s.runs()) {
            runs.add(new Run(Instant.ofEpochMilli(r.slotMs()), Instant.ofEpochMilli(r.firstSlotMs()), r.slots(),
                    Instant.ofEpochMilli(r.decidedAtMs()), r.taskId(), Outcome.valueOf(r.outcome().name())));
        }
        return new ScheduleStatus(s.queue(), s.name(), s.taskName(), s.cron(), s.expression(), s.withSeconds(),
                s.zone(), Duration.ofMillis(s.periodMs()), Cron.Misfire.values()[s.misfire()],
                Cron.Concurrency.values()[s.concurrency()], s.suspended(),
                s.nextFireMs() == Long.MAX_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(s.nextFireMs())),
                s.fires(), s.misses(), List.copyOf(runs));
    }
}
