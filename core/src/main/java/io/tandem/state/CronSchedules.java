package io.tandem.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Cron schedules inside the replicated state machine (part of {@link Tasks}). Deterministic: every
 * decision is made in apply from the entry's timestamp (cluster time) and the schedule's recorded
 * state; every map is sorted.
 *
 * <p><b>Slots.</b> A schedule records {@code lastSlot}, the last slot it decided. The slots due
 * at entry time {@code now} are those of {@link CronSlots} in {@code (lastSlot, now]}; they are
 * decided in one apply — the first entry whose time reaches them — and {@code lastSlot} moves to
 * the latest of them <em>in that same apply</em>, together with the tasks enqueued. So a slot is
 * decided once on every replica: a later entry, a new leader, a replay after a crash or a restore
 * from a snapshot all see it recorded. A due-time index (entry time → schedules) means an apply
 * touches only the schedules whose next slot has come.
 *
 * <p><b>Decisions.</b> A slot decided within {@code misfireThreshold} of its time is on time and
 * fires. A slot decided later has misfired (no entry was committed in time: no majority, or the
 * cluster was stopped); the misfire policy decides the misfired slots of one apply: FIRE_ONCE
 * fires the latest and reports the others MISSED, SKIP reports them all MISSED, FIRE_EACH fires
 * the latest {@code misfireMaxFires} and reports the rest MISSED. Any slot decided later than the
 * starting deadline (when set) is PAST_DEADLINE instead of firing. A slot that would fire then
 * meets the concurrency policy: ALLOW enqueues, FORBID reports SKIPPED_RUNNING while an earlier
 * run's task is unfinished, REPLACE cancels the unfinished runs (revoking a claim: its result is
 * refused) and enqueues.
 *
 * <p><b>Suspension.</b> A suspended schedule decides nothing; resuming starts from the first slot
 * after the resuming entry (the slots in between are neither fired nor counted).
 */
final class CronSchedules {

    /** Misfired slots are counted one by one up to this many per decision; a span beyond it is capped. */
    static final int MAX_COUNTED_SLOTS = 1000;
    static final int MAX_KEEP_RUNS = 10_000;

    /** What the schedules need from the task queues. */
    interface Host {
        /** Enqueues the schedule's task, ready now; returns its id. */
        long enqueue(TaskCommand.PutCronSchedule spec, long now);

        /** Cancels a waiting task or revokes a claimed one (its worker's result will be refused). */
        void revoke(long taskId, String why, long now);

        void decided(TaskEvents.Fired fired);
    }

    static final class Schedule {
        final String key;
        TaskCommand.PutCronSchedule spec;
        CronSlots slots;
        boolean suspended;
        long lastSlotMs;
        /** Derived from lastSlotMs (and the index key while not suspended). */
        long nextSlotMs;
        long fires;
        long misses;
        final TreeSet<Long> active = new TreeSet<>();
        final ArrayDeque<ScheduleRun> runs = new ArrayDeque<>();

        Schedule(String key) {
            this.key = key;
        }
    }

    private final Host host;
    private final TreeMap<String, Schedule> schedules = new TreeMap<>();
    private final TreeMap<Long, TreeSet<String>> due = new TreeMap<>();
    /** Unfinished tasks enqueued by a schedule -> its key. */
    private final TreeMap<Long, String> runOf = new TreeMap<>();
    private InjectedScheduleBug bug;
    private LongSupplier localClock;

    CronSchedules(Host host) {
        this.host = host;
    }

    void injectBugForTesting(InjectedScheduleBug bug, LongSupplier localClock) {
        this.bug = bug;
        this.localClock = localClock;
    }

    // ------------------------------------------------------------------ commands

    /** Validates in apply (a second line behind the API); null when valid. */
    static String problem(TaskCommand.PutCronSchedule p) {
        String cron = CronSlots.problem(p.expression(), p.withSeconds(), p.zone());
        if (cron != null) {
            return cron;
        }
        if (p.misfire() < 0 || p.misfire() > 2) {
            return "misfire policy code " + p.misfire() + " is unknown (0 fire once, 1 skip, 2 fire each)";
        }
        if (p.misfire() == TaskCommand.PutCronSchedule.MISFIRE_FIRE_EACH
                && (p.misfireMaxFires() < 1 || p.misfireMaxFires() > MAX_COUNTED_SLOTS)) {
            return "fire-each misfire bound " + p.misfireMaxFires() + " must be between 1 and " + MAX_COUNTED_SLOTS;
        }
        if (p.misfireThresholdMs() < 0) {
            return "misfire threshold " + p.misfireThresholdMs() + " ms must be >= 0";
        }
        if (p.startingDeadlineMs() < 0) {
            return "starting deadline " + p.startingDeadlineMs() + " ms must be >= 0 (0: none)";
        }
        if (p.concurrency() < 0 || p.concurrency() > 2) {
            return "concurrency policy code " + p.concurrency() + " is unknown (0 allow, 1 forbid, 2 replace)";
        }
        if (p.keepRuns() < 0 || p.keepRuns() > MAX_KEEP_RUNS) {
            return "runs to keep " + p.keepRuns() + " must be between 0 and " + MAX_KEEP_RUNS;
        }
        return null;
    }

    /** Creates or replaces; returns 1 if it is new. The spec is valid. */
    long put(String key, TaskCommand.PutCronSchedule p, long now) {
        Schedule s = schedules.get(key);
        boolean created = s == null;
        if (created) {
            s = new Schedule(key);
            schedules.put(key, s);
            s.lastSlotMs = now;
        } else {
            unindex(s);
            boolean sameSlots = s.spec.expression().equals(p.expression()) && s.spec.withSeconds() == p.withSeconds()
                    && s.spec.zone().equals(p.zone());
            if (!sameSlots) {
                s.lastSlotMs = now;
            }
        }
        s.spec = p;
        s.slots = CronSlots.compile(p.expression(), p.withSeconds(), p.zone());
        s.nextSlotMs = s.slots.next(s.lastSlotMs);
        while (s.runs.size() > p.keepRuns()) {
            s.runs.pollFirst();
        }
        index(s);
        return created ? 1 : 0;
    }

    boolean contains(String key) {
        return schedules.containsKey(key);
    }

    boolean remove(String key) {
        Schedule s = schedules.remove(key);
        if (s == null) {
            return false;
        }
        unindex(s);
        for (long id : s.active) {
            runOf.remove(id); // the tasks stay; they just no longer belong to a schedule
        }
        return true;
    }

    /** Returns 1 if the state changed, 0 if it already was so, -1 if there is no such schedule. */
    long setSuspended(String key, boolean suspended, long now) {
        Schedule s = schedules.get(key);
        if (s == null) {
            return -1;
        }
        if (s.suspended == suspended) {
            return 0;
        }
        unindex(s);
        s.suspended = suspended;
        if (!suspended) {
            s.lastSlotMs = Math.max(s.lastSlotMs, now);
            s.nextSlotMs = s.slots.next(s.lastSlotMs);
        }
        index(s);
        return 1;
    }

    // ------------------------------------------------------------------ time

    /** Entry time reached {@code now}: decide every slot that has come. */
    void advance(long now) {
        long t = bug == InjectedScheduleBug.FIRE_FROM_LOCAL_CLOCK ? localClock.getAsLong() : now;
        while (!due.isEmpty() && due.firstKey() <= t) {
            for (String k : due.pollFirstEntry().getValue()) {
                decide(schedules.get(k), t);
            }
        }
    }

    private void decide(Schedule s, long now) {
        TaskCommand.PutCronSchedule p = s.spec;
        long first = s.nextSlotMs;
        // The usual case, one slot due: one cron-utils call (the slot after it) decides it all.
        long afterFirst = s.slots.next(first);
        long latest = afterFirst > now ? first : s.slots.previousOrSame(now);
        long firstSlot = first;
        java.util.function.LongUnaryOperator nextOf = x -> x == firstSlot ? afterFirst : s.slots.next(x);
        long cut = now - p.misfireThresholdMs(); // slots before it have misfired
        long deadline = p.startingDeadlineMs() > 0 ? p.startingDeadlineMs() : Long.MAX_VALUE;
        List<Long> fire = new ArrayList<>();
        if (first < cut) {
            long lastMisfired = s.slots.previousOrSame(cut - 1);
            int keep = switch (p.misfire()) {
                case TaskCommand.PutCronSchedule.MISFIRE_SKIP -> 0;
                case TaskCommand.PutCronSchedule.MISFIRE_FIRE_EACH -> p.misfireMaxFires();
                default -> 1;
            };
            // The latest `keep` misfired slots fire (walking back from the newest); older ones are missed.
            List<Long> kept = new ArrayList<>();
            for (long slot = lastMisfired; kept.size() < keep && slot >= first;
                 slot = s.slots.previousOrSame(slot - 1)) {
                kept.add(0, slot);
            }
            long missedUpTo = kept.isEmpty() ? lastMisfired : s.slots.previousOrSame(kept.get(0) - 1);
            if (missedUpTo >= first) {
                recordMissSpan(s, first, missedUpTo, now);
            }
            fire.addAll(kept);
            first = nextOf.applyAsLong(lastMisfired);
        }
        for (long slot = first; slot <= latest; slot = nextOf.applyAsLong(slot)) {
            fire.add(slot);
        }
        for (long slot : fire) {
            if (now - slot > deadline) {
                record(s, new ScheduleRun(slot, slot, 1, now, 0, ScheduleRun.Outcome.PAST_DEADLINE));
            } else {
                start(s, slot, now);
            }
        }
        if (bug != InjectedScheduleBug.SLOT_NOT_RECORDED) {
            s.lastSlotMs = latest;
        }
        s.nextSlotMs = nextOf.applyAsLong(latest);
        index(s);
    }

    private void recordMissSpan(Schedule s, long from, long to, long now) {
        int n = 0;
        for (long slot = from; slot <= to && n < MAX_COUNTED_SLOTS; slot = s.slots.next(slot)) {
            n++;
        }
        record(s, new ScheduleRun(to, from, n, now, 0, ScheduleRun.Outcome.MISSED));
    }

    private void start(Schedule s, long slot, long now) {
        TaskCommand.PutCronSchedule p = s.spec;
        if (p.concurrency() == TaskCommand.PutCronSchedule.CONCURRENCY_FORBID && !s.active.isEmpty()) {
            record(s, new ScheduleRun(slot, slot, 1, now, 0, ScheduleRun.Outcome.SKIPPED_RUNNING));
            return;
        }
        if (p.concurrency() == TaskCommand.PutCronSchedule.CONCURRENCY_REPLACE) {
            for (long old : new ArrayList<>(s.active)) {
                host.revoke(old, "replaced by the run for slot " + slot + " of schedule " + p.schedule()
                        + " (concurrency policy REPLACE)", now);
                setOutcome(s, old, ScheduleRun.Outcome.REPLACED);
            }
        }
        long id = host.enqueue(p, now);
        s.active.add(id);
        runOf.put(id, s.key);
        record(s, new ScheduleRun(slot, slot, 1, now, id, ScheduleRun.Outcome.ENQUEUED));
    }

    private void record(Schedule s, ScheduleRun run) {
        if (run.outcome() == ScheduleRun.Outcome.ENQUEUED) {
            s.fires++;
        } else {
            s.misses += run.slots();
        }
        if (s.spec.keepRuns() > 0) {
            s.runs.addLast(run);
            while (s.runs.size() > s.spec.keepRuns()) {
                s.runs.pollFirst();
            }
        }
        host.decided(new TaskEvents.Fired(s.spec.queue(), s.spec.schedule(), run.slotMs(), run.taskId(),
                run.decidedAtMs(), run.outcome(), run.firstSlotMs(), run.slots()));
    }

    /** A task reached a final state: if a schedule enqueued it, its run gets that outcome. */
    void taskFinished(long taskId, TaskState state) {
        String key = runOf.remove(taskId);
        if (key == null) {
            return;
        }
        Schedule s = schedules.get(key);
        s.active.remove(taskId);
        setOutcome(s, taskId, switch (state) {
            case COMPLETED -> ScheduleRun.Outcome.COMPLETED;
            case DEAD -> ScheduleRun.Outcome.DEAD;
            default -> ScheduleRun.Outcome.CANCELLED;
        });
    }

    private static void setOutcome(Schedule s, long taskId, ScheduleRun.Outcome o) {
        // Newest first: a finishing task is almost always among the last runs.
        List<ScheduleRun> tail = new ArrayList<>();
        Iterator<ScheduleRun> it = s.runs.descendingIterator();
        while (it.hasNext()) {
            ScheduleRun r = it.next();
            if (r.taskId() == taskId) {
                it.remove();
                tail.add(0, r.withOutcome(o));
                break;
            }
            it.remove();
            tail.add(0, r);
        }
        s.runs.addAll(tail);
    }

    // ------------------------------------------------------------------ index

    private void index(Schedule s) {
        if (!s.suspended && s.nextSlotMs != Long.MAX_VALUE) {
            due.computeIfAbsent(s.nextSlotMs, k -> new TreeSet<>()).add(s.key);
        }
    }

    private void unindex(Schedule s) {
        TreeSet<String> set = due.get(s.nextSlotMs);
        if (set != null && set.remove(s.key) && set.isEmpty()) {
            due.remove(s.nextSlotMs);
        }
    }

    // ------------------------------------------------------------------ reads

    /** The earliest due slot of any schedule, or {@link Long#MAX_VALUE}. */
    long nextDue() {
        return due.isEmpty() ? Long.MAX_VALUE : due.firstKey();
    }

    Iterable<String> keys() {
        return schedules.keySet();
    }

    java.util.SortedMap<String, Schedule> from(String prefix) {
        return schedules.tailMap(prefix);
    }

    ScheduleInfo info(Schedule s) {
        TaskCommand.PutCronSchedule p = s.spec;
        return new ScheduleInfo(p.queue(), p.schedule(), p.taskName(), true, p.expression(), p.withSeconds(),
                p.zone(), 0, p.misfire(), p.misfireMaxFires(), p.misfireThresholdMs(), p.startingDeadlineMs(),
                p.concurrency(), s.suspended, s.suspended ? Long.MAX_VALUE : s.nextSlotMs, s.lastSlotMs, s.fires,
                s.misses, List.copyOf(s.runs));
    }

    int size() {
        return schedules.size();
    }

    // ------------------------------------------------------------------ snapshot

    /**
     * i32 schedules N, N x (PutCronSchedule as in the log, code included; u8 suspended;
     * i64 last slot; i64 fires; i64 misses; i32 active A, A x i64 task id;
     * i32 runs R, R x (i64 slot, i64 first slot, i32 slots, i64 decided at, i64 task id, u8 outcome)).
     * The next slot and the due index are derived from the last slot on restore.
     */
    void write(DataOutputStream out) throws IOException {
        out.writeInt(schedules.size());
        for (Schedule s : schedules.values()) {
            TaskCodec.writeCommand(out, s.spec);
            out.writeBoolean(s.suspended);
            out.writeLong(s.lastSlotMs);
            out.writeLong(s.fires);
            out.writeLong(s.misses);
            out.writeInt(s.active.size());
            for (long id : s.active) {
                out.writeLong(id);
            }
            out.writeInt(s.runs.size());
            for (ScheduleRun r : s.runs) {
                out.writeLong(r.slotMs());
                out.writeLong(r.firstSlotMs());
                out.writeInt(r.slots());
                out.writeLong(r.decidedAtMs());
                out.writeLong(r.taskId());
                out.writeByte(r.outcome().code);
            }
        }
    }

    void clear() {
        schedules.clear();
        due.clear();
        runOf.clear();
    }

    void read(DataInputStream in) throws IOException {
        clear();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            Command cmd = CommandCodec.readCommand(in);
            if (!(cmd instanceof TaskCommand.PutCronSchedule spec)) {
                throw new IOException("task snapshot: expected a cron schedule, found " + cmd);
            }
            Schedule s = new Schedule(Tasks.key(spec.queue(), spec.schedule()));
            s.spec = spec;
            s.slots = CronSlots.compile(spec.expression(), spec.withSeconds(), spec.zone());
            s.suspended = in.readBoolean();
            s.lastSlotMs = in.readLong();
            s.fires = in.readLong();
            s.misses = in.readLong();
            int a = in.readInt();
            for (int j = 0; j < a; j++) {
                long id = in.readLong();
                s.active.add(id);
                runOf.put(id, s.key);
            }
            int r = in.readInt();
            for (int j = 0; j < r; j++) {
                s.runs.addLast(new ScheduleRun(in.readLong(), in.readLong(), in.readInt(), in.readLong(),
                        in.readLong(), ScheduleRun.Outcome.of(in.readByte())));
            }
            s.nextSlotMs = s.slots.next(s.lastSlotMs);
            schedules.put(s.key, s);
            index(s);
        }
    }
}
