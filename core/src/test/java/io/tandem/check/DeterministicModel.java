package io.tandem.check;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Model} of an object whose next state and output are functions of the state and the
 * input, written as one {@link #apply} method. Registers, key/value stores and versioned records
 * are all of this kind.
 *
 * <p>The same contract as {@link Model} applies: {@code apply} must be pure and deterministic.
 *
 * @param <S> the state
 * @param <I> the operation input
 * @param <O> the operation output
 */
public interface DeterministicModel<S, I, O> extends Model<S, I, O> {

    /**
     * The effect of one operation in the sequential specification.
     *
     * @param next   the state after the operation; never {@code null}
     * @param output the output the operation returns
     */
    record Transition<S, O>(S next, O output) {
        public Transition {
            Objects.requireNonNull(next, "next state");
        }
    }

    /** Runs {@code input} against {@code state} in the sequential specification. */
    Transition<S, O> apply(S state, I input);

    /**
     * Whether an observed output is acceptable when the specification returns {@code expected}.
     * Override to accept less precise outputs, e.g. an acknowledgement without details.
     */
    default boolean matches(I input, O expected, O observed) {
        return Objects.equals(expected, observed);
    }

    @Override
    default Optional<S> step(S state, I input, O output) {
        Transition<S, O> transition = apply(state, input);
        return matches(input, transition.output(), output)
                ? Optional.of(transition.next())
                : Optional.empty();
    }

    @Override
    default List<S> stepUnobserved(S state, I input) {
        return List.of(apply(state, input).next());
    }
}
