package io.tandem.check;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * The shared stand-in for written values that nothing in a partition can observe, used by the
 * built-in models' {@link Model#unknownInputsForSearch}.
 *
 * <p>If no read returned value v and no CAS expects v, then a state holding v and a state holding
 * any other such value behave identically for every operation of the partition: the same reads
 * fail, the same CASes fail, writes overwrite both. Replacing v in INFO inputs by one placeholder
 * therefore does not change the verdict, and it makes INFO writes of different unread values
 * equal, so the search can treat them as interchangeable.
 *
 * <p>The placeholder is one object of no particular type, passed off as the model's value type
 * {@code V}. That is safe only because the built-in models never do more with a value than
 * {@code equals}, {@code hashCode} and {@code toString}; it must not escape into user code.
 */
final class Unobserved {

    private static final Object PLACEHOLDER = new Object() {
        @Override
        public String toString() {
            return "<unread value of an unknown write>";
        }
    };

    private Unobserved() {
    }

    @SuppressWarnings("unchecked")
    static <V> V placeholder() {
        return (V) PLACEHOLDER;
    }

    /**
     * Rewrites the INFO inputs of a partition.
     *
     * @param observe adds to the set every value an operation observes (reads it returned,
     *                values a CAS expects)
     * @param rewrite the input with its written value replaced, if that value is not observed
     */
    static <I, O> List<I> rewriteUnknown(List<Operation<I, O>> partition,
                                         BiConsumer<Operation<I, O>, Set<Object>> observe,
                                         BiFunction<I, Set<Object>, I> rewrite) {
        Set<Object> observed = new HashSet<>(); // membership only; never iterated
        partition.forEach(op -> observe.accept(op, observed));
        List<I> inputs = new ArrayList<>(partition.size());
        for (Operation<I, O> op : partition) {
            inputs.add(op.status() == Operation.Status.INFO
                    ? rewrite.apply(op.input(), observed) : op.input());
        }
        return inputs;
    }
}
