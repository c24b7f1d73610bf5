package io.tandem.chaos;

import io.tandem.Tandem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One chaos workload: what its clients do (in their own processes, {@link #drive}) and how the
 * harness checks the histories they wrote ({@link #check}). Implementations are stateless.
 */
interface Workload {

    /** The name used on the command line and in report directories. */
    String name();

    /** How many client processes to start. */
    default int clientCount() {
        return 3;
    }

    /**
     * Runs in a client process until {@code ctx.deadlineNanos()}, recording every operation in
     * {@code ctx.history()} (invocation before the call, completion after the answer).
     */
    void drive(Context ctx) throws Exception;

    /** Checks the clients' histories; runs in the harness after every client exited. */
    Verdict check(List<Path> histories, Path runDir) throws IOException;

    /** What a client's {@link #drive} gets. */
    record Context(Tandem node, String clientId, int clientIndex, HistoryWriter history, long deadlineNanos,
                   SplittableRandom random, Map<String, String> params) {

        boolean running() {
            return HistoryWriter.now() < deadlineNanos;
        }

        String param(String key, String defaultValue) {
            return params.getOrDefault(key, defaultValue);
        }
    }

    /** A checker's conclusion: pass or fail, how many operations it looked at, and a report. */
    record Verdict(boolean ok, long operations, String report) {
    }

    /** Every workload by name. */
    static Workload named(String name) {
        switch (name) {
            case "register": return new RegisterWorkload(false);
            case "register-stale": return new RegisterWorkload(true);
            case "lock": return new FencedLockWorkload();
            case "leader": return new LeaderWorkload();
            case "timestamps": return new TimestampWorkload();
            case "watch": return new WatchWorkload();
            case "queue": return new QueueWorkload();
            default: throw new IllegalArgumentException("unknown workload " + name);
        }
    }
}
