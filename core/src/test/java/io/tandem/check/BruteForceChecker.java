package io.tandem.check;

import java.util.ArrayList;
import java.util.List;

/**
 * The definition of linearizability, executed literally for tiny histories: try every order that
 * respects real time, with every INFO operation either placed somewhere or left out. No memo, no
 * pruning, no entry list; exponential, so only for differential tests of {@link WglSearch}.
 */
final class BruteForceChecker {

    private BruteForceChecker() {
    }

    static <S, I, O> boolean isLinearizable(Model<S, I, O> model, List<Operation<I, O>> history) {
        List<Operation<I, O>> ops = new ArrayList<>();
        for (Operation<I, O> op : history) {
            if (op.status() != Operation.Status.FAIL) {
                ops.add(op);
            }
        }
        return search(model, ops, new boolean[ops.size()], model.init());
    }

    private static <S, I, O> boolean search(Model<S, I, O> model, List<Operation<I, O>> ops,
                                            boolean[] placed, S state) {
        if (allCompletedPlaced(ops, placed)) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !isMinimal(ops, placed, i)) {
                continue;
            }
            placed[i] = true;
            for (S next : successors(model, ops.get(i), state)) {
                if (search(model, ops, placed, next)) {
                    return true;
                }
            }
            placed[i] = false;
        }
        return false;
    }

    private static <I, O> boolean allCompletedPlaced(List<Operation<I, O>> ops, boolean[] placed) {
        for (int i = 0; i < ops.size(); i++) {
            if (!placed[i] && ops.get(i).hasResponded()) {
                return false;
            }
        }
        return true;
    }

    /** No unplaced operation responded before operation {@code i} was invoked. */
    private static <I, O> boolean isMinimal(List<Operation<I, O>> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && ops.get(j).precedes(ops.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static <S, I, O> List<S> successors(Model<S, I, O> model, Operation<I, O> op, S state) {
        if (op.hasResponded()) {
            return model.step(state, op.input(), op.output()).map(List::of).orElse(List.of());
        }
        return model.stepUnobserved(state, op.input());
    }
}
