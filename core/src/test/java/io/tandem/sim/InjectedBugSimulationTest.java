package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.fail;

import io.tandem.raft.RaftConfig.InjectedBug;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checker that cannot fail proves nothing: each deliberately broken Raft rule must be caught
 * by the simulator's invariants or its linearizability check within a bounded number of seeds.
 */
@Execution(ExecutionMode.CONCURRENT)
class InjectedBugSimulationTest {

    private static final Logger LOG = LoggerFactory.getLogger(InjectedBugSimulationTest.class);
    private static final int MAX_SEEDS = Integer.getInteger("tandem.bugSeeds", 1000);

    // COMMIT_OLD_TERM_BY_COUNTING needs two leaders to die at precise moments (Figure 8); random
    // seeds rarely line that up, so Figure8SimulationTest scripts it on this same simulator.
    @ParameterizedTest
    @EnumSource(value = InjectedBug.class, mode = EnumSource.Mode.EXCLUDE, names = "COMMIT_OLD_TERM_BY_COUNTING")
    void simulatorCatchesBug(InjectedBug bug) {
        SplittableRandom seeds = new SplittableRandom(0xB06L + bug.ordinal());
        for (int i = 0; i < MAX_SEEDS; i++) {
            long seed = seeds.nextLong();
            int nodes = i % 2 == 0 ? 3 : 5;
            Simulator.Options opt = Simulator.Options.fromSeed(seed, nodes, "InjectedBugSimulationTest")
                    .hostile().withBugs(List.of(bug));
            try {
                SimulationRunner.runAndCheck(opt);
            } catch (SimulationFailure expected) {
                LOG.warn("bug {} caught after {} seeds: {}", bug, i + 1, expected.getMessage());
                System.out.printf("bug %s caught after %d seeds (invariant %s)%n", bug, i + 1, expected.invariant());
                return;
            }
        }
        fail("the simulator did not catch injected bug " + bug + " within " + MAX_SEEDS + " seeds");
    }
}
