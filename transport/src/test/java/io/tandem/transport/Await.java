package io.tandem.transport;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling; the test fails with a description on timeout. */
final class Await {

    static final Duration DEFAULT = Duration.ofSeconds(30);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private Await() {}

    static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT, condition, () -> "");
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    static void until(String what, BooleanSupplier condition, Supplier<String> state) {
        until(what, DEFAULT, condition, state);
    }

    /** {@code state} is evaluated only on timeout, to say what was seen instead. */
    static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what
                        + stateSuffix(state));
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Repeats {@code action} (e.g. a send that may be dropped) every {@code everyMs} until the condition holds. */
    static void retrying(String what, long everyMs, Runnable action, BooleanSupplier condition) {
        retrying(what, DEFAULT, everyMs, action, condition);
    }

    static void retrying(String what, Duration timeout, long everyMs, Runnable action, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextAction = System.nanoTime();
        while (!condition.getAsBoolean()) {
            long now = System.nanoTime();
            if (now - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            if (now - nextAction >= 0) {
                action.run();
                nextAction = now + TimeUnit.MILLISECONDS.toNanos(everyMs);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private static String stateSuffix(Supplier<String> state) {
        String s = state.get();
        return s.isEmpty() ? "" : " (" + s + ")";
    }
}
