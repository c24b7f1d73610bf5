package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every task transition in the state machine, driven by entry time only. */
class TasksTest {

    private static final long LEASE = 1_000;

    private final StateMachine sm = new StateMachine(new StateMachine.Limits(64, 1024, 1000, 1000, 1000, 3_600_000));
    private final List<TaskEvents.Assigned> assigned = new ArrayList<>();
    private final List<TaskEvents.ClaimLost> lost = new ArrayList<>();
    private final List<TaskEvents.Finished> finished = new ArrayList<>();
    private final List<TaskEvents.Fired> fired = new ArrayList<>();
    private long index;
    private long seq;

    TasksTest() {
        sm.setListener(new StateMachine.Listener() {
            @Override
            public void onTaskAssigned(TaskEvents.Assigned a) {
                assigned.add(a);
            }

            @Override
            public void onTaskClaimLost(TaskEvents.ClaimLost c) {
                lost.add(c);
            }

            @Override
            public void onTaskFinished(TaskEvents.Finished f) {
                finished.add(f);
            }

            @Override
            public void onScheduleFired(TaskEvents.Fired f) {
                fired.add(f);
            }
        });
    }

    // ------------------------------------------------------------------ helpers

    private long open(long at, String node) {
        return ((CommandResult.SessionOpened) sm.apply(++index, at,
                new Envelope(0, 0, 0, new Command.OpenSession(node, 60_000, index)))).sessionId();
    }

    private CommandResult run(long session, long at, Command c) {
        return sm.apply(++index, at, new Envelope(session, ++seq, 0, c));
    }

    private static TaskCommand.Submit submit(String name, int priority, int maxAttempts, long delayMs, String key) {
        return new TaskCommand.Submit("q", name, bytes(name), priority, maxAttempts, delayMs, key, 100, 1_000,
                10_000);
    }

    private long submit(long session, long at, TaskCommand.Submit s) {
        return ((TaskResult.Submitted) run(session, at, s)).taskId();
    }

    private void register(long session, long at, String name, int concurrency) {
        assertInstanceOf(CommandResult.Done.class,
                run(session, at, new TaskCommand.RegisterWorkers("q", name, concurrency, LEASE)));
    }

    private TaskResult.Outcome complete(long session, long at, TaskEvents.Assigned a, String result) {
        return (TaskResult.Outcome) run(session, at, new TaskCommand.Complete(a.taskId(), a.token(), bytes(result)));
    }

    private TaskResult.Outcome fail(long session, long at, TaskEvents.Assigned a) {
        return (TaskResult.Outcome) run(session, at, new TaskCommand.Fail(a.taskId(), a.token(), "boom"));
    }

    private TaskInfo task(long id) {
        return sm.task(id).orElseThrow();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void tick(long at) {
        sm.advance(++index, at);
    }

    // ------------------------------------------------------------------ submit

    @Test
    void submitWithoutWorkersWaitsReady() {
        long s = open(1000, "a");
        long id = submit(s, 1001, submit("send", 0, 3, 0, ""));
        assertEquals(TaskState.READY, task(id).state());
        assertTrue(assigned.isEmpty());
        assertEquals(1, sm.taskStats("q").ready());
    }

    @Test
    void idempotencyKeyReturnsTheFirstTaskAndCreatesNoDuplicate() {
        long s = open(1000, "a");
        TaskResult.Submitted first = (TaskResult.Submitted) run(s, 1001, submit("send", 0, 3, 0, "k1"));
        TaskResult.Submitted again = (TaskResult.Submitted) run(s, 1002, submit("send", 5, 9, 0, "k1"));
        assertTrue(first.created());
        assertFalse(again.created());
        assertEquals(first.taskId(), again.taskId());
        assertEquals(1, sm.tasks("q", null, 100).size());
    }

    @Test
    void idempotencyKeyIsForgottenWithTheTaskAfterRetention() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1001, submit("send", 0, 3, 0, "k1"));
        complete(s, 1002, assigned.get(0), "ok");
        assertEquals(id, submit(s, 1003, submit("send", 0, 3, 0, "k1")), "still remembered");
        tick(1002 + 10_000);
        assertTrue(sm.task(id).isEmpty(), "dropped after its retention");
        assertTrue(submit(s, 11_003, submit("send", 0, 3, 0, "k1")) > id, "a new task once forgotten");
    }

    @Test
    void delayedTaskBecomesReadyWhenEntryTimePassesItsNotBefore() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1001, submit("send", 0, 3, 500, ""));
        assertEquals(TaskState.DELAYED, task(id).state());
        tick(1500);
        assertEquals(TaskState.DELAYED, task(id).state());
        tick(1501);
        assertEquals(TaskState.CLAIMED, task(id).state());
        assertEquals(1, assigned.size());
    }

    @Test
    void invalidSubmitsAreRejectedWithReasons() {
        long s = open(1000, "a");
        assertRejected(run(s, 1001, new TaskCommand.Submit("", "x", new byte[0], 0, 1, 0, "", 0, 0, 0)), "queue");
        assertRejected(run(s, 1001, new TaskCommand.Submit("q", "", new byte[0], 0, 1, 0, "", 0, 0, 0)), "task name");
        assertRejected(run(s, 1001, new TaskCommand.Submit("q", "x", new byte[2000], 0, 1, 0, "", 0, 0, 0)),
                "exceeds the limit");
        assertRejected(run(s, 1001, new TaskCommand.Submit("q", "x", new byte[0], 0, 0, 0, "", 0, 0, 0)),
                "maxAttempts");
        assertRejected(run(s, 1001, new TaskCommand.Submit("q", "x", new byte[0], 0, 1, -1, "", 0, 0, 0)), "delay");
        assertRejected(run(s, 1001, new TaskCommand.Submit("q", "x", new byte[0], 0, 1, 0, "", 10, 5, 0)),
                "back-off");
        assertRejected(run(s, 1001, new TaskCommand.Submit("q", "x".repeat(65), new byte[0], 0, 1, 0, "", 0, 0, 0)),
                "exceeds the limit");
        assertRejected(run(s, 1001, new TaskCommand.RegisterWorkers("q", "x", 0, 100)), "concurrency");
        assertRejected(run(s, 1001, new TaskCommand.RegisterWorkers("q", "x", 1, 0)), "lease");
        assertRejected(run(s, 1001, new TaskCommand.PutSchedule("q", "s", "x", new byte[0], 0, 0, 1, 0, 0, 0)),
                "period");
        assertEquals(0, sm.taskQueues().size());
    }

    private static void assertRejected(CommandResult r, String why) {
        CommandResult.Rejected rj = assertInstanceOf(CommandResult.Rejected.class, r);
        assertTrue(rj.reason().contains(why), rj.reason());
    }

    // ------------------------------------------------------------------ assignment

    @Test
    void registeringWorkersClaimsReadyTasksUpToConcurrencyInPriorityOrder() {
        long s = open(1000, "a");
        long low = submit(s, 1001, submit("send", 0, 3, 0, ""));
        long high = submit(s, 1002, submit("send", 9, 3, 0, ""));
        long mid = submit(s, 1003, submit("send", 5, 3, 0, ""));
        register(s, 1004, "send", 2);
        assertEquals(List.of(high, mid), assigned.stream().map(TaskEvents.Assigned::taskId).toList());
        assertEquals(TaskState.READY, task(low).state());
        TaskInfo claimed = task(high);
        assertEquals(TaskState.CLAIMED, claimed.state());
        assertEquals(s, claimed.claimSession());
        assertEquals("a", claimed.claimNodeId());
        assertEquals(1004 + LEASE, claimed.leaseDeadlineMs());
        assertEquals(1, claimed.attempts());
        assertTrue(assigned.get(1).token() > assigned.get(0).token(), "tokens strictly increase");
    }

    @Test
    void assignmentIsRoundRobinAcrossSessions() {
        long a = open(1000, "a");
        long b = open(1000, "b");
        register(a, 1001, "send", 10);
        register(b, 1001, "send", 10);
        for (int i = 0; i < 6; i++) {
            submit(a, 1002, submit("send", 0, 3, 0, ""));
        }
        assertEquals(List.of(a, b, a, b, a, b), assigned.stream().map(TaskEvents.Assigned::session).toList());
    }

    @Test
    void onlySessionsRegisteredForTheNameGetItsTasks() {
        long a = open(1000, "a");
        long b = open(1000, "b");
        register(a, 1001, "send", 5);
        register(b, 1001, "other", 5);
        submit(b, 1002, submit("send", 0, 3, 0, ""));
        assertEquals(a, assigned.get(0).session());
    }

    @Test
    void completionFreesCapacityForTheNextTask() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long t1 = submit(s, 1001, submit("send", 0, 3, 0, ""));
        long t2 = submit(s, 1002, submit("send", 0, 3, 0, ""));
        assertEquals(1, assigned.size());
        TaskResult.Outcome o = complete(s, 1003, assigned.get(0), "done");
        assertTrue(o.accepted());
        assertEquals(TaskState.COMPLETED, task(t1).state());
        assertArrayEquals(bytes("done"), task(t1).result());
        assertEquals(TaskState.COMPLETED, finished.get(0).state());
        assertEquals(2, assigned.size());
        assertEquals(t2, assigned.get(1).taskId());
    }

    @Test
    void unregisteredWorkersTakeNoMoreWorkButMayFinishTheirClaims() {
        long s = open(1000, "a");
        register(s, 1000, "send", 5);
        submit(s, 1001, submit("send", 0, 3, 0, ""));
        run(s, 1002, new TaskCommand.UnregisterWorkers("q", "send"));
        long t2 = submit(s, 1003, submit("send", 0, 3, 0, ""));
        assertEquals(1, assigned.size());
        assertTrue(complete(s, 1004, assigned.get(0), "ok").accepted());
        assertEquals(TaskState.READY, task(t2).state());
    }

    // ------------------------------------------------------------------ leases and fencing

    @Test
    void extendedLeaseKeepsTheClaimAndAnExpiredOneReturnsTheTaskToReady() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1000, submit("send", 0, 3, 0, ""));
        TaskEvents.Assigned a = assigned.get(0);
        TaskResult.Count c = (TaskResult.Count) run(s, 1900,
                new TaskCommand.ExtendLeases(List.of(id), List.of(a.token())));
        assertEquals(1, c.count());
        assertEquals(2900, task(id).leaseDeadlineMs());
        // Without workers the task stays ready once the lease ends (with them it would be claimed again).
        run(s, 2899, new TaskCommand.UnregisterWorkers("q", "send"));
        assertEquals(TaskState.CLAIMED, task(id).state());
        tick(2900);
        assertEquals(TaskState.READY, task(id).state());
        assertEquals(1, lost.size());
        assertEquals("lease expired", lost.get(0).why());
        assertEquals(1, task(id).attempts());
    }

    @Test
    void staleCompletionFromAnExpiredClaimIsRejected() {
        long a = open(1000, "a");
        long b = open(1000, "b");
        register(a, 1000, "send", 1);
        long id = submit(a, 1000, submit("send", 0, 3, 0, ""));
        TaskEvents.Assigned first = assigned.get(0);
        register(b, 1500, "send", 1);
        tick(2000); // a's lease ends; b gets the task (round-robin after a)
        assertEquals(2, assigned.size());
        TaskEvents.Assigned second = assigned.get(1);
        assertEquals(b, second.session());
        assertTrue(second.token() > first.token());
        assertEquals(2, second.attempt());
        TaskResult.Outcome stale = complete(a, 2001, first, "late");
        assertFalse(stale.accepted());
        assertTrue(stale.reason().contains("stale"), stale.reason());
        assertFalse(fail(a, 2002, first).accepted());
        assertEquals(TaskState.CLAIMED, task(id).state());
        assertTrue(complete(b, 2003, second, "fresh").accepted());
        assertArrayEquals(bytes("fresh"), task(id).result());
        assertFalse(complete(b, 2004, second, "twice").accepted(), "a finished claim is not completed again");
    }

    @Test
    void extendingAStaleClaimDoesNothing() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1000, submit("send", 0, 3, 0, ""));
        TaskResult.Count c = (TaskResult.Count) run(s, 1100,
                new TaskCommand.ExtendLeases(List.of(id), List.of(assigned.get(0).token() + 7)));
        assertEquals(0, c.count());
        assertEquals(2000, task(id).leaseDeadlineMs());
    }

    @Test
    void endedSessionReleasesItsClaimsToOtherWorkersInTheSameApply() {
        long a = open(1000, "a");
        long b = open(1000, "b");
        register(a, 1000, "send", 1);
        long id = submit(a, 1000, submit("send", 0, 3, 0, ""));
        register(b, 1001, "send", 1);
        run(a, 1002, new Command.CloseSession());
        assertEquals(TaskState.CLAIMED, task(id).state());
        assertEquals(b, task(id).claimSession());
        assertEquals("worker session ended", lost.get(0).why());
        assertEquals(2, task(id).attempts());
    }

    @Test
    void expiredSessionReleasesItsClaims() {
        long a = sm.apply(++index, 1000, new Envelope(0, 0, 0, new Command.OpenSession("a", 1000, 1)))
                instanceof CommandResult.SessionOpened o ? o.sessionId() : 0;
        long b = open(1000, "b");
        register(a, 1000, "send", 1);
        long id = submit(b, 1000, new TaskCommand.Submit("q", "send", new byte[0], 0, 3, 0, "", 0, 0, 1000));
        TaskEvents.Assigned first = assigned.get(0);
        tick(2001);
        assertEquals(TaskState.READY, task(id).state());
        assertFalse(sm.hasSession(a));
        assertEquals(0, sm.taskStats("q").workerSlots(), "the expired session's workers are gone");
        assertInstanceOf(CommandResult.SessionExpired.class,
                run(a, 2002, new TaskCommand.Complete(first.taskId(), first.token(), bytes("x"))));
    }

    // ------------------------------------------------------------------ failures, back-off, dead letters

    @Test
    void failureBacksOffExponentiallyThenDeadLetters() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1000, submit("send", 0, 3, 0, ""));
        assertTrue(fail(s, 1010, assigned.get(0)).accepted());
        assertEquals(TaskState.DELAYED, task(id).state());
        assertEquals(1110, task(id).notBeforeMs(), "base 100 ms after attempt 1");
        tick(1110);
        assertEquals(2, assigned.size());
        fail(s, 1120, assigned.get(1));
        assertEquals(1320, task(id).notBeforeMs(), "200 ms after attempt 2");
        tick(1320);
        fail(s, 1330, assigned.get(2));
        assertEquals(TaskState.DEAD, task(id).state());
        assertTrue(task(id).lastError().contains("attempt 3: boom"), task(id).lastError());
        assertEquals(TaskState.DEAD, finished.get(0).state());
        assertEquals(1, sm.taskStats("q").dead());
        assertEquals(100, Tasks.backoff(100, 1000, 1));
        assertEquals(800, Tasks.backoff(100, 1000, 4));
        assertEquals(1000, Tasks.backoff(100, 1000, 5));
        assertEquals(Long.MAX_VALUE, Tasks.backoff(Long.MAX_VALUE, Long.MAX_VALUE, 70));
    }

    @Test
    void lostClaimOnTheLastAttemptDeadLetters() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1000, submit("send", 0, 1, 0, ""));
        tick(2000);
        assertEquals(TaskState.DEAD, task(id).state());
        assertTrue(task(id).lastError().contains("lease expired"));
    }

    @Test
    void deadLettersAreRequeuedWithFreshAttemptsOrPurged() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1000, submit("send", 0, 1, 0, ""));
        long id2 = submit(s, 1000, submit("send", 0, 1, 0, ""));
        fail(s, 1001, assigned.get(0));
        fail(s, 1002, assigned.get(1));
        assertEquals(2, sm.tasks("q", TaskState.DEAD, 10).size());
        TaskResult.Outcome notDead = (TaskResult.Outcome) run(s, 1003, new TaskCommand.Requeue("q", 999));
        assertTrue(notDead.notFound());
        TaskResult.Outcome rq = (TaskResult.Outcome) run(s, 1003, new TaskCommand.Requeue("q", id));
        assertTrue(rq.accepted());
        assertEquals(TaskState.CLAIMED, task(id).state());
        assertEquals(1, task(id).attempts());
        assertFalse(((TaskResult.Outcome) run(s, 1004, new TaskCommand.Requeue("q", id))).accepted());
        TaskResult.Count purged = (TaskResult.Count) run(s, 1005, new TaskCommand.PurgeDead("q", 0));
        assertEquals(1, purged.count());
        assertTrue(sm.task(id2).isEmpty());
        assertTrue(sm.task(id).isPresent());
    }

    @Test
    void oversizedResultFailsTheAttempt() {
        long s = open(1000, "a");
        register(s, 1000, "send", 1);
        long id = submit(s, 1000, submit("send", 0, 1, 0, ""));
        TaskResult.Outcome o = (TaskResult.Outcome) run(s, 1001,
                new TaskCommand.Complete(id, assigned.get(0).token(), new byte[2000]));
        assertFalse(o.accepted());
        assertEquals(TaskState.DEAD, task(id).state());
        assertTrue(task(id).lastError().contains("exceeds"));
    }

    // ------------------------------------------------------------------ cancel and retention

    @Test
    void cancelOnlyReadyOrDelayedTasks() {
        long s = open(1000, "a");
        long delayed = submit(s, 1000, submit("send", 0, 1, 5000, ""));
        long readyId = submit(s, 1000, submit("send", 0, 1, 0, ""));
        assertTrue(((TaskResult.Outcome) run(s, 1001, new TaskCommand.Cancel("q", delayed))).accepted());
        assertTrue(((TaskResult.Outcome) run(s, 1001, new TaskCommand.Cancel("q", readyId))).accepted());
        assertEquals(TaskState.CANCELLED, task(delayed).state());
        register(s, 1002, "send", 1);
        assertTrue(assigned.isEmpty(), "cancelled tasks are never assigned");
        long claimed = submit(s, 1003, submit("send", 0, 1, 0, ""));
        TaskResult.Outcome o = (TaskResult.Outcome) run(s, 1004, new TaskCommand.Cancel("q", claimed));
        assertFalse(o.accepted());
        assertTrue(o.reason().contains("CLAIMED"));
        assertTrue(((TaskResult.Outcome) run(s, 1004, new TaskCommand.Cancel("other", claimed))).notFound());
        tick(1001 + 10_000);
        assertTrue(sm.task(delayed).isEmpty());
        assertEquals(2, finished.stream().filter(f -> f.state() == TaskState.CANCELLED).count());
    }

    // ------------------------------------------------------------------ schedules

    @Test
    void scheduleFiresOncePerPeriodAndSkipsMissedPeriods() {
        long s = open(1000, "a");
        run(s, 1000, new TaskCommand.PutSchedule("q", "hourly", "send", bytes("p"), 100, 0, 3, 0, 0, 1000));
        assertEquals(1100, sm.nextScheduleFire("q", "hourly"));
        tick(1099);
        assertTrue(fired.isEmpty());
        tick(1100);
        tick(1100);
        tick(1150);
        assertEquals(1, fired.size());
        tick(1210);
        assertEquals(List.of(1100L, 1200L), fired.stream().map(TaskEvents.Fired::fireTimeMs).toList());
        tick(1750); // 1300..1700 missed: fire once, next at 1800
        assertEquals(3, fired.size());
        assertEquals(1300, fired.get(2).fireTimeMs());
        assertEquals(1800, sm.nextScheduleFire("q", "hourly"));
        assertEquals(3, sm.tasks("q", TaskState.READY, 10).size());
        assertEquals(1, ((TaskResult.Count) run(s, 1760, new TaskCommand.RemoveSchedule("q", "hourly"))).count());
        tick(5000);
        assertEquals(3, fired.size());
    }

    // ------------------------------------------------------------------ snapshot and codec

    @Test
    void snapshotRestoresEveryTaskStateAndKeepsAssigning() throws IOException {
        long a = open(1000, "a");
        register(a, 1000, "send", 1);
        long claimed = submit(a, 1000, submit("send", 0, 2, 0, "k"));
        submit(a, 1000, submit("send", 3, 2, 0, ""));
        submit(a, 1000, submit("send", 0, 2, 9000, ""));
        long dead = submit(a, 1000, submit("mail", 0, 1, 0, ""));
        register(a, 1000, "mail", 1);
        fail(a, 1001, assigned.get(1));
        run(a, 1002, new TaskCommand.PutSchedule("q", "s", "send", bytes("p"), 500, 0, 1, 0, 0, 1000));
        byte[] snap = snapshot(sm);
        StateMachine copy = new StateMachine(new StateMachine.Limits(64, 1024, 1000, 1000, 1000, 3_600_000));
        copy.restore(new ByteArrayInputStream(snap));
        assertArrayEquals(snap, snapshot(copy));
        assertEquals(TaskState.DEAD, copy.task(dead).orElseThrow().state());
        assertEquals(sm.taskStats("q"), copy.taskStats("q"));
        // Both replicas continue identically.
        for (StateMachine m : List.of(sm, copy)) {
            m.apply(100, 1003, new Envelope(a, 100, 0, new TaskCommand.Complete(claimed,
                    sm.task(claimed).orElseThrow().claimToken(), bytes("r"))));
            m.advance(101, 1600);
        }
        assertArrayEquals(snapshot(sm), snapshot(copy));
    }

    @Test
    void aRestoredReplicaReportsTheRestoreAndListsEachSessionsClaims() throws IOException {
        long a = open(1000, "a");
        long b = open(1000, "b");
        register(a, 1000, "send", 2);
        long t1 = submit(b, 1001, submit("send", 0, 3, 0, ""));
        long t2 = submit(b, 1002, submit("send", 0, 3, 0, ""));
        StateMachine copy = new StateMachine(new StateMachine.Limits(64, 1024, 1000, 1000, 1000, 3_600_000));
        List<String> restored = new ArrayList<>();
        copy.setListener(new StateMachine.Listener() {
            @Override
            public void onRestored() {
                restored.add("restored");
            }
        });
        copy.restore(new ByteArrayInputStream(snapshot(sm)));
        assertEquals(List.of("restored"), restored);
        assertEquals(List.of(t1, t2), copy.taskClaims(a).stream().map(TaskInfo::id).toList());
        assertEquals(assigned.get(1).token(), copy.taskClaims(a).get(1).claimToken());
        assertTrue(copy.taskClaims(b).isEmpty());
    }

    @Test
    void everyTaskCommandAndResultRoundTripsThroughTheCodec() {
        List<TaskCommand> commands = List.of(submit("x", 1, 2, 3, "k"),
                new TaskCommand.RegisterWorkers("q", "x", 3, 400), new TaskCommand.UnregisterWorkers("q", "x"),
                new TaskCommand.Complete(1, 2, bytes("r")), new TaskCommand.Fail(1, 2, "e"),
                new TaskCommand.ExtendLeases(List.of(1L, 2L), List.of(3L, 4L)), new TaskCommand.Cancel("q", 5),
                new TaskCommand.Requeue("q", 6), new TaskCommand.PurgeDead("q", 0),
                new TaskCommand.PutSchedule("q", "s", "x", bytes("p"), 10, 1, 2, 3, 4, 5),
                new TaskCommand.RemoveSchedule("q", "s"));
        for (TaskCommand c : commands) {
            Envelope e = CommandCodec.decode(CommandCodec.encode(new Envelope(1, 2, 3, c)));
            assertEquals(c.code(), e.command().code());
            assertEquals(CommandCodec.encode(new Envelope(1, 2, 3, c)).length,
                    CommandCodec.encode(e).length);
            assertTrue(c.code() >= 60 && c.code() <= 89);
        }
        for (TaskResult r : List.of(new TaskResult.Submitted(7, true), new TaskResult.Outcome(1, false, true, "why"),
                new TaskResult.Count(3))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
                CommandCodec.writeResult(out, r);
                CommandResult back = CommandCodec.readResult(new java.io.DataInputStream(
                        new ByteArrayInputStream(bytes.toByteArray())));
                assertEquals(r, back);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static byte[] snapshot(StateMachine m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.snapshot(out);
        return out.toByteArray();
    }
}
