package io.tandem.sim;

import io.tandem.check.Budget;
import io.tandem.check.History;
import io.tandem.check.LinearizabilityChecker;
import io.tandem.check.Operation;
import io.tandem.check.Result;
import io.tandem.check.VersionedRecordModel;
import io.tandem.state.CommandResult;
import io.tandem.state.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the simulator's history of versioned records (the real state machine's Data semantics)
 * for linearizability with the WGL checker. The step budget (not a wall-clock timeout) keeps
 * verdicts identical when a seed is replayed; an UNKNOWN verdict is a failure too, since it proves
 * nothing.
 */
final class HistoryCheck {

    private static final long STEP_BUDGET = 20_000_000;

    private HistoryCheck() {
    }

    static void check(Simulator.Options opt, Simulator.Result result) {
        List<Operation<VersionedRecordModel.Input<String, String>, VersionedRecordModel.Output<String>>> ops =
                new ArrayList<>();
        for (HistoryOp h : result.history()) {
            ops.add(toOperation(h));
        }
        Result r = LinearizabilityChecker.check(new VersionedRecordModel<String, String>(), History.of(ops),
                Budget.steps(STEP_BUDGET));
        if (!r.isOk()) {
            throw new SimulationFailure(r.isIllegal() ? "Linearizability" : "LinearizabilityUndecided", opt.seed(),
                    opt.nodes(), result.steps(), -1, r.report(), opt.replayTest());
        }
    }

    private static Operation<VersionedRecordModel.Input<String, String>, VersionedRecordModel.Output<String>>
            toOperation(HistoryOp h) {
        VersionedRecordModel.Input<String, String> in = switch (h.type()) {
            case "read" -> VersionedRecordModel.read(h.key());
            case "put" -> VersionedRecordModel.write(h.key(), h.value());
            case "cas" -> VersionedRecordModel.writeIfVersion(h.key(), h.value(), h.expectedVersion());
            case "del" -> VersionedRecordModel.delete(h.key());
            default -> throw new IllegalArgumentException("unknown op type " + h.type());
        };
        if (h.status() == HistoryOp.Status.INFO) {
            return Operation.info(h.client(), h.invokeMs(), in);
        }
        return Operation.ok(h.client(), h.invokeMs(), h.completeMs(), in, output(h));
    }

    private static VersionedRecordModel.Output<String> output(HistoryOp h) {
        Object out = h.output();
        if (h.type().equals("read")) {
            return out == null ? VersionedRecordModel.Output.absent()
                    : VersionedRecordModel.Output.record(new String(((Record) out).value(), StandardCharsets.UTF_8),
                    ((Record) out).version());
        }
        if (out instanceof CommandResult.Written w) {
            return VersionedRecordModel.Output.written(w.record().version());
        }
        if (out instanceof CommandResult.VersionConflict) {
            return VersionedRecordModel.Output.conflict();
        }
        if (out instanceof CommandResult.Deleted d) {
            return VersionedRecordModel.Output.deleted(d.previous() != null);
        }
        throw new IllegalArgumentException("unexpected output " + out + " for " + h);
    }
}
