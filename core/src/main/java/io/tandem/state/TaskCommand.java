package io.tandem.state;

import java.util.List;

/**
 * The commands of distributed tasks ({@link Tasks}). Codes 60–89 are reserved for them; each code
 * is part of the log format (see {@link TaskCodec}). Immutable; byte arrays are read-only by
 * convention.
 */
public sealed interface TaskCommand extends Command permits TaskCommand.Submit, TaskCommand.RegisterWorkers,
        TaskCommand.UnregisterWorkers, TaskCommand.Complete, TaskCommand.Fail, TaskCommand.ExtendLeases,
        TaskCommand.Cancel, TaskCommand.Requeue, TaskCommand.PurgeDead, TaskCommand.PutSchedule,
        TaskCommand.RemoveSchedule, TaskCommand.PutCronSchedule, TaskCommand.SetScheduleSuspended {

    /**
     * Enqueues a task. {@code idempotencyKey} "" for none; otherwise a second submit with the same
     * key in the same queue returns the first task's id while that task is remembered (see
     * {@link Tasks}).
     *
     * @param delayMs       not before entry time + delay (0: ready at once)
     * @param backoffBaseMs the delay after the first failed attempt; doubled after each further one
     * @param backoffMaxMs  the longest delay between attempts
     * @param retentionMs   how long the result (or cancellation) is kept after the task finished
     */
    record Submit(String queue, String name, byte[] payload, int priority, int maxAttempts, long delayMs,
                  String idempotencyKey, long backoffBaseMs, long backoffMaxMs, long retentionMs) implements TaskCommand {
        @Override
        public byte code() {
            return 60;
        }
    }

    /**
     * The envelope's session runs up to {@code concurrency} tasks named {@code name} of
     * {@code queue} at once; each claim's lease lasts {@code leaseMs} of entry time unless extended.
     * Registering again replaces concurrency and lease. Ends with the session.
     */
    record RegisterWorkers(String queue, String name, int concurrency, long leaseMs) implements TaskCommand {
        @Override
        public byte code() {
            return 61;
        }
    }

    /** The envelope's session takes no more tasks of {@code name}; running claims stay valid. */
    record UnregisterWorkers(String queue, String name) implements TaskCommand {
        @Override
        public byte code() {
            return 62;
        }
    }

    /** The claim {@code token} of {@code taskId} finished with {@code result}; stale claims are refused. */
    record Complete(long taskId, long token, byte[] result) implements TaskCommand {
        @Override
        public byte code() {
            return 63;
        }
    }

    /** The claim {@code token} of {@code taskId} failed: retried after back-off, or dead-lettered. */
    record Fail(long taskId, long token, String error) implements TaskCommand {
        @Override
        public byte code() {
            return 64;
        }
    }

    /** Extends the leases of the envelope's session's claims ({@code taskIds[i]} with {@code tokens[i]}). */
    record ExtendLeases(List<Long> taskIds, List<Long> tokens) implements TaskCommand {
        public ExtendLeases {
            taskIds = List.copyOf(taskIds);
            tokens = List.copyOf(tokens);
            if (taskIds.size() != tokens.size()) {
                throw new IllegalArgumentException(taskIds.size() + " task ids but " + tokens.size() + " tokens");
            }
        }

        @Override
        public byte code() {
            return 65;
        }
    }

    /** Cancels a task that is ready or delayed (a claimed or finished task is not cancelled). */
    record Cancel(String queue, long taskId) implements TaskCommand {
        @Override
        public byte code() {
            return 66;
        }
    }

    /** Moves a dead-lettered task back to ready with a fresh attempt count. */
    record Requeue(String queue, long taskId) implements TaskCommand {
        @Override
        public byte code() {
            return 67;
        }
    }

    /** Deletes dead-lettered tasks of {@code queue}: one ({@code taskId} > 0) or all ({@code taskId} 0). */
    record PurgeDead(String queue, long taskId) implements TaskCommand {
        @Override
        public byte code() {
            return 68;
        }
    }

    /**
     * Creates or replaces a recurring schedule: every {@code periodMs} of entry time, starting one
     * period after this entry, a task {@code taskName} with {@code payload} is enqueued.
     */
    record PutSchedule(String queue, String schedule, String taskName, byte[] payload, long periodMs, int priority,
                       int maxAttempts, long backoffBaseMs, long backoffMaxMs, long retentionMs)
            implements TaskCommand {
        @Override
        public byte code() {
            return 69;
        }
    }

    /** Removes a schedule of either kind (fixed-interval or cron). */
    record RemoveSchedule(String queue, String schedule) implements TaskCommand {
        @Override
        public byte code() {
            return 70;
        }
    }

    /**
     * Creates or replaces a cron schedule (see {@link CronSchedules}): at every slot of
     * {@code expression} in {@code zone} (cluster entry time) a task {@code taskName} with
     * {@code payload} is enqueued, subject to the misfire, deadline and concurrency policies.
     * Replacing a schedule keeps its last fired slot, run history and counters when the
     * expression and zone are unchanged; otherwise it starts after this entry.
     *
     * @param withSeconds        the six-field form (second first) instead of the Unix five fields
     * @param misfire            {@link #MISFIRE_FIRE_ONCE}, {@link #MISFIRE_SKIP} or {@link #MISFIRE_FIRE_EACH}
     * @param misfireMaxFires    for {@link #MISFIRE_FIRE_EACH}: at most this many missed slots fire (the latest)
     * @param misfireThresholdMs a slot decided more than this after its time has misfired
     * @param startingDeadlineMs a slot decided more than this after its time never fires (0: no deadline)
     * @param concurrency        {@link #CONCURRENCY_ALLOW}, {@link #CONCURRENCY_FORBID} or {@link #CONCURRENCY_REPLACE}
     * @param keepRuns           how many of the latest slot decisions the schedule remembers
     */
    record PutCronSchedule(String queue, String schedule, String taskName, byte[] payload, String expression,
                           boolean withSeconds, String zone, byte misfire, int misfireMaxFires,
                           long misfireThresholdMs, long startingDeadlineMs, byte concurrency, int keepRuns,
                           int priority, int maxAttempts, long backoffBaseMs, long backoffMaxMs, long retentionMs)
            implements TaskCommand {
        public static final byte MISFIRE_FIRE_ONCE = 0;
        public static final byte MISFIRE_SKIP = 1;
        public static final byte MISFIRE_FIRE_EACH = 2;
        public static final byte CONCURRENCY_ALLOW = 0;
        public static final byte CONCURRENCY_FORBID = 1;
        public static final byte CONCURRENCY_REPLACE = 2;

        @Override
        public byte code() {
            return 71;
        }
    }

    /**
     * Suspends (no slot fires or counts as missed) or resumes (from the first slot after this
     * entry) a cron schedule.
     */
    record SetScheduleSuspended(String queue, String schedule, boolean suspended) implements TaskCommand {
        @Override
        public byte code() {
            return 72;
        }
    }
}
