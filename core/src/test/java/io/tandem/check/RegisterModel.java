package io.tandem.check;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A single read/write register with compare-and-set. The state is the current value, or empty
 * while the register has never been written and has no initial value.
 *
 * <ul>
 *   <li>{@code read()} returns the current value ({@link Output#value}; {@code value(null)}
 *       while unset).
 *   <li>{@code write(v)} sets the value and returns {@link Output#ok()}.
 *   <li>{@code cas(expected, v)} sets the value iff the current value equals {@code expected}
 *       ({@code null} expects "unset") and returns {@link Output#cas(boolean)} with whether it did.
 * </ul>
 *
 * <p>Values must be immutable with value-based {@code equals}/{@code hashCode}.
 *
 * @param <V> the value type
 */
public final class RegisterModel<V>
        implements DeterministicModel<Optional<V>, RegisterModel.Input<V>, RegisterModel.Output<V>> {

    private final V initialValue;

    /** A register that starts unset: reads return {@code value(null)} until the first write. */
    public RegisterModel() {
        this(null);
    }

    /** A register that starts at {@code initialValue} ({@code null} for unset). */
    public RegisterModel(V initialValue) {
        this.initialValue = initialValue;
    }

    /** A read. */
    public static <V> Input<V> read() {
        return new Input<>(Input.Kind.READ, null, null);
    }

    /** A blind write of {@code value}. */
    public static <V> Input<V> write(V value) {
        return new Input<>(Input.Kind.WRITE, Objects.requireNonNull(value, "value"), null);
    }

    /** A compare-and-set from {@code expected} ({@code null}: unset) to {@code value}. */
    public static <V> Input<V> cas(V expected, V value) {
        return new Input<>(Input.Kind.CAS, Objects.requireNonNull(value, "value"), expected);
    }

    @Override
    public Optional<V> init() {
        return Optional.ofNullable(initialValue);
    }

    @Override
    public Transition<Optional<V>, Output<V>> apply(Optional<V> state, Input<V> input) {
        switch (input.kind()) {
            case READ:
                return new Transition<>(state, Output.value(state.orElse(null)));
            case WRITE:
                return new Transition<>(Optional.of(input.value()), Output.ok());
            case CAS:
                boolean swapped = Objects.equals(state.orElse(null), input.expected());
                return new Transition<>(swapped ? Optional.of(input.value()) : state,
                        Output.cas(swapped));
            default:
                throw new IllegalArgumentException("unknown register operation " + input);
        }
    }

    @Override
    public boolean isReadOnly(Input<V> input) {
        return input.kind() == Input.Kind.READ;
    }

    /** Values nobody read and no CAS expects become one placeholder (see {@link Unobserved}). */
    @Override
    public List<Input<V>> unknownInputsForSearch(List<Operation<Input<V>, Output<V>>> partition) {
        return Unobserved.rewriteUnknown(partition, (op, observed) -> {
            if (op.input().kind() == Input.Kind.CAS) {
                observed.add(op.input().expected());
            } else if (op.input().kind() == Input.Kind.READ && op.status() == Operation.Status.OK) {
                observed.add(op.output().value());
            }
        }, (input, observed) -> input.kind() == Input.Kind.READ || observed.contains(input.value())
                ? input : new Input<>(input.kind(), Unobserved.placeholder(), input.expected()));
    }

    @Override
    public String describeState(Optional<V> state) {
        return state.map(String::valueOf).orElse("unset");
    }

    /**
     * A register operation; build it with {@link #read()}, {@link #write}, {@link #cas}.
     *
     * @param kind     which operation
     * @param value    the value to write (WRITE, CAS)
     * @param expected the value CAS expects ({@code null}: unset)
     */
    public record Input<V>(Kind kind, V value, V expected) {
        /** The register operations. */
        public enum Kind { READ, WRITE, CAS }

        public Input {
            Objects.requireNonNull(kind, "kind");
        }

        @Override
        public String toString() {
            switch (kind) {
                case READ: return "read()";
                case WRITE: return "write(" + value + ")";
                default: return "cas(" + (expected == null ? "unset" : expected) + " -> " + value + ")";
            }
        }
    }

    /**
     * A register result: the value read, a write's acknowledgement, or whether a CAS swapped.
     *
     * @param kind      which kind of result
     * @param value     the value read ({@code null}: unset)
     * @param succeeded whether the CAS swapped
     */
    public record Output<V>(Kind kind, V value, boolean succeeded) {
        /** The kinds of result. */
        public enum Kind { VALUE, OK, CAS }

        public Output {
            Objects.requireNonNull(kind, "kind");
        }

        /** A read returned {@code value} ({@code null}: unset). */
        public static <V> Output<V> value(V value) {
            return new Output<>(Kind.VALUE, value, false);
        }

        /** A write was acknowledged. */
        public static <V> Output<V> ok() {
            return new Output<>(Kind.OK, null, false);
        }

        /** A CAS returned {@code succeeded}. */
        public static <V> Output<V> cas(boolean succeeded) {
            return new Output<>(Kind.CAS, null, succeeded);
        }

        @Override
        public String toString() {
            switch (kind) {
                case VALUE: return value == null ? "unset" : String.valueOf(value);
                case OK: return "ok";
                default: return Boolean.toString(succeeded);
            }
        }
    }
}
