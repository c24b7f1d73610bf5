package io.tandem.sim;

import io.tandem.state.CronSlots;
import io.tandem.state.ScheduleInfo;
import io.tandem.state.ScheduleRun;
import io.tandem.state.StateMachine;
import io.tandem.state.TaskCommand;
import io.tandem.state.TaskEvents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Invariants of cron schedules in the simulation, on every replica's real state machine, under
 * the simulator's partitions, crashes (with snapshot restores) and clock jumps:
 * <ul>
 *   <li><b>CronSlotOnce</b>: a (schedule, slot) is decided the same way everywhere — the same
 *       outcome, the same task, the same span — so no slot starts two tasks, across leader changes,
 *       replays and restores.</li>
 *   <li><b>CronSlotBeforeItsTime</b>: no slot is decided by an apply whose entry time is before it.</li>
 *   <li><b>CronSlotsInOrder</b>: on a replica, each decision starts at the slot after the previous
 *       one (none skipped, none decided twice).</li>
 *   <li><b>CronDueLeftBehind</b>: no entry at or past a schedule's next slot applies without deciding it.</li>
 *   <li><b>CronMisfirePolicy</b>: a slot within the misfire threshold is never MISSED, a MISSED span
 *       lies entirely before the threshold; per apply, FIRE_ONCE starts at most one late run, FIRE_EACH
 *       at most its bound, SKIP none; no run starts past the starting deadline and every PAST_DEADLINE
 *       slot is past it.</li>
 *   <li><b>CronConcurrencyPolicy</b>: FORBID skips a slot exactly when an earlier run is unfinished;
 *       REPLACE has no unfinished earlier run once the new one starts.</li>
 * </ul>
 */
final class CronChecks {

    static final String QUEUE = TaskWorkload.QUEUE;

    /** The simulated schedules: name -> command (put by one agent once). */
    static final List<TaskCommand.PutCronSchedule> SCHEDULES = List.of(
            put("cron-once", "* * * * * *", TaskCommand.PutCronSchedule.MISFIRE_FIRE_ONCE, 1, 1_500, 0,
                    TaskCommand.PutCronSchedule.CONCURRENCY_ALLOW),
            put("cron-skip", "*/2 * * * * *", TaskCommand.PutCronSchedule.MISFIRE_SKIP, 1, 1_000, 0,
                    TaskCommand.PutCronSchedule.CONCURRENCY_FORBID),
            put("cron-each", "*/3 * * * * *", TaskCommand.PutCronSchedule.MISFIRE_FIRE_EACH, 2, 500, 4_000,
                    TaskCommand.PutCronSchedule.CONCURRENCY_REPLACE));

    private static TaskCommand.PutCronSchedule put(String name, String expr, byte misfire, int max, long threshold,
                                                   long deadline, byte concurrency) {
        return new TaskCommand.PutCronSchedule(QUEUE, name, "a", name.getBytes(StandardCharsets.UTF_8), expr, true,
                "UTC", misfire, max, threshold, deadline, concurrency, 200, 0, 3, 20, 200, 3_600_000);
    }

    private static final TreeMap<String, TaskCommand.PutCronSchedule> SPECS = new TreeMap<>();
    private static final TreeMap<String, CronSlots> SLOTS = new TreeMap<>();

    static {
        for (TaskCommand.PutCronSchedule p : SCHEDULES) {
            SPECS.put(p.schedule(), p);
            SLOTS.put(p.schedule(), CronSlots.compile(p.expression(), p.withSeconds(), p.zone()));
        }
    }

    private record Decision(long firstSlot, int slots, ScheduleRun.Outcome outcome, long taskId) {
    }

    /** Per replica and schedule. */
    private static final class Model {
        long lastSlot = Long.MIN_VALUE;
        final TreeSet<Long> unfinished = new TreeSet<>();
        long applyIndex = -1;
        int lateRuns;
    }

    private final Simulator sim;
    /** Over all replicas: schedule -> last slot of a decision -> the decision. */
    private final TreeMap<String, TreeMap<Long, Decision>> decided = new TreeMap<>();
    private final TreeMap<String, TreeMap<String, Model>> models = new TreeMap<>();
    private long fires;
    private long misses;

    CronChecks(Simulator sim) {
        this.sim = sim;
    }

    static boolean isCron(String schedule) {
        return SPECS.containsKey(schedule);
    }

    /** A replica (re)built its state: its model starts from what the state says. */
    void attach(String nodeId, StateMachine sm) {
        TreeMap<String, Model> m = new TreeMap<>();
        for (ScheduleInfo s : sm.schedules(QUEUE)) {
            if (!s.cron()) {
                continue;
            }
            Model model = new Model();
            model.lastSlot = s.lastSlotMs();
            for (ScheduleRun r : s.runs()) {
                if (r.outcome() == ScheduleRun.Outcome.ENQUEUED) {
                    model.unfinished.add(r.taskId());
                }
            }
            m.put(s.name(), model);
        }
        models.put(nodeId, m);
    }

    /** The replica applied a PutCronSchedule that created a schedule at entry time {@code now}. */
    void created(String nodeId, String schedule, long now) {
        models.get(nodeId).computeIfAbsent(schedule, k -> {
            Model model = new Model();
            model.lastSlot = now;
            return model;
        });
    }

    void taskFinished(String nodeId, long taskId) {
        for (Model model : models.get(nodeId).values()) {
            model.unfinished.remove(taskId);
        }
    }

    void decided(String nodeId, StateMachine sm, TaskEvents.Fired f) {
        String name = f.schedule();
        TaskCommand.PutCronSchedule spec = SPECS.get(name);
        CronSlots slots = SLOTS.get(name);
        Model model = models.get(nodeId).get(name);
        long entryTime = sm.lastTimestamp();
        if (model == null) {
            throw sim.failure("CronSlotsInOrder", nodeId + ": " + name + " decided slot " + f.fireTimeMs()
                    + " but the replica never created it");
        }
        // Global: one decision per slot.
        Decision d = new Decision(f.firstSlotMs(), f.slots(), f.outcome(), f.taskId());
        Decision known = decided.computeIfAbsent(name, k -> new TreeMap<>()).putIfAbsent(f.fireTimeMs(), d);
        if (known != null && !known.equals(d)) {
            throw sim.failure("CronSlotOnce", nodeId + ": " + name + " slot " + f.fireTimeMs() + " decided as " + d
                    + " but another apply decided it as " + known);
        }
        if (f.fireTimeMs() > entryTime) {
            throw sim.failure("CronSlotBeforeItsTime", nodeId + ": " + name + " decided slot " + f.fireTimeMs()
                    + " (" + f.outcome() + ") in an apply at entry time " + entryTime);
        }
        long expectedFirst = slots.next(model.lastSlot);
        if (f.firstSlotMs() != expectedFirst || f.fireTimeMs() < f.firstSlotMs()) {
            throw sim.failure("CronSlotsInOrder", nodeId + ": " + name + " decided slots " + f.firstSlotMs() + ".."
                    + f.fireTimeMs() + " but the slot after the last one decided (" + model.lastSlot + ") is "
                    + expectedFirst);
        }
        model.lastSlot = f.fireTimeMs();
        checkPolicies(nodeId, sm, spec, model, f, entryTime);
        if (known == null) {
            if (f.enqueued()) {
                fires++;
            } else {
                misses += f.slots();
            }
        }
    }

    private void checkPolicies(String nodeId, StateMachine sm, TaskCommand.PutCronSchedule spec, Model model,
                               TaskEvents.Fired f, long entryTime) {
        long lateness = entryTime - f.fireTimeMs();
        boolean late = lateness > spec.misfireThresholdMs();
        String where = nodeId + ": " + spec.schedule() + " slot " + f.fireTimeMs() + " " + f.outcome() + " at entry "
                + sm.lastIndex() + " time " + entryTime + " (lateness " + lateness + " ms)";
        if (model.applyIndex != sm.lastIndex()) {
            model.applyIndex = sm.lastIndex();
            model.lateRuns = 0;
        }
        switch (f.outcome()) {
            case MISSED -> {
                if (!late) {
                    throw sim.failure("CronMisfirePolicy", where + ": missed within the misfire threshold of "
                            + spec.misfireThresholdMs() + " ms");
                }
            }
            case PAST_DEADLINE -> {
                if (spec.startingDeadlineMs() == 0 || lateness <= spec.startingDeadlineMs()) {
                    throw sim.failure("CronMisfirePolicy", where + ": reported past a deadline of "
                            + spec.startingDeadlineMs() + " ms");
                }
            }
            case ENQUEUED, SKIPPED_RUNNING -> {
                if (spec.startingDeadlineMs() > 0 && lateness > spec.startingDeadlineMs()) {
                    throw sim.failure("CronMisfirePolicy", where + ": past the starting deadline of "
                            + spec.startingDeadlineMs() + " ms");
                }
                if (late) {
                    model.lateRuns++;
                    int allowed = switch (spec.misfire()) {
                        case TaskCommand.PutCronSchedule.MISFIRE_SKIP -> 0;
                        case TaskCommand.PutCronSchedule.MISFIRE_FIRE_EACH -> spec.misfireMaxFires();
                        default -> 1;
                    };
                    if (model.lateRuns > allowed) {
                        throw sim.failure("CronMisfirePolicy", where + ": late run " + model.lateRuns + " of this apply"
                                + " under misfire policy " + spec.misfire() + " (at most " + allowed + ")");
                    }
                }
                checkConcurrency(spec, model, f, where);
            }
            default -> throw sim.failure("CronMisfirePolicy", where + ": unexpected decision outcome");
        }
    }

    private void checkConcurrency(TaskCommand.PutCronSchedule spec, Model model, TaskEvents.Fired f, String where) {
        boolean busy = !model.unfinished.isEmpty();
        switch (spec.concurrency()) {
            case TaskCommand.PutCronSchedule.CONCURRENCY_FORBID -> {
                if (busy != (f.outcome() == ScheduleRun.Outcome.SKIPPED_RUNNING)) {
                    throw sim.failure("CronConcurrencyPolicy", where + " under FORBID while unfinished runs are "
                            + model.unfinished);
                }
            }
            case TaskCommand.PutCronSchedule.CONCURRENCY_REPLACE -> {
                if (busy || f.outcome() != ScheduleRun.Outcome.ENQUEUED) {
                    throw sim.failure("CronConcurrencyPolicy", where + " under REPLACE while unfinished runs are "
                            + model.unfinished);
                }
            }
            default -> {
                if (f.outcome() != ScheduleRun.Outcome.ENQUEUED) {
                    throw sim.failure("CronConcurrencyPolicy", where + " under ALLOW");
                }
            }
        }
        if (f.enqueued()) {
            model.unfinished.add(f.taskId());
        }
    }

    /** After an apply: no schedule may have a slot due at or before the entry's time. */
    void afterApply(String nodeId, StateMachine sm, long index) {
        for (Map.Entry<String, Model> e : models.get(nodeId).entrySet()) {
            long next = SLOTS.get(e.getKey()).next(e.getValue().lastSlot);
            if (next <= sm.lastTimestamp()) {
                throw sim.failure("CronDueLeftBehind", nodeId + ": entry " + index + " at time " + sm.lastTimestamp()
                        + " applied but " + e.getKey() + " did not decide its slot " + next);
            }
        }
    }

    /** At the end: each schedule decided slots, and some ran. */
    void checkEnd() {
        if (fires == 0) {
            throw sim.failure("CronLiveness", "no cron schedule fired; " + summary());
        }
    }

    String summary() {
        return fires + " cron fires, " + misses + " cron slots missed";
    }
}
