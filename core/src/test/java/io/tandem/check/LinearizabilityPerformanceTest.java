package io.tandem.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Performance sanity on large histories. Bounds are on search steps, which are deterministic,
 * never on wall time, which depends on the machine and its load; the time is printed to the
 * surefire output for a human to watch.
 */
class LinearizabilityPerformanceTest {

    /**
     * Generous: these histories take about 1 (10 keys), 7 (one bad read) and 14 (one key, 5% INFO)
     * steps per operation. Reaching 100 means a search reduction stopped working.
     */
    private static final int STEPS_PER_OPERATION_MAX = 100;

    @Test
    @DisplayName("5,000 ops over 10 keys with 5 clients: linearizable, within the step bound")
    void fiveThousandOpsTenKeys() {
        var workload = new Workloads.KeyValue(Workloads.keys(10));
        var history = SimulatedClients.run(new SplittableRandom(42), workload, 5, 5_000,
                new SimulatedClients.Faults(0.02, 0.01));
        Result result = timed("kv 5000 ops / 10 keys / 5 clients",
                () -> LinearizabilityChecker.check(new KeyValueModel<>(), history, budget(5_000)));
        assertTrue(result.isOk(), result::report);
    }

    @Test
    @DisplayName("5,000 ops on one key with 5 clients and 5% unknown: linearizable, within the step bound")
    void fiveThousandOpsOneKey() {
        var workload = new Workloads.Records(Workloads.keys(1),
                VersionedRecordModel.VersionsAfterDelete.RESTART);
        var history = SimulatedClients.run(new SplittableRandom(7), workload, 5, 5_000,
                new SimulatedClients.Faults(0.05, 0.01));
        Result result = timed("versioned 5000 ops / 1 key / 5 clients / 5% info",
                () -> LinearizabilityChecker.check(new VersionedRecordModel<>(), history, budget(5_000)));
        assertTrue(result.isOk(), result::report);
    }

    @Test
    @DisplayName("a 5,000-op register history with one stale read late in it fails within the step bound")
    void largeHistoryWithOneBadRead() {
        var workload = new Workloads.Register();
        var history = SimulatedClients.run(new SplittableRandom(3), workload, 5, 5_000,
                new SimulatedClients.Faults(0.02, 0.01));
        var mutated = ReadMutation.mutate(history, workload, new SplittableRandom(3)).orElseThrow();
        Result result = timed("register 5000 ops, read #" + mutated.readIndex() + " mutated",
                () -> LinearizabilityChecker.check(new RegisterModel<>(0), mutated.history(), budget(5_000)));
        assertEquals(Result.Verdict.ILLEGAL, result.verdict(), result::report);
    }

    private static Budget budget(int operations) {
        return Budget.steps((long) operations * STEPS_PER_OPERATION_MAX);
    }

    /** Wall time goes to the surefire output only; asserting on it would make the test flaky. */
    private static Result timed(String what, Supplier<Result> check) {
        long start = System.nanoTime();
        Result result = check.get();
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%s: %s in %d ms, %d steps%n", what, result.verdict(), millis, result.steps());
        return result;
    }
}
