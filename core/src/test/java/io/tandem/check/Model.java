package io.tandem.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The sequential specification the checker compares a concurrent history against.
 *
 * <p><b>Contract.</b> The checker calls a model from the thread that called
 * {@link LinearizabilityChecker#check}, many times per operation, while it backtracks. So:
 * <ul>
 *   <li>Every method must be a pure function of its arguments: no I/O, no clock, no randomness,
 *       no hidden mutable fields. The same arguments must always give the same answer.
 *   <li>States are immutable and never {@code null}, and their {@code equals}/{@code hashCode}
 *       must be value-based: the search memoizes (linearized set, state) pairs and treats equal
 *       states as interchangeable. A state that is equal but behaves differently makes the checker
 *       unsound; one with identity equality only makes it slow.
 *   <li>Exceptions thrown by the model are programmer errors and propagate out of the checker.
 * </ul>
 *
 * <p>Models for deterministic objects (everything in this package) are easier to write as a
 * {@link DeterministicModel}, which derives {@link #step} and {@link #stepUnobserved}.
 *
 * @param <S> the state
 * @param <I> the operation input
 * @param <O> the operation output
 */
public interface Model<S, I, O> {

    /** The partition key of models that do not partition. */
    Object WHOLE_HISTORY = "whole history";

    /** The state before any operation. */
    S init();

    /**
     * Applies a completed operation whose output was observed.
     *
     * @return the next state if {@code output} is a legal result of {@code input} in {@code state},
     *     otherwise empty
     */
    Optional<S> step(S state, I input, O output);

    /**
     * Applies an indeterminate (INFO) operation that did take effect, with an output nobody saw.
     *
     * @return every state the operation can lead to from {@code state}, for any output, in a fixed
     *     order; empty if the operation can never take effect in {@code state}. The checker
     *     separately considers that the operation did not take effect at all.
     */
    List<S> stepUnobserved(S state, I input);

    /**
     * The key of the independent sub-object an operation touches. Linearizability is local
     * (Herlihy &amp; Wing 1990, §3.3): a history is linearizable iff each per-object sub-history
     * is, so the checker splits the history by this key and searches each part on its own, which
     * turns one exponential search into many small ones.
     *
     * <p>Only partition when operations with different keys really commute and share no state;
     * a multi-key operation needs a model without partitioning. Keys are compared with
     * {@code equals}; their {@code toString} names the partition in reports.
     *
     * @return {@link #WHOLE_HISTORY} by default: no partitioning
     */
    default Object partitionKey(I input) {
        return WHOLE_HISTORY;
    }

    /**
     * True if operations with this input never change the state, whatever the state and output:
     * {@link #step} returns the same state or nothing, and {@link #stepUnobserved} the same state.
     * The checker relies on this twice: INFO operations with such inputs constrain nothing and
     * are dropped, and a completed one that is legal now is linearized at once without trying
     * alternatives. So it must be exact: answering {@code true} for an operation that can change
     * the state makes the checker unsound. {@code false} is always safe, only slower.
     */
    default boolean isReadOnly(I input) {
        return false;
    }

    /**
     * Optional symmetry reduction for INFO operations. Given all operations of one partition,
     * returns for each the input the search should use if that operation is INFO (other entries
     * are ignored). The search treats INFO operations with equal inputs as interchangeable and
     * only tries the earliest-invoked unused one, which is complete because equal inputs have
     * equal effects in every state. A model makes that apply more often by replacing what no
     * operation in the partition can observe, typically a written value nobody read, with a
     * shared placeholder (see the built-in models).
     *
     * <p>The rewrite must not change which histories are linearizable: from any state, the
     * rewritten operation must lead to states that the rest of the partition cannot tell from
     * the ones the original leads to. When unsure, keep the default.
     *
     * @return one input per operation, in order; by default the inputs unchanged
     */
    default List<I> unknownInputsForSearch(List<Operation<I, O>> partition) {
        List<I> inputs = new ArrayList<>(partition.size());
        partition.forEach(op -> inputs.add(op.input()));
        return inputs;
    }

    /** Renders an input for failure reports. */
    default String describeInput(I input) {
        return String.valueOf(input);
    }

    /** Renders an observed output for failure reports. */
    default String describeOutput(O output) {
        return String.valueOf(output);
    }

    /** Renders a state for failure reports. */
    default String describeState(S state) {
        return String.valueOf(state);
    }
}
