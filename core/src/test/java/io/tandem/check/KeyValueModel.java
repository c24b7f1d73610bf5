package io.tandem.check;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A key/value map checked one key at a time: each key is an independent register, so the checker
 * partitions the history by key (see {@link Model#partitionKey}). The state is the value of the
 * partition's key, or empty while absent.
 *
 * <ul>
 *   <li>{@code get(k)} returns {@link Output#value} or {@link Output#absent()}.
 *   <li>{@code put(k, v)} sets the value; returns {@link Output#ok()}.
 *   <li>{@code delete(k)} removes the key (absent or not); returns {@link Output#ok()}.
 *   <li>{@code cas(k, expected, v)} sets the value iff the current value equals {@code expected}
 *       ({@code null} expects absent: put-if-absent); returns {@link Output#cas(boolean)}.
 * </ul>
 *
 * <p>Keys and values must be immutable with value-based {@code equals}/{@code hashCode}. Only
 * single-key operations can be modelled; a multi-key transaction needs an unpartitioned model.
 * For compare-and-set on a version rather than a value, use {@link VersionedRecordModel}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class KeyValueModel<K, V> implements
        DeterministicModel<Optional<V>, KeyValueModel.Input<K, V>, KeyValueModel.Output<V>> {

    /** A get of {@code key}. */
    public static <K, V> Input<K, V> get(K key) {
        return new Input<>(Input.Kind.GET, key, null, null);
    }

    /** A put of {@code value} under {@code key}. */
    public static <K, V> Input<K, V> put(K key, V value) {
        return new Input<>(Input.Kind.PUT, key, Objects.requireNonNull(value, "value"), null);
    }

    /** A delete of {@code key}. */
    public static <K, V> Input<K, V> delete(K key) {
        return new Input<>(Input.Kind.DELETE, key, null, null);
    }

    /** A compare-and-set of {@code key} from {@code expected} ({@code null}: absent) to {@code value}. */
    public static <K, V> Input<K, V> cas(K key, V expected, V value) {
        return new Input<>(Input.Kind.CAS, key, Objects.requireNonNull(value, "value"), expected);
    }

    @Override
    public Optional<V> init() {
        return Optional.empty();
    }

    @Override
    public Transition<Optional<V>, Output<V>> apply(Optional<V> state, Input<K, V> input) {
        switch (input.kind()) {
            case GET:
                return new Transition<>(state, Output.value(state.orElse(null)));
            case PUT:
                return new Transition<>(Optional.of(input.value()), Output.ok());
            case DELETE:
                return new Transition<>(Optional.empty(), Output.ok());
            case CAS:
                boolean swapped = Objects.equals(state.orElse(null), input.expected());
                return new Transition<>(swapped ? Optional.of(input.value()) : state,
                        Output.cas(swapped));
            default:
                throw new IllegalArgumentException("unknown key/value operation " + input);
        }
    }

    @Override
    public Object partitionKey(Input<K, V> input) {
        return input.key();
    }

    @Override
    public boolean isReadOnly(Input<K, V> input) {
        return input.kind() == Input.Kind.GET;
    }

    /** Values nobody read and no CAS expects become one placeholder (see {@link Unobserved}). */
    @Override
    public List<Input<K, V>> unknownInputsForSearch(
            List<Operation<Input<K, V>, Output<V>>> partition) {
        return Unobserved.rewriteUnknown(partition, (op, observed) -> {
            if (op.input().kind() == Input.Kind.CAS) {
                observed.add(op.input().expected());
            } else if (op.input().kind() == Input.Kind.GET && op.status() == Operation.Status.OK) {
                observed.add(op.output().value());
            }
        }, (input, observed) -> input.value() == null || observed.contains(input.value())
                ? input
                : new Input<>(input.kind(), input.key(), Unobserved.placeholder(), input.expected()));
    }

    @Override
    public String describeState(Optional<V> state) {
        return state.map(String::valueOf).orElse("absent");
    }

    /**
     * A key/value operation; build it with {@link #get}, {@link #put}, {@link #delete}, {@link #cas}.
     *
     * @param kind     which operation
     * @param key      the key; never {@code null}
     * @param value    the value to store (PUT, CAS)
     * @param expected the value CAS expects ({@code null}: absent)
     */
    public record Input<K, V>(Kind kind, K key, V value, V expected) {
        /** The key/value operations. */
        public enum Kind { GET, PUT, DELETE, CAS }

        public Input {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            switch (kind) {
                case GET: return "get(" + key + ")";
                case PUT: return "put(" + key + ", " + value + ")";
                case DELETE: return "delete(" + key + ")";
                default: return "cas(" + key + ", " + (expected == null ? "absent" : expected)
                        + " -> " + value + ")";
            }
        }
    }

    /**
     * A key/value result.
     *
     * @param kind      which kind of result
     * @param value     the value a get returned ({@code null}: absent)
     * @param succeeded whether a CAS swapped
     */
    public record Output<V>(Kind kind, V value, boolean succeeded) {
        /** The kinds of result. */
        public enum Kind { VALUE, OK, CAS }

        public Output {
            Objects.requireNonNull(kind, "kind");
        }

        /** A get returned {@code value} ({@code null}: absent). */
        public static <V> Output<V> value(V value) {
            return new Output<>(Kind.VALUE, value, false);
        }

        /** A get found the key absent. */
        public static <V> Output<V> absent() {
            return value(null);
        }

        /** A put or delete was acknowledged. */
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
                case VALUE: return value == null ? "absent" : String.valueOf(value);
                case OK: return "ok";
                default: return Boolean.toString(succeeded);
            }
        }
    }
}
