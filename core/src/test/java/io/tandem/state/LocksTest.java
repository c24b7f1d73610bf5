package io.tandem.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
            public void onLockGranted(String name, long session, long token) {
                events.add("granted " + name + " " + session + " " + token);
            }

            @Override
            public void onLockWaitExpired(String name, long session) {
                events.add("wait-expired " + name + " " + session);
            }

            @Override
            public void onLockReleased(String name, long session, long token, String why) {
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
        return ((CommandResult.LockGranted) run(session, at, new Command.AcquireLock(name, -1, 0))).token();
    }

    private LockInfo lock(String name) {
        return sm.locks(name).stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }

    @Test
    void freeLockIsGrantedWithIncreasingTokensAndReacquireIsIdempotent() {
        long a = open(1000, 60_000);
        long t1 = acquire(a, 1001, "x");
        assertEquals(t1, acquire(a, 1002, "x"), "the holder asking again gets its own grant back");
        assertEquals(new CommandResult.LockReleased("x", true), run(a, 1003, new Command.ReleaseLock("x", t1)));
        long t2 = acquire(a, 1004, "x");
        long t3 = acquire(a, 1005, "y");
        assertTrue(t2 > t1 && t3 > t2, "tokens only grow: " + t1 + ", " + t2 + ", " + t3);
    }

    @Test
    void tryAcquireOnAHeldLockDoesNotWait() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        acquire(a, 1001, "x");
        assertEquals(new CommandResult.LockNotAcquired("x"), run(b, 1002, new Command.AcquireLock("x", 0, 0)));
        assertTrue(lock("x").waiters().isEmpty());
    }

    @Test
    void waitersAreGrantedInFifoOrderOnRelease() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long c = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        assertEquals(new CommandResult.LockQueued("x", 1), run(b, 1002, new Command.AcquireLock("x", -1, 0)));
        assertEquals(new CommandResult.LockQueued("x", 2), run(c, 1003, new Command.AcquireLock("x", -1, 0)));
        events.clear();
        run(a, 1004, new Command.ReleaseLock("x", ta));
        assertEquals(b, lock("x").holderSession());
        long tb = lock("x").token();
        assertTrue(tb > ta);
        assertEquals(List.of("released x " + a + " " + ta + " released", "granted x " + b + " " + tb), events);
        run(b, 1005, new Command.ReleaseLock("x", tb));
        assertEquals(c, lock("x").holderSession());
    }

    @Test
    void aStaleReleaseNeverFreesANewerGrant() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        run(b, 1002, new Command.AcquireLock("x", -1, 0));
        run(a, 1003, new Command.ReleaseLock("x", ta));
        long tb = lock("x").token();
        assertEquals(new CommandResult.LockReleased("x", false), run(a, 1004, new Command.ReleaseLock("x", ta)));
        assertEquals(new CommandResult.LockReleased("x", false), run(b, 1005, new Command.ReleaseLock("x", ta)),
                "the holder's own release with an older token is stale too");
        assertEquals(b, lock("x").holderSession());
        assertEquals(tb, lock("x").token());
    }

    @Test
    void aWaiterIsDroppedWhenItsDeadlinePassesAndNeverGrantedAfter() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1000, "x");
        run(b, 1000, new Command.AcquireLock("x", 100, 0));
        sm.advance(++index, 1099);
        assertEquals(List.of(b), lock("x").waiters());
        sm.advance(++index, 1100);
        assertTrue(lock("x").waiters().isEmpty());
        assertTrue(events.contains("wait-expired x " + b));
        run(a, 1200, new Command.ReleaseLock("x", ta));
        assertEquals(null, lock("x"), "free with no waiters: nothing is kept");
    }

    @Test
    void cancellingAWaitLeavesNoGhost() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        run(b, 1002, new Command.AcquireLock("x", -1, 0));
        run(b, 1003, new Command.CancelLockWait("x"));
        run(a, 1004, new Command.ReleaseLock("x", ta));
        assertEquals(null, lock("x"));
    }

    @Test
    void anExpiredHolderPassesTheLockToTheNextLiveWaiterInTheSameApply() {
        long a = open(1000, 2000);   // expires after 3000
        long b = open(1000, 2000);   // also expires after 3000: must not be granted
        long c = open(1000, 60_000);
        acquire(a, 1000, "x");
        run(b, 1000, new Command.AcquireLock("x", -1, 0));
        run(c, 1000, new Command.AcquireLock("x", -1, 0));
        run(c, 2900, new Command.KeepAlive());
        sm.advance(++index, 3001);
        assertEquals(c, lock("x").holderSession(), "b expired in the same apply and must be skipped");
        assertTrue(events.stream().noneMatch(e -> e.startsWith("granted x " + b + " ")), events.toString());
    }

    @Test
    void closingASessionReleasesAtOnce() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        acquire(a, 1001, "x");
        run(b, 1002, new Command.AcquireLock("x", -1, 0));
        run(a, 1003, new Command.CloseSession());
        assertEquals(b, lock("x").holderSession());
    }

    @Test
    void maximumHoldTimeEndsAGrant() {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        assertInstanceOf(CommandResult.LockGranted.class, run(a, 1000, new Command.AcquireLock("x", -1, 500)));
        run(b, 1001, new Command.AcquireLock("x", -1, 0));
        sm.advance(++index, 1499);
        assertEquals(a, lock("x").holderSession());
        sm.advance(++index, 1500);
        assertEquals(b, lock("x").holderSession());
        assertTrue(events.stream().anyMatch(e -> e.endsWith("maximum hold time passed")), events.toString());
    }

    @Test
    void aRestartedNodeDoesNotInheritItsOldSessionsLocks() {
        long old = open(1000, 2000);
        acquire(old, 1000, "x");
        long fresh = open(1500, 2000); // same node id, new session
        assertEquals(new CommandResult.LockNotAcquired("x"), run(fresh, 1600, new Command.AcquireLock("x", 0, 0)));
        run(fresh, 3500, new Command.KeepAlive());
        assertEquals(null, lock("x"), "the old session expired and took its lock with it");
        assertInstanceOf(CommandResult.LockGranted.class, run(fresh, 3600, new Command.AcquireLock("x", 0, 0)));
    }

    @Test
    void snapshotKeepsHoldersWaitersAndTokens() throws Exception {
        long a = open(1000, 60_000);
        long b = open(1000, 60_000);
        long ta = acquire(a, 1001, "x");
        run(b, 1002, new Command.AcquireLock("x", 5000, 0));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sm.snapshot(bytes);
        StateMachine copy = new StateMachine(StateMachine.Limits.DEFAULT);
        copy.restore(new ByteArrayInputStream(bytes.toByteArray()));
        assertEquals(sm.locks(""), copy.locks(""));
        copy.apply(++index, 1003, new Envelope(a, ++seq, 0, new Command.ReleaseLock("x", ta)));
        LockInfo after = copy.locks("x").get(0);
        assertEquals(b, after.holderSession());
        assertTrue(after.token() > ta);
    }

    @Test
    void invalidLockCommandsAreRejected() {
        long a = open(1000, 60_000);
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1001, new Command.AcquireLock("", -1, 0)));
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1002, new Command.AcquireLock("x", -5, 0)));
        assertInstanceOf(CommandResult.Rejected.class, run(a, 1003, new Command.AcquireLock("x", -1, -1)));
    }

    @Test
    void lockCommandsRoundTripThroughTheCodec() {
        for (Command c : List.of(new Command.AcquireLock("l", 10, 20), new Command.ReleaseLock("l", 7),
                new Command.CancelLockWait("l"))) {
            assertEquals(c, CommandCodec.decode(CommandCodec.encode(new Envelope(1, 2, 1, c))).command());
        }
    }
}
