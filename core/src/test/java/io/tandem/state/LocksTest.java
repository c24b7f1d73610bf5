package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every lock transition in the state machine, driven by entry time only. */
class LocksTest {

    private final StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
    private final List<String> events = new ArrayList<>();
    private long index;
    private long seq;

    LocksTest() {
        sm.setListener(new StateMachine.Listener() {
            @Override
            public void onLockGranted(LockKind kind, String name, long session, String nodeId, long owner, long token) {
                events.add("granted " + name + " " + session + " " + token);
            }

            @Override
            public void onLockWaitExpired(LockKind kind, String name, long session, long owner) {
                events.add("wait-expired " + name + " " + session);
            }

            @Override
            public void onLockReleased(LockKind kind, String name, long session, long owner, long token, String why) {
                events.add("released " + name + " " + session + " " + token + " " + why);
            }
        });
    }

    private long open(long at, long timeoutMs) {
        return ((CommandResult.SessionOpened) sm.apply(++index, at,
                new Envelope(0, 0, 0, new Command.OpenSession("node", timeoutMs, index)))).sessionId();
    }

    private CommandResult run(long session, long at, Command c) {
        return sm.apply(++index, at, new Envelope(session, ++seq, 0, c));
    }

    private long acquire(long session, long at, String name) {
        return ((CommandResult.LockGranted) run(session, at, acq(name, -1, 0))).token();
    }

    /** A mutex request by owner 1 of the envelope's session. */
    private static Command.AcquireLock acq(String name, long waitMs, long maxHoldMs) {
        return new Command.AcquireLock(LockKind.LOCK, name, 1, 1, 1, waitMs, maxHoldMs);
    }

    private static Command.ReleaseLock rel(String name, long token) {
        return new Command.ReleaseLock(LockKind.LOCK, name, 1, token);
    }

    private LockInfo lock(String name) {
        return info(LockKind.LOCK, name);
    }

    private LockInfo info(LockKind kind, String name) {
        return sm.locks(kind, name).stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }

    private long holder(String name) {
        return lock(name).holder().orElseThrow().session();
    }

    private long token(String name) {
        return lock(name).holder().orElseThrow().token();
    }

    private List<Long> waiters(String name) {
        return lock(name).waiters().stream().map(LockInfo.Waiter::session).toList();
    }

    @Test
    void freeLockIsGrantedWithIncreasingTokensAndReacquireIsIdempotent() {
        long a = open(1000, 60_000);
        long t1 = acquire(a, 1001, "x");
        assertEquals(t1, acquire(a, 1002, "x"), "the holder asking again gets its own grant back");
        assertEquals(new CommandResult.LockReleased("x", true), run(a, 1003, rel("x", t1)));
        long t2 = acquire(a, 1004, "x");
        long t3 = acquire(a, 1005, "y");
        assertTrue(t2 > t1 && t3 > t2, "tokens only grow: " + t1 + ", " + t2 + ", " + t3);
    }

    @Test
    void tryAcquireOnAHeldLockDoesNotWait() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        acquire(a, 1001, "x");
        assertEquals(new CommandResult.LockNotAcquired("x"), run(b, 1002, acq("x", 0, 0)));
        assertTrue(waiters("x").isEmpty());
    }

    @Test
    void waitersAreGrantedInFifoOrderOnRelease() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long c = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        assertEquals(new CommandResult.LockQueued("x", 1), run(b, 1002, acq("x", -1, 0)));
        assertEquals(new CommandResult.LockQueued("x", 2), run(c, 1003, acq("x", -1, 0)));
        events.clear();
        run(a, 1004, rel("x", ta));
        assertEquals(b, holder("x"));
        long tb = token("x");
        assertTrue(tb > ta);
        assertEquals(List.of("released x " + a + " " + ta + " released", "granted x " + b + " " + tb), events);
        run(b, 1005, rel("x", tb));
        assertEquals(c, holder("x"));
    }

    @Test
    void aStaleReleaseNeverFreesANewerGrant() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        run(b, 1002, acq("x", -1, 0));
        run(a, 1003, rel("x", ta));
        long tb = token("x");
        assertEquals(new CommandResult.LockReleased("x", false), run(a, 1004, rel("x", ta)));
        assertEquals(new CommandResult.LockReleased("x", false), run(b, 1005, rel("x", ta)),
                "the holder's own release with an older token is stale too");
        assertEquals(b, holder("x"));
        assertEquals(tb, token("x"));
    }

    @Test
    void aWaiterIsDroppedWhenItsDeadlinePassesAndNeverGrantedAfter() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1000, "x");
        run(b, 1000, acq("x", 100, 0));
        sm.advance(++index, 1099);
        assertEquals(List.of(b), waiters("x"));
        sm.advance(++index, 1100);
        assertTrue(waiters("x").isEmpty());
        assertTrue(events.contains("wait-expired x " + b));
        run(a, 1200, rel("x", ta));
        assertEquals(null, lock("x"), "free with no waiters: nothing is kept");
    }

    @Test
    void cancellingAWaitLeavesNoGhost() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        run(b, 1002, acq("x", -1, 0));
        run(b, 1003, new Command.CancelLockWait(LockKind.LOCK, "x", 1));
        run(a, 1004, rel("x", ta));
        assertEquals(null, lock("x"));
    }

    @Test
    void anExpiredHolderPassesTheLockToTheNextLiveWaiterInTheSameApply() {
        long a = open(1000, 2000);   // expires after 3000
        long b = open(1000, 2000);   // also expires after 3000: must not be granted
        long c = open(1000, 60_000);
        acquire(a, 1000, "x");
        run(b, 1000, acq("x", -1, 0));
        run(c, 1000, acq("x", -1, 0));
        run(c, 2900, new Command.KeepAlive());
        sm.advance(++index, 3001);
        assertEquals(c, holder("x"), "b expired in the same apply and must be skipped");
        assertTrue(events.stream().noneMatch(e -> e.startsWith("granted x " + b + " ")), events.toString());
    }

    @Test
    void closingASessionReleasesAtOnce() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        acquire(a, 1001, "x");
        run(b, 1002, acq("x", -1, 0));
        run(a, 1003, new Command.CloseSession());
        assertEquals(b, holder("x"));
    }

    @Test
    void maximumHoldTimeEndsAGrant() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        assertInstanceOf(CommandResult.LockGranted.class, run(a, 1000, acq("x", -1, 500)));
        run(b, 1001, acq("x", -1, 0));
        sm.advance(++index, 1499);
        assertEquals(a, holder("x"));
        sm.advance(++index, 1500);
        assertEquals(b, holder("x"));
        assertTrue(events.stream().anyMatch(e -> e.endsWith("maximum hold time passed")), events.toString());
    }

    @Test
    void aRestartedNodeDoesNotInheritItsOldSessionsLocks() {
        long old = open(1000, 2000);
        acquire(old, 1000, "x");
        long fresh = open(1500, 2000); // same node id, new session
        assertEquals(new CommandResult.LockNotAcquired("x"), run(fresh, 1600, acq("x", 0, 0)));
        run(fresh, 3500, new Command.KeepAlive());
        assertEquals(null, lock("x"), "the old session expired and took its lock with it");
        assertInstanceOf(CommandResult.LockGranted.class, run(fresh, 3600, acq("x", 0, 0)));
    }

    @Test
    void snapshotKeepsHoldersWaitersAndTokens() throws Exception {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        run(b, 1002, acq("x", 5000, 0));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sm.snapshot(bytes);
        StateMachine copy = new StateMachine(StateMachine.Limits.DEFAULT);
        copy.restore(new ByteArrayInputStream(bytes.toByteArray()));
        assertEquals(sm.locks(LockKind.LOCK, ""), copy.locks(LockKind.LOCK, ""));
        copy.apply(++index, 1003, new Envelope(a, ++seq, 0, rel("x", ta)));
        LockInfo.Holder after = copy.locks(LockKind.LOCK, "x").get(0).holder().orElseThrow();
        assertEquals(b, after.session());
        assertTrue(after.token() > ta);
    }

    @Test
    void invalidLockCommandsAreRejected() {
        long a = open(1000, 60_000);
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1001, acq("", -1, 0)));
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1002, acq("x", -5, 0)));
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1003, acq("x", -1, -1)));
    }

    @Test
    void lockCommandsRoundTripThroughTheCodec() {
        for (Command c : List.of(new Command.AcquireLock(LockKind.SEMAPHORE, "l", 9, 2, 5, 10, 20),
                new Command.ReleaseLock(LockKind.ELECTION, "l", 9, 7), new Command.CancelLockWait(LockKind.RWLOCK, "l", 9))) {
            assertEquals(c, CommandCodec.decode(CommandCodec.encode(new Envelope(1, 2, 1, c))).command());
        }
    }

    @Test
    void twoOwnersOfOneSessionExcludeEachOther() {
        long a = open(1000, 60_000);
        CommandResult first = run(a, 1001, new Command.AcquireLock(LockKind.LOCK, "x", 1, 1, 1, -1, 0));
        CommandResult second = run(a, 1002, new Command.AcquireLock(LockKind.LOCK, "x", 2, 1, 1, -1, 0));
        assertInstanceOf(CommandResult.LockGranted.class, first);
        assertEquals(new CommandResult.LockQueued("x", 1), second, "two threads of one node are two holders");
        assertEquals(new CommandResult.LockReleased("x", false),
                run(a, 1003, new Command.ReleaseLock(LockKind.LOCK, "x", 2, ((CommandResult.LockGranted) first).token())),
                "another owner of the same session cannot release the grant");
        run(a, 1004, new Command.ReleaseLock(LockKind.LOCK, "x", 1, ((CommandResult.LockGranted) first).token()));
        assertEquals(2, lock("x").holder().orElseThrow().owner());
    }

    @Test
    void semaphoreGrantsPermitsInStrictFifoOrder() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long c = open(1000, 60_000);
        long ta = ((CommandResult.LockGranted) run(a, 1001, sem("s", 2, 3))).token();
        assertInstanceOf(CommandResult.LockQueued.class, run(b, 1002, sem("s", 2, 3)), "only 1 of 3 permits free");
        assertInstanceOf(CommandResult.LockQueued.class, run(c, 1003, sem("s", 1, 3)),
                "a small request waits behind the larger one at the head: no starvation");
        LockInfo s = info(LockKind.SEMAPHORE, "s");
        assertEquals(3, s.capacity());
        assertEquals(2, s.permitsHeld());
        run(a, 1004, new Command.ReleaseLock(LockKind.SEMAPHORE, "s", 1, ta));
        s = info(LockKind.SEMAPHORE, "s");
        assertEquals(List.of(b, c), s.holders().stream().map(LockInfo.Holder::session).toList());
        assertEquals(3, s.permitsHeld());
        assertTrue(s.holders().get(1).token() > s.holders().get(0).token());
    }

    @Test
    void semaphoreRejectsAMismatchedCapacityAndImpossibleRequests() {
        long a = open(1000, 60_000);
        run(a, 1001, sem("s", 1, 3));
        CommandResult r = run(a, 1002, new Command.AcquireLock(LockKind.SEMAPHORE, "s", 2, 1, 4, -1, 0));
        assertInstanceOf(CommandResult.Rejected.class, r);
        assertTrue(((CommandResult.Rejected) r).reason().contains("3 permits"), r.toString());
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1003, sem("t", 4, 3)));
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1004, sem("t", 0, 3)));
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1005, sem("t", 1, 0)));
        assertInstanceOf(CommandResult.Rejected.class,
                run(a, 1006, new Command.AcquireLock(LockKind.LOCK, "m", 1, 2, 1, -1, 0)));
    }

    @Test
    void readWriteLockSharesReadersAndExcludesWriters() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long c = open(1000, 60_000);
        long d = open(1000, 60_000);
        long ra = ((CommandResult.LockGranted) run(a, 1001, rw("doc", false))).token();
        long rb = ((CommandResult.LockGranted) run(b, 1002, rw("doc", false))).token();
        assertInstanceOf(CommandResult.LockQueued.class, run(c, 1003, rw("doc", true)));
        assertInstanceOf(CommandResult.LockQueued.class, run(d, 1004, rw("doc", false)),
                "a reader behind a queued writer waits: writers are not starved");
        run(a, 1005, new Command.ReleaseLock(LockKind.RWLOCK, "doc", 1, ra));
        assertEquals(List.of(b), info(LockKind.RWLOCK, "doc").holders().stream().map(LockInfo.Holder::session).toList());
        run(b, 1006, new Command.ReleaseLock(LockKind.RWLOCK, "doc", 1, rb));
        LockInfo.Holder w = info(LockKind.RWLOCK, "doc").holder().orElseThrow();
        assertEquals(c, w.session());
        assertEquals(1, info(LockKind.RWLOCK, "doc").holders().size());
        assertTrue(w.token() > rb);
        run(c, 1007, new Command.ReleaseLock(LockKind.RWLOCK, "doc", 1, w.token()));
        assertEquals(d, info(LockKind.RWLOCK, "doc").holder().orElseThrow().session());
    }

    @Test
    void electionHandsLeadershipToTheNextCandidateWithAHigherTermOnResignAndExpiry() {
        long a = open(1000, 2000);
        long b = open(1000, 60_000);
        long c = open(1000, 60_000);
        long t1 = ((CommandResult.LockGranted) run(a, 1001, elect("g"))).token();
        run(b, 1002, elect("g"));
        run(c, 1003, elect("g"));
        assertNull(lock("g"), "elections and locks have separate names");
        sm.advance(++index, 3002); // a's session expires
        LockInfo.Holder leader = info(LockKind.ELECTION, "g").holder().orElseThrow();
        assertEquals(b, leader.session());
        assertTrue(leader.token() > t1);
        assertEquals("node", leader.nodeId());
        assertTrue(events.contains("released g " + a + " " + t1 + " session expired"), events.toString());
        run(b, 3003, new Command.ReleaseLock(LockKind.ELECTION, "g", 1, leader.token()));
        assertTrue(events.contains("released g " + b + " " + leader.token() + " resigned"), events.toString());
        LockInfo.Holder next = info(LockKind.ELECTION, "g").holder().orElseThrow();
        assertEquals(c, next.session());
        assertTrue(next.token() > leader.token());
    }

    @Test
    void tooLongNamesAreRejected() {
        long a = open(1000, 60_000);
        CommandResult r = run(a, 1001, acq("x".repeat(2000), -1, 0));
        assertInstanceOf(CommandResult.Rejected.class, r);
        assertTrue(((CommandResult.Rejected) r).reason().contains("exceeds the limit"), r.toString());
    }

    @Test
    void snapshotKeepsEveryKind() throws Exception {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        run(a, 1001, sem("s", 2, 3));
        run(b, 1002, sem("s", 2, 3));
        run(a, 1003, rw("doc", true));
        run(b, 1004, rw("doc", false));
        run(a, 1005, elect("g"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sm.snapshot(bytes);
        StateMachine copy = new StateMachine(StateMachine.Limits.DEFAULT);
        copy.restore(new ByteArrayInputStream(bytes.toByteArray()));
        for (LockKind k : LockKind.values()) {
            assertEquals(sm.locks(k, ""), copy.locks(k, ""), k.toString());
        }
        assertEquals(sm.lastFencingToken(), copy.lastFencingToken());
    }

    @Test
    void cancellingAWaitingWriterLetsTheReadersBehindItIn() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long c = open(1000, 60_000);
        run(a, 1001, rw("doc", false));
        run(b, 1002, rw("doc", true));
        run(c, 1003, rw("doc", false));
        assertEquals(1, info(LockKind.RWLOCK, "doc").holders().size(), "the reader behind the writer waits");
        run(b, 1004, new Command.CancelLockWait(LockKind.RWLOCK, "doc", 1));
        assertEquals(List.of(a, c), info(LockKind.RWLOCK, "doc").holders().stream().map(LockInfo.Holder::session)
                .toList(), "with the writer gone, the reader is granted at once");
    }

    @Test
    void aReplicaRestoredFromASnapshotStaysIdenticalDespiteStaleDeadlines() throws Exception {
        // The original keeps index entries of waits that ended; the restored copy does not have them.
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long c = open(1000, 60_000);
        run(a, 1001, acq("x", -1, 0));
        run(b, 1002, acq("x", 500, 0));       // a deadline at 1502 ...
        run(b, 1003, new Command.CancelLockWait(LockKind.LOCK, "x", 1)); // ... that no longer exists
        run(c, 1004, acq("x", -1, 0));
        run(a, 1005, rw("y", false));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sm.snapshot(bytes);
        StateMachine copy = new StateMachine(StateMachine.Limits.DEFAULT);
        copy.restore(new ByteArrayInputStream(bytes.toByteArray()));
        long seqBefore = seq;
        for (StateMachine m : List.of(sm, copy)) {
            seq = seqBefore;
            long i = index;
            m.apply(++i, 1600, new Envelope(b, ++seq, 0, rw("y", true)));
            m.apply(++i, 1700, new Envelope(c, ++seq, 0, new Command.KeepAlive()));
        }
        ByteArrayOutputStream x = new ByteArrayOutputStream();
        ByteArrayOutputStream y = new ByteArrayOutputStream();
        sm.snapshot(x);
        copy.snapshot(y);
        assertTrue(java.util.Arrays.equals(x.toByteArray(), y.toByteArray()), "replicas diverged");
    }

    private static Command.AcquireLock sem(String name, int permits, int capacity) {
        return new Command.AcquireLock(LockKind.SEMAPHORE, name, 1, permits, capacity, -1, 0);
    }

    private static Command.AcquireLock rw(String name, boolean write) {
        return new Command.AcquireLock(LockKind.RWLOCK, name, 1, write ? LockKind.RW_CAPACITY : 1, 0, -1, 0);
    }

    private static Command.AcquireLock elect(String name) {
        return new Command.AcquireLock(LockKind.ELECTION, name, 1, 1, 1, -1, 0);
    }
}
