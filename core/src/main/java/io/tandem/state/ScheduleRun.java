package io.tandem.state;

/**
 * One decision of a cron schedule about one slot, or about a span of slots missed together.
 *
 * @param slotMs      the slot (entry-time ms); for a span, its last slot
 * @param firstSlotMs the first slot of a span ({@code slotMs} for one slot)
 * @param slots       how many slots the record stands for (1 unless a span of misses)
 * @param decidedAtMs the entry time of the apply that decided it (cluster time)
 * @param taskId      the task enqueued for it, 0 if none
 * @param outcome     what became of it; an enqueued run's outcome follows its task
 */
public record ScheduleRun(long slotMs, long firstSlotMs, int slots, long decidedAtMs, long taskId, Outcome outcome) {

    /** What a slot came to. Codes are part of the snapshot format. */
    public enum Outcome {
        /** A task was enqueued and has not finished yet. */
        ENQUEUED(1),
        COMPLETED(2),
        /** The task was dead-lettered after its attempts. */
        DEAD(3),
        CANCELLED(4),
        /** The task was cancelled (its claim revoked) by the next slot under the REPLACE policy. */
        REPLACED(5),
        /** Misfired (decided later than the misfire threshold) and dropped by the misfire policy. */
        MISSED(6),
        /** Decided later than the starting deadline: never started. */
        PAST_DEADLINE(7),
        /** Skipped under the FORBID policy: the previous run had not finished. */
        SKIPPED_RUNNING(8);

        public final int code;

        Outcome(int code) {
            this.code = code;
        }

        static Outcome of(int code) {
            for (Outcome o : values()) {
                if (o.code == code) {
                    return o;
                }
            }
            throw new IllegalArgumentException("unknown schedule run outcome code " + code);
        }

        /** Whether the slot counts as missed (no run started for it). */
        public boolean isMiss() {
            return this == MISSED || this == PAST_DEADLINE || this == SKIPPED_RUNNING;
        }
    }

    /** How late the decision came after the slot, in entry time. */
    public long latenessMs() {
        return decidedAtMs - slotMs;
    }

    ScheduleRun withOutcome(Outcome o) {
        return new ScheduleRun(slotMs, firstSlotMs, slots, decidedAtMs, taskId, o);
    }
}
