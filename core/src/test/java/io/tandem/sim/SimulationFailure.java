package io.tandem.sim;

/** A violated invariant, with everything needed to replay the run. */
public final class SimulationFailure extends AssertionError {

    private final String invariant;

    SimulationFailure(String invariant, long seed, int nodes, long steps, long timeMs, String detail, String replayTest) {
        super(String.format("SIMULATION FAILED seed=0x%x nodes=%d steps=%d time=%dms invariant=%s%n  %s%n"
                        + "replay: mvn -pl core -am test -Dtest=%s -Dtandem.seed=0x%x -Dtandem.nodes=%d -Dsurefire.failIfNoSpecifiedTests=false",
                seed, nodes, steps, timeMs, invariant, detail, replayTest, seed, nodes));
        this.invariant = invariant;
    }

    public String invariant() {
        return invariant;
    }
}
