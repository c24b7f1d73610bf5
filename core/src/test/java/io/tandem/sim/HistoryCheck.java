package io.tandem.sim;

import io.tandem.check.Budget;
import io.tandem.check.History;
import io.tandem.check.KeyValueModel;
import io.tandem.check.LinearizabilityChecker;
import io.tandem.check.Operation;
import io.tandem.check.Result;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the simulator's register history for linearizability with the WGL checker. The step
 * budget (not a wall-clock timeout) keeps verdicts identical when a seed is replayed; an UNKNOWN
 * verdict is a failure too, since it proves nothing.
 */
final class HistoryCheck {

    private static final long STEP_BUDGET = 20_000_000;

    private HistoryCheck() {
    }

    static void check(Simulator.Options opt, Simulator.Result result) {
        List<Operation<KeyValueModel.Input<String, String>, KeyValueModel.Output<String>>> ops = new ArrayList<>();
        for (HistoryOp h : result.history()) {
            ops.add(toOperation(h));
        }
        Result r = LinearizabilityChecker.check(new KeyValueModel<String, String>(), History.of(ops),
                Budget.steps(STEP_BUDGET));
        if (!r.isOk()) {
            throw new SimulationFailure(r.isIllegal() ? "Linearizability" : "LinearizabilityUndecided", opt.seed(),
                    opt.nodes(), result.steps(), -1, r.report(), opt.replayTest());
        }
    }

    private static Operation<KeyValueModel.Input<String, String>, KeyValueModel.Output<String>> toOperation(
            HistoryOp h) {
        KeyValueModel.Input<String, String> in = switch (h.type()) {
            case "read" -> KeyValueModel.get(h.key());
            case "put" -> KeyValueModel.put(h.key(), h.value());
            case "cas" -> KeyValueModel.cas(h.key(), h.expected().isEmpty() ? null : h.expected(), h.value());
            default -> throw new IllegalArgumentException("unknown op type " + h.type());
        };
        if (h.status() == HistoryOp.Status.INFO) {
            return Operation.info(h.client(), h.invokeMs(), in);
        }
        KeyValueModel.Output<String> out = switch (h.type()) {
            case "read" -> h.output().isEmpty() ? KeyValueModel.Output.absent() : KeyValueModel.Output.value(h.output());
            case "put" -> KeyValueModel.Output.ok();
            default -> KeyValueModel.Output.cas(Boolean.parseBoolean(h.output()));
        };
        return Operation.ok(h.client(), h.invokeMs(), h.completeMs(), in, out);
    }
}
