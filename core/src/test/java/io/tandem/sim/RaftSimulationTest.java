package io.tandem.sim;

import java.util.stream.Stream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded whole-cluster runs: safety invariants after every event, liveness after healing,
 * linearizability of the client history at the end. Half the seeds run 3 nodes, half 5.
 */
@Execution(ExecutionMode.CONCURRENT)
class RaftSimulationTest {

    static Stream<Long> seeds() {
        return Seeds.select(0x7A4D3E5EEDL).stream();
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void simulate(long seed) {
        int nodes = Integer.getInteger("tandem.nodes", Math.floorMod(seed, 2) == 0 ? 3 : 5);
        Simulator.Options opt = Simulator.Options.fromSeed(seed, nodes, "RaftSimulationTest");
        // -Dtandem.hostile=true replays a seed with the injected-bug hunt's harsher fault mix.
        SimulationRunner.runAndCheck(Boolean.getBoolean("tandem.hostile") ? opt.hostile() : opt);
    }
}
