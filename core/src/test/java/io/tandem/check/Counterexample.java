package io.tandem.check;

import java.util.List;
import java.util.Objects;

/**
 * Evidence that a history violates its specification, for a human reading a failed test.
 *
 * @param partition        the partition (key) the violation is in; {@code "whole history"} when the
 *                         model does not partition
 * @param linearizedPrefix for linearizability: the longest sequence of operations the search could
 *                         linearize, in linearization order (one of possibly several of that
 *                         length); empty for the order checks of {@link MonotonicChecker}
 * @param culprits         the operations that could not be placed: first the one whose response
 *                         forced the search back, then the other operations that were candidates
 *                         after the prefix; for {@link MonotonicChecker}, the later operation and
 *                         the earlier one it conflicts with
 * @param explanation      a multi-line, human-readable account with operation numbers
 *                         ({@code #12} is {@code history.get(12)}), times, inputs and outputs
 */
public record Counterexample(String partition, List<Operation<?, ?>> linearizedPrefix,
                             List<Operation<?, ?>> culprits, String explanation) {

    public Counterexample {
        Objects.requireNonNull(partition, "partition");
        linearizedPrefix = List.copyOf(linearizedPrefix);
        culprits = List.copyOf(culprits);
        Objects.requireNonNull(explanation, "explanation");
    }

    @Override
    public String toString() {
        return explanation;
    }
}
