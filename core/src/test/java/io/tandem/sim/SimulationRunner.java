package io.tandem.sim;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one simulation, logs its seed first, and checks the history it produced. */
public final class SimulationRunner {

    private static final Logger LOG = LoggerFactory.getLogger(SimulationRunner.class);

    private SimulationRunner() {
    }

    public static Simulator.Result runAndCheck(Simulator.Options opt) {
        LOG.info("simulation seed=0x{} nodes={} options={}", Long.toHexString(opt.seed()), opt.nodes(), opt);
        Simulator.Result result = new Simulator(opt).run();
        HistoryCheck.check(opt, result);
        return result;
    }
}
