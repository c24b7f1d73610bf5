package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lock workload of the whole-cluster simulation really exercises locks: odd clients take
 * locks, semaphores, read-write locks and elections with short sessions that expire under
 * partitions and crashes, and {@link LockChecks} checks every grant on every replica. This test
 * makes sure a run checks a meaningful number of grants (the invariants themselves fail the run).
 */
@Execution(ExecutionMode.CONCURRENT)
class LockWorkloadSimulationTest {

    static Stream<Long> seeds() {
        return Seeds.select(0x10CC5L).stream().limit(Integer.getInteger("tandem.lockSeeds", 40));
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void grantsAreCheckedOnEveryReplica(long seed) {
        int nodes = Math.floorMod(seed, 2) == 0 ? 3 : 5;
        Simulator.Options opt = Simulator.Options.fromSeed(seed, nodes, "LockWorkloadSimulationTest");
        Simulator sim = new Simulator(opt);
        Simulator.Result result = sim.run();
        HistoryCheck.check(opt, result);
        assertTrue(sim.lockGrantsChecked() >= 10, "seed " + Long.toHexString(seed) + ": only "
                + sim.lockGrantsChecked() + " lock grants were checked; the workload is not exercising locks");
    }
}
