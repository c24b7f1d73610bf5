package io.tandem.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Seeded property tests: histories generated from a real sequential execution with random
 * concurrency windows pass; the same histories with one read changed to an impossible value fail.
 *
 * <p>Runs {@code -Dtandem.seeds} seeds (500 by default, from the parent pom). Replay one seed with
 * {@code -Dtandem.check.seed=<seed>}.
 */
class LinearizabilityPropertyTest {

    /** Deterministic: no wall clock, so a seed replays exactly. Far above what any seed needs. */
    private static final Budget BUDGET = Budget.steps(2_000_000);

    @Test
    @DisplayName("register: generated histories pass, mutated reads fail")
    void register() {
        forEachSeed("register", (seed, random) -> {
            Workloads.Register workload = new Workloads.Register();
            var history = SimulatedClients.run(random, workload, 2 + random.nextInt(5),
                    20 + random.nextInt(120), faults(random));
            checkPair(seed, "register", new RegisterModel<>(0), history, workload, random);
        });
    }

    @Test
    @DisplayName("key/value: generated histories pass, mutated reads fail")
    void keyValue() {
        forEachSeed("key/value", (seed, random) -> {
            Workloads.KeyValue workload = new Workloads.KeyValue(Workloads.keys(1 + random.nextInt(4)));
            var history = SimulatedClients.run(random, workload, 2 + random.nextInt(5),
                    20 + random.nextInt(200), faults(random));
            checkPair(seed, "key/value", new KeyValueModel<>(), history, workload, random);
        });
    }

    @Test
    @DisplayName("versioned records: generated histories pass, mutated reads fail")
    void versionedRecords() {
        forEachSeed("versioned records", (seed, random) -> {
            var afterDelete = random.nextBoolean() ? VersionedRecordModel.VersionsAfterDelete.RESTART
                    : VersionedRecordModel.VersionsAfterDelete.CONTINUE;
            Workloads.Records workload = new Workloads.Records(Workloads.keys(1 + random.nextInt(4)), afterDelete);
            var history = SimulatedClients.run(random, workload, 2 + random.nextInt(5),
                    20 + random.nextInt(200), faults(random));
            checkPair(seed, "versioned records " + afterDelete, new VersionedRecordModel<>(afterDelete),
                    history, workload, random);
        });
    }

    @Test
    @DisplayName("timestamp oracle: a strictly increasing execution passes, a duplicate fails")
    void timestampOracle() {
        forEachSeed("timestamp oracle", (seed, random) -> {
            History<String, Long> history = SimulatedClients.run(random, new Oracle(), 2 + random.nextInt(5),
                    20 + random.nextInt(200), faults(random));
            Result increasing = MonotonicChecker.strictlyIncreasing(history);
            Result unique = MonotonicChecker.unique(history);
            if (!increasing.isOk() || !unique.isOk()) {
                fail(failure(seed, "timestamp oracle", "valid history rejected", increasing + "\n" + unique, history));
            }
            Optional<History<String, Long>> duplicated = duplicateLaterValue(history);
            duplicated.ifPresent(bad -> {
                Result result = MonotonicChecker.strictlyIncreasing(bad);
                if (!result.isIllegal() || !MonotonicChecker.unique(bad).isIllegal()) {
                    fail(failure(seed, "timestamp oracle", "duplicate not detected", result.report(), bad));
                }
            });
        });
    }

    private static <S, I, O> void checkPair(long seed, String name, Model<S, I, O> model,
                                            History<I, O> history, Workloads.Facts<I, O> facts,
                                            SplittableRandom random) {
        Result valid = LinearizabilityChecker.check(model, history, BUDGET);
        if (!valid.isOk()) {
            fail(failure(seed, name, "linearizable history not accepted", valid.report(), history));
        }
        Optional<ReadMutation.Mutated<I, O>> mutated = ReadMutation.mutate(history, facts, random);
        if (mutated.isEmpty()) {
            return; // no completed read to mutate
        }
        ReadMutation.Mutated<I, O> bad = mutated.get();
        Result result = LinearizabilityChecker.check(model, bad.history(), BUDGET);
        String what = "read #" + bad.readIndex() + " changed to " + bad.value() + " (" + bad.why() + ")";
        if (!result.isIllegal()) {
            fail(failure(seed, name, "mutation not detected: " + what, result.report(), bad.history()));
        }
        assertEquals(List.of(String.valueOf(bad.key())),
                result.counterexamples().stream().map(Counterexample::partition).toList(),
                () -> failure(seed, name, "violation reported under the wrong key: " + what,
                        result.report(), bad.history()));
    }

    private static SimulatedClients.Faults faults(SplittableRandom random) {
        return random.nextInt(4) == 0 ? SimulatedClients.Faults.NONE
                : new SimulatedClients.Faults(random.nextDouble() * 0.15, random.nextDouble() * 0.05);
    }

    /** Copies an earlier completed value into an operation invoked after it completed. */
    private static Optional<History<String, Long>> duplicateLaterValue(History<String, Long> history) {
        List<Operation<String, Long>> ops = history.operations();
        for (int later = ops.size() - 1; later >= 0; later--) {
            for (int earlier = 0; earlier < ops.size(); earlier++) {
                Operation<String, Long> a = ops.get(earlier);
                Operation<String, Long> b = ops.get(later);
                if (a.status() == Operation.Status.OK && b.status() == Operation.Status.OK && a.precedes(b)) {
                    List<Operation<String, Long>> copy = new java.util.ArrayList<>(ops);
                    copy.set(later, Operation.ok(b.client(), b.invokeTime(), b.responseTime(), b.input(), a.output()));
                    return Optional.of(History.of(copy));
                }
            }
        }
        return Optional.empty();
    }

    private interface SeededCase {
        void run(long seed, SplittableRandom random);
    }

    private static void forEachSeed(String name, SeededCase body) {
        Long only = Long.getLong("tandem.check.seed");
        LongStream seeds = only != null ? LongStream.of(only)
                : LongStream.range(0, Integer.getInteger("tandem.seeds", 500));
        seeds.forEach(seed -> {
            try {
                body.run(seed, new SplittableRandom(seed));
            } catch (RuntimeException e) {
                throw new AssertionError(name + " seed=" + seed + " threw; replay: "
                        + replay(seed), e);
            }
        });
    }

    private static String failure(long seed, String name, String what, String report, History<?, ?> history) {
        return "PROPERTY FAILED model=" + name + " seed=" + seed + ": " + what + "\nreplay: "
                + replay(seed) + "\n" + report + "\n" + history;
    }

    private static String replay(long seed) {
        return "mvn -pl core test -Dtest=LinearizabilityPropertyTest -Dtandem.check.seed=" + seed;
    }

    /** The cluster timestamp oracle: a counter, read and bumped at each linearization point. */
    private static final class Oracle implements SimulatedClients.Workload<String, Long> {
        private long last;

        @Override
        public String nextInput(SplittableRandom random) {
            return "nextTimestamp()";
        }

        @Override
        public Long apply(String input) {
            return ++last;
        }
    }
}
