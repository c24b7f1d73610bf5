package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.LockKind;
import io.tandem.state.StateMachine;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/** The lock invariant checker must report each violation it claims to catch. */
class LockChecksTest {

    private final StateMachine sm = new StateMachine(StateMachine.Limits.DEFAULT);
    private final HashMap<Long, LockChecks.Grant> agreed = new HashMap<>();
    private final LockChecks checks = new LockChecks("n1", sm, agreed,
            (inv, detail) -> new AssertionError(inv + ": " + detail), null);
    private long index;

    private long open() {
        return ((CommandResult.SessionOpened) sm.apply(++index, 1000,
                new Envelope(0, 0, 0, new Command.OpenSession("n", 60_000, index)))).sessionId();
    }

    private String violation(Runnable r) {
        return assertThrows(AssertionError.class, r::run).getMessage().split(":")[0];
    }

    @Test
    void twoHoldersOfOneLock() {
        long a = open();
        long b = open();
        checks.onLockGranted(LockKind.LOCK, "x", a, "n", 1, 1);
        assertEquals("OneHolder", violation(() -> checks.onLockGranted(LockKind.LOCK, "x", b, "n", 1, 2)));
    }

    @Test
    void aTokenThatDoesNotGrow() {
        long a = open();
        checks.onLockGranted(LockKind.LOCK, "x", a, "n", 1, 5);
        assertEquals("FencingTokenOrder", violation(() -> checks.onLockGranted(LockKind.LOCK, "y", a, "n", 2, 5)));
    }

    @Test
    void replicasDisagreeingAboutAToken() {
        long a = open();
        agreed.put(1L, new LockChecks.Grant(LockKind.LOCK, "x", a, 9));
        assertEquals("GrantAgreement", violation(() -> checks.onLockGranted(LockKind.LOCK, "x", a, "n", 1, 1)));
    }

    @Test
    void aGrantToADeadSession() {
        assertEquals("GrantToDeadSession", violation(() -> checks.onLockGranted(LockKind.LOCK, "x", 42, "n", 1, 1)));
    }

    @Test
    void aGrantAfterTheWaitersDeadline() {
        long a = open();
        long b = open();
        sm.apply(++index, 1000, new Envelope(a, 1, 0, new Command.AcquireLock(LockKind.LOCK, "x", 1, 1, 1, -1, 0)));
        Envelope wait = new Envelope(b, 1, 0, new Command.AcquireLock(LockKind.LOCK, "x", 1, 1, 1, 100, 0));
        checks.beforeApply(wait);
        checks.afterApply(wait, sm.apply(++index, 1000, wait));
        // Time passes without the checker hearing of it (as if the engine forgot the expiry event) ...
        sm.setListener(new StateMachine.Listener() { });
        sm.advance(++index, 1200);
        // ... and a buggy engine then grants the expired waiter.
        assertEquals("GrantAfterDeadline", violation(() -> checks.onLockGranted(LockKind.LOCK, "x", b, "n", 1, 99)));
    }

    @Test
    void aReleaseOfSomeoneWhoDidNotHold() {
        assertEquals("ReleaseOfNonHolder",
                violation(() -> checks.onLockReleased(LockKind.LOCK, "x", 7, 1, 1, "released")));
    }
}
