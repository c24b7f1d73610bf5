package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.state.ScheduleRun.Outcome;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cron schedules in the state machine: one decision per slot, from entry time, under every policy. */
class CronSchedulesTest {

    private static final byte ONCE = TaskCommand.PutCronSchedule.MISFIRE_FIRE_ONCE;
    private static final byte SKIP = TaskCommand.PutCronSchedule.MISFIRE_SKIP;
    private static final byte EACH = TaskCommand.PutCronSchedule.MISFIRE_FIRE_EACH;
    private static final byte ALLOW = TaskCommand.PutCronSchedule.CONCURRENCY_ALLOW;
    private static final byte FORBID = TaskCommand.PutCronSchedule.CONCURRENCY_FORBID;
    private static final byte REPLACE = TaskCommand.PutCronSchedule.CONCURRENCY_REPLACE;

    private StateMachine sm = newMachine();
    private final List<TaskEvents.Fired> fired = new ArrayList<>();
    private final List<TaskEvents.Assigned> assigned = new ArrayList<>();
    private final List<TaskEvents.ClaimLost> lost = new ArrayList<>();
    private long index;
    private long seq;
    private long session;

    private StateMachine newMachine() {
        StateMachine m = new StateMachine(new StateMachine.Limits(64, 1024, 1000, 1000, 1000, 3_600_000));
        m.setListener(new StateMachine.Listener() {
            @Override
            public void onScheduleFired(TaskEvents.Fired f) {
                fired.add(f);
            }

            @Override
            public void onTaskAssigned(TaskEvents.Assigned a) {
                assigned.add(a);
            }

            @Override
            public void onTaskClaimLost(TaskEvents.ClaimLost c) {
                lost.add(c);
            }
        });
        return m;
    }

    private CommandResult run(long at, Command c) {
        if (session == 0) {
            session = ((CommandResult.SessionOpened) sm.apply(++index, at,
                    new Envelope(0, 0, 0, new Command.OpenSession("a", 3_600_000, 1)))).sessionId();
        }
        return sm.apply(++index, at, new Envelope(session, ++seq, 0, c));
    }

    private static TaskCommand.PutCronSchedule cron(String name, String expr, boolean seconds, String zone,
                                                    byte misfire, int maxFires, long thresholdMs, long deadlineMs,
                                                    byte concurrency) {
        return new TaskCommand.PutCronSchedule("q", name, "job", "p".getBytes(StandardCharsets.UTF_8), expr, seconds,
                zone, misfire, maxFires, thresholdMs, deadlineMs, concurrency, 100, 0, 3, 10, 100, 60_000);
    }

    /** Every second, UTC, put at entry time 1000 (so the first slot is 2000). */
    private void everySecond(byte misfire, int maxFires, long thresholdMs, long deadlineMs, byte concurrency) {
        assertEquals(new TaskResult.Count(1), run(1000, cron("s", "* * * * * *", true, "UTC", misfire, maxFires,
                thresholdMs, deadlineMs, concurrency)));
    }

    private void tick(long at) {
        sm.advance(++index, at);
    }

    private List<String> decisions() {
        List<String> out = new ArrayList<>();
        for (TaskEvents.Fired f : fired) {
            out.add(f.outcome() + "@" + f.fireTimeMs() + (f.slots() > 1 ? "x" + f.slots() + "from" + f.firstSlotMs()
                    : ""));
        }
        return out;
    }

    private ScheduleInfo info(String name) {
        return sm.schedules("q").stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------ one decision per slot

    @Test
    void eachSlotFiresOnceWhenEntryTimeReachesIt() {
        everySecond(ONCE, 1, 60_000, 0, ALLOW);
        assertEquals(2000, info("s").nextFireMs());
        tick(1999);
        assertTrue(fired.isEmpty());
        tick(2000);
        tick(2000);
        tick(2999);
        assertEquals(List.of("ENQUEUED@2000"), decisions());
        tick(3100);
        assertEquals(List.of("ENQUEUED@2000", "ENQUEUED@3000"), decisions());
        assertEquals(100, fired.get(1).decidedAtMs() - fired.get(1).fireTimeMs());
        ScheduleInfo i = info("s");
        assertEquals(2, i.fires());
        assertEquals(3000, i.lastSlotMs());
        assertEquals(4000, i.nextFireMs());
        assertEquals(Outcome.ENQUEUED, i.lastRun().outcome());
        assertEquals(2, sm.tasks("q", TaskState.READY, 10).size());
        assertEquals(4000, sm.nextScheduleDue());
    }

    @Test
    void slotsLateWithinTheThresholdAllFire() {
        everySecond(SKIP, 1, 5_000, 0, ALLOW);
        tick(4500); // 2000, 3000, 4000: late by at most 2.5 s, on time
        assertEquals(List.of("ENQUEUED@2000", "ENQUEUED@3000", "ENQUEUED@4000"), decisions());
    }

    // ------------------------------------------------------------------ misfire policies

    @Test
    void fireOnceRunsTheLatestMisfiredSlotAndReportsTheRest() {
        everySecond(ONCE, 1, 1_000, 0, ALLOW);
        tick(10_500); // 2000..9000 misfired (cut 9500), 10000 on time
        assertEquals(List.of("MISSED@8000x7from2000", "ENQUEUED@9000", "ENQUEUED@10000"), decisions());
        assertEquals(2, info("s").fires());
        assertEquals(7, info("s").misses());
    }

    @Test
    void skipReportsEveryMisfiredSlot() {
        everySecond(SKIP, 1, 1_000, 0, ALLOW);
        tick(10_500);
        assertEquals(List.of("MISSED@9000x8from2000", "ENQUEUED@10000"), decisions());
    }

    @Test
    void fireEachRunsTheLatestBoundOfMisfiredSlots() {
        everySecond(EACH, 3, 1_000, 0, ALLOW);
        tick(10_500);
        assertEquals(List.of("MISSED@6000x5from2000", "ENQUEUED@7000", "ENQUEUED@8000", "ENQUEUED@9000",
                "ENQUEUED@10000"), decisions());
    }

    @Test
    void fireOnceAfterALongOutageCountsTheMissedSlotsUpToTheCap() {
        everySecond(ONCE, 1, 1_000, 0, ALLOW);
        tick(1000 + 3_600_000); // an hour down
        // The misfired span (counted up to the cap), one run for its latest slot, then the two on-time slots.
        assertEquals(4, fired.size());
        assertEquals(CronSchedules.MAX_COUNTED_SLOTS, fired.get(0).slots());
        assertEquals(Outcome.MISSED, fired.get(0).outcome());
        assertEquals(3_598_000, fired.get(0).fireTimeMs());
        assertEquals(List.of(3_599_000L, 3_600_000L, 3_601_000L), fired.subList(1, 4).stream()
                .map(TaskEvents.Fired::fireTimeMs).toList());
        assertEquals(3_602_000, info("s").nextFireMs());
    }

    @Test
    void startingDeadlinePassedMeansNoRun() {
        everySecond(ONCE, 1, 60_000, 300, ALLOW);
        tick(2200);
        tick(3400);
        assertEquals(List.of("ENQUEUED@2000", "PAST_DEADLINE@3000"), decisions());
        assertEquals(1, info("s").misses());
        // Under FIRE_ONCE the one misfired run is also held to the deadline.
        tick(9000 + 300);
        assertEquals(Outcome.ENQUEUED, fired.get(fired.size() - 1).outcome());
        assertEquals(9000, fired.get(fired.size() - 1).fireTimeMs());
    }

    // ------------------------------------------------------------------ concurrency policies

    private void worker() {
        assertInstanceOf(CommandResult.Done.class, run(index == 0 ? 1000 : sm.lastTimestamp(),
                new TaskCommand.RegisterWorkers("q", "job", 10, 60_000)));
    }

    @Test
    void forbidSkipsASlotWhileTheLastRunIsUnfinished() {
        everySecond(ONCE, 1, 60_000, 0, FORBID);
        worker();
        tick(2000);
        tick(3000);
        assertEquals(List.of("ENQUEUED@2000", "SKIPPED_RUNNING@3000"), decisions());
        TaskEvents.Assigned a = assigned.get(0);
        assertEquals(new TaskResult.Outcome(a.taskId(), true, false, ""),
                run(3500, new TaskCommand.Complete(a.taskId(), a.token(), new byte[0])));
        tick(4000);
        assertEquals(List.of("ENQUEUED@2000", "SKIPPED_RUNNING@3000", "ENQUEUED@4000"), decisions());
        List<ScheduleRun> runs = info("s").runs();
        assertEquals(List.of(Outcome.COMPLETED, Outcome.SKIPPED_RUNNING, Outcome.ENQUEUED),
                runs.stream().map(ScheduleRun::outcome).toList());
    }

    @Test
    void replaceRevokesTheRunningClaimAndRefusesItsResult() {
        everySecond(ONCE, 1, 60_000, 0, REPLACE);
        worker();
        tick(2000);
        TaskEvents.Assigned first = assigned.get(0);
        tick(3000);
        assertEquals(1, lost.size());
        assertEquals(first.taskId(), lost.get(0).taskId());
        assertEquals(TaskState.CANCELLED, sm.task(first.taskId()).orElseThrow().state());
        TaskResult.Outcome late = (TaskResult.Outcome) run(3100,
                new TaskCommand.Complete(first.taskId(), first.token(), new byte[0]));
        assertFalse(late.accepted());
        assertEquals(List.of(Outcome.REPLACED, Outcome.ENQUEUED),
                info("s").runs().stream().map(ScheduleRun::outcome).toList());
        assertEquals(2, assigned.size());
    }

    @Test
    void allowLetsRunsOverlap() {
        everySecond(ONCE, 1, 60_000, 0, ALLOW);
        worker();
        tick(2000);
        tick(3000);
        assertEquals(2, assigned.size());
        assertEquals(2, sm.tasks("q", TaskState.CLAIMED, 10).size());
    }

    // ------------------------------------------------------------------ operations

    @Test
    void suspendedSchedulesDecideNothingAndResumeAfterNow() {
        everySecond(ONCE, 1, 60_000, 0, ALLOW);
        tick(2000);
        assertEquals(new TaskResult.Count(1), run(2100, new TaskCommand.SetScheduleSuspended("q", "s", true)));
        assertEquals(new TaskResult.Count(0), run(2100, new TaskCommand.SetScheduleSuspended("q", "s", true)));
        assertTrue(info("s").suspended());
        assertEquals(Long.MAX_VALUE, info("s").nextFireMs());
        tick(9000);
        assertEquals(1, fired.size());
        assertEquals(new TaskResult.Count(1), run(9500, new TaskCommand.SetScheduleSuspended("q", "s", false)));
        assertEquals(10_000, info("s").nextFireMs());
        tick(10_000);
        assertEquals(List.of("ENQUEUED@2000", "ENQUEUED@10000"), decisions());
        assertEquals(0, info("s").misses());
        TaskResult.Outcome none = (TaskResult.Outcome) run(10_001,
                new TaskCommand.SetScheduleSuspended("q", "nope", true));
        assertTrue(none.notFound());
    }

    @Test
    void replacingWithTheSameExpressionKeepsTheFiredSlot() {
        everySecond(ONCE, 1, 60_000, 0, ALLOW);
        tick(2000);
        assertEquals(new TaskResult.Count(0), run(2000, cron("s", "* * * * * *", true, "UTC", SKIP, 1, 60_000, 0,
                FORBID)));
        tick(2000);
        assertEquals(List.of("ENQUEUED@2000"), decisions());
        assertEquals(3000, info("s").nextFireMs());
        // A new expression starts after the entry that put it.
        run(2500, cron("s", "*/5 * * * * *", true, "UTC", SKIP, 1, 60_000, 0, FORBID));
        assertEquals(5000, info("s").nextFireMs());
        // A fixed-interval schedule of the same name replaces it, and back.
        run(2600, new TaskCommand.PutSchedule("q", "s", "job", new byte[0], 1000, 0, 1, 0, 0, 0));
        assertEquals(1, sm.schedules("q").size());
        assertFalse(sm.schedules("q").get(0).cron());
        run(2700, cron("s", "0 0 * * * *", true, "UTC", ONCE, 1, 60_000, 0, ALLOW));
        assertTrue(sm.schedules("q").get(0).cron());
        assertEquals(1, sm.taskStats("q").schedules());
        assertEquals(new TaskResult.Count(1), run(2800, new TaskCommand.RemoveSchedule("q", "s")));
        assertTrue(sm.schedules("q").isEmpty());
        assertEquals(Long.MAX_VALUE, sm.nextScheduleDue());
    }

    @Test
    void invalidCommandsAreRejectedInApplyNamingTheField() {
        CommandResult r = run(1000, cron("bad", "0 25 * * *", false, "UTC", ONCE, 1, 0, 0, ALLOW));
        assertEquals("schedule q/bad: cron expression '0 25 * * *': field 2 (hour) '25' is invalid: Value 25 not in"
                + " range [0, 23]", ((CommandResult.Rejected) r).reason());
        r = run(1000, cron("bad", "0 2 * * *", false, "Mars/Base", ONCE, 1, 0, 0, ALLOW));
        assertTrue(((CommandResult.Rejected) r).reason().contains("time zone 'Mars/Base' is not a known zone id"));
        r = run(1000, cron("bad", "0 2 * * *", false, "UTC", (byte) 7, 1, 0, 0, ALLOW));
        assertTrue(((CommandResult.Rejected) r).reason().contains("misfire policy code 7 is unknown"));
        r = run(1000, cron("bad", "0 2 * * *", false, "UTC", EACH, 0, 0, 0, ALLOW));
        assertTrue(((CommandResult.Rejected) r).reason().contains("fire-each misfire bound 0"));
        assertTrue(sm.schedules("q").isEmpty());
    }

    @Test
    void berlinDailyJobOnBothTransitionDays() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        long put = LocalDateTime.parse("2024-03-30T12:00").atZone(berlin).toInstant().toEpochMilli();
        run(put, cron("n", "30 2 * * *", false, "Europe/Berlin", ONCE, 1, 60_000, 0, ALLOW));
        // Entries every 10 minutes of cluster time across the spring-forward night.
        for (long t = put; t < put + 86_400_000L; t += 600_000) {
            tick(t);
        }
        assertEquals(1, fired.size());
        assertEquals(LocalDateTime.parse("2024-03-31T03:00").atZone(berlin).toInstant().toEpochMilli(),
                fired.get(0).fireTimeMs());
        long autumn = LocalDateTime.parse("2024-10-26T12:00").atZone(berlin).toInstant().toEpochMilli();
        tick(autumn); // months without entries: a misfired span and one run (FIRE_ONCE), not looked at here
        fired.clear();
        for (long t = autumn; t < autumn + 86_400_000L + 3_600_000L; t += 600_000) {
            tick(t);
        }
        assertEquals(1, fired.size(), decisions().toString());
        assertEquals(LocalDateTime.parse("2024-10-27T02:30").atZone(berlin).toInstant().toEpochMilli(),
                fired.get(0).fireTimeMs()); // the first 02:30 (CEST)
    }

    @Test
    void newCommandsRoundTripThroughTheLogFormat() {
        TaskCommand.PutCronSchedule p = cron("c", "0 2 * * *", false, "Europe/Berlin", EACH, 4, 1234, 5678, REPLACE);
        Envelope e = CommandCodec.decode(CommandCodec.encode(new Envelope(7, 8, 6, p)));
        TaskCommand.PutCronSchedule back = (TaskCommand.PutCronSchedule) e.command();
        assertEquals(71, back.code());
        assertArrayEquals(p.payload(), back.payload());
        assertEquals(p.toString().replaceAll("payload=\\[B@\\w+", ""),
                back.toString().replaceAll("payload=\\[B@\\w+", ""));
        TaskCommand.SetScheduleSuspended x = new TaskCommand.SetScheduleSuspended("q", "c", true);
        assertEquals(x, CommandCodec.decode(CommandCodec.encode(new Envelope(7, 9, 6, x))).command());
        assertEquals(72, x.code());
    }

    // ------------------------------------------------------------------ snapshots

    private byte[] snapshot(StateMachine m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.snapshot(out);
        return out.toByteArray();
    }

    @Test
    void aRestoredReplicaNeverFiresARecordedSlotAgain() throws IOException {
        everySecond(ONCE, 1, 60_000, 0, FORBID);
        worker();
        tick(2000);
        tick(3000);
        tick(4000);
        byte[] snap = snapshot(sm);
        List<String> before = decisions();
        StateMachine restored = newMachine();
        fired.clear();
        restored.restore(new ByteArrayInputStream(snap));
        assertArrayEquals(snap, snapshot(restored));
        sm = restored;
        tick(4000);
        tick(4999);
        assertTrue(fired.isEmpty(), "refired after restore: " + decisions());
        tick(5000);
        assertEquals(List.of("SKIPPED_RUNNING@5000"), decisions());
        assertEquals(before.size() + 1, info("s").runs().size());
        assertEquals(3, info("s").misses(), "3000 and 4000 before the snapshot, 5000 after");
    }

    @Test
    void aSnapshotWithoutTheCronSectionStillReads() throws IOException {
        run(1000, new TaskCommand.PutSchedule("q", "i", "job", new byte[0], 1000, 0, 1, 0, 0, 0));
        byte[] snap = snapshot(sm);
        // A snapshot written before cron schedules (state snapshot version 1) ends before the cron
        // marker (1) and its i32 0 schedules, and has no i32 cluster version after them: cut all three off.
        byte[] old = java.util.Arrays.copyOf(snap, snap.length - 9);
        old[0] = 1;
        StateMachine restored = newMachine();
        restored.restore(new ByteArrayInputStream(old));
        assertEquals(1, restored.schedules("q").size());
        assertEquals(2000, restored.nextScheduleFire("q", "i"));
    }
}
