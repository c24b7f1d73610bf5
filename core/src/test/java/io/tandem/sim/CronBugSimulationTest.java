package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tandem.state.InjectedScheduleBug;
import java.util.SplittableRandom;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cron checks of {@link CronChecks} must catch a schedule that fires from a replica's local
 * clock, and one that fires a slot without recording it in the replicated state, within a bounded
 * number of seeds of the task simulation (the same workload {@link TaskSimulationTest} runs clean).
 */
@Execution(ExecutionMode.CONCURRENT)
class CronBugSimulationTest {

    private static final Logger LOG = LoggerFactory.getLogger(CronBugSimulationTest.class);
    private static final int MAX_SEEDS = Integer.getInteger("tandem.cronBugSeeds", 60);

    @ParameterizedTest
    @EnumSource(InjectedScheduleBug.class)
    void simulatorCatchesScheduleBug(InjectedScheduleBug bug) {
        SplittableRandom seeds = new SplittableRandom(0xC20L + bug.ordinal());
        for (int i = 0; i < MAX_SEEDS; i++) {
            long seed = seeds.nextLong();
            Simulator.Options seeded = Simulator.Options.fromSeed(seed, i % 2 == 0 ? 3 : 5, "CronBugSimulationTest")
                    .hostile();
            Simulator.Options opt = seeded.withPhases(seeded.safetyMs(), 20_000);
            try {
                new Simulator(opt).withTasks().withScheduleBug(bug).run();
            } catch (SimulationFailure expected) {
                LOG.warn("schedule bug {} caught after {} seeds: {}", bug, i + 1, expected.getMessage());
                System.out.printf("schedule bug %s caught after %d seeds (invariant %s)%n", bug, i + 1,
                        expected.invariant());
                assertTrue(expected.invariant().startsWith("Cron"), "caught, but by " + expected.invariant()
                        + " rather than a cron check: " + expected.getMessage());
                return;
            }
        }
        fail("the simulator did not catch injected schedule bug " + bug + " within " + MAX_SEEDS + " seeds");
    }
}
