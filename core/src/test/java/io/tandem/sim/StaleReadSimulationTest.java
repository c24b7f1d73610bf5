package io.tandem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end linearizability check must be able to fail: when nodes serve reads from their
 * local state instead of through ReadIndex, some seed must produce a non-linearizable history.
 */
class StaleReadSimulationTest {

    @Test
    void historyCheckCatchesStaleReads() {
        SplittableRandom seeds = new SplittableRandom(0x57A1EL);
        for (int i = 0; i < 300; i++) {
            long seed = seeds.nextLong();
            Simulator.Options opt = Simulator.Options.fromSeed(seed, i % 2 == 0 ? 3 : 5, "StaleReadSimulationTest");
            try {
                Simulator.Result result = new Simulator(opt).serveStaleReadsForTesting().run();
                HistoryCheck.check(opt, result);
            } catch (SimulationFailure expected) {
                assertEquals("Linearizability", expected.invariant(), expected.getMessage());
                System.out.printf("stale reads caught after %d seeds%n", i + 1);
                return;
            }
        }
        fail("300 seeds with stale follower reads produced no non-linearizable history");
    }
}
