package io.tandem.sim;

import java.util.stream.Stream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeded whole-cluster runs with the task workload ({@link TaskWorkload}) on the real state
 * machine, under the seed's partitions, crashes, message loss and clock jumps: every acknowledged
 * submit ends completed or dead-lettered, an idempotency key makes one task, no completion is
 * accepted from an expired or superseded claim, a schedule fires at most once per period. The
 * Raft invariants and the client history check of {@link RaftSimulationTest} run as well.
 * A twentieth of {@code -Dtandem.seeds} (default 25; {@code -Psoak} 1,000); replay one with
 * {@code -Dtandem.seed=0x…}.
 */
@Execution(ExecutionMode.CONCURRENT)
class TaskSimulationTest {

    private static final Logger LOG = LoggerFactory.getLogger(TaskSimulationTest.class);

    static Stream<Long> seeds() {
        Stream<Long> all = Seeds.select(0x7A5C5EEDL).stream();
        return System.getProperty("tandem.seed", "").isBlank()
                ? all.limit(Math.max(1, Integer.getInteger("tandem.seeds", 500) / 20)) : all;
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void simulate(long seed) {
        int nodes = Integer.getInteger("tandem.nodes", Math.floorMod(seed, 2) == 0 ? 3 : 5);
        Simulator.Options seeded = Simulator.Options.fromSeed(seed, nodes, "TaskSimulationTest");
        // A longer healed phase: stamps never go backwards, so after the safety phase's clock jumps
        // entry time may stand still for a while, and leases, back-offs and delays wait for it.
        Simulator.Options opt = seeded.withPhases(seeded.safetyMs(), 50_000);
        LOG.info("task simulation seed=0x{} nodes={} options={}", Long.toHexString(seed), nodes, opt);
        Simulator sim = new Simulator(opt).withTasks();
        Simulator.Result result = sim.run();
        HistoryCheck.check(opt, result);
        LOG.info("task simulation seed=0x{}: {}", Long.toHexString(seed), sim.taskWorkload().summary());
    }
}
