package io.tandem.check;

import java.util.List;
import java.util.Objects;

/**
 * Versioned records as Tandem's Data API serves them ({@code DataStore.write/read/delete} with
 * {@code WriteOptions.ifVersion}), checked one key at a time (partitioned by key).
 *
 * <ul>
 *   <li>{@code read(k)} returns {@link Output#record(Object, long)} (value and version) or
 *       {@link Output#absent()}.
 *   <li>{@code write(k, v)} always succeeds and returns {@link Output#written(long)} with the new
 *       version. A key's first write gets version 1; every later successful write adds 1.
 *   <li>{@code writeIfVersion(k, v, n)} succeeds iff the record is present at version {@code n},
 *       or, for {@code n == 0}, iff it is absent (create-only). It returns
 *       {@link Output#written(long)} or {@link Output#conflict()}, and a conflict changes nothing.
 *   <li>{@code delete(k)} removes the record and returns {@link Output#deleted(boolean)} with
 *       whether it existed; a harness that does not learn that may record {@link Output#ok()},
 *       which any delete matches.
 * </ul>
 *
 * <p>What version a write after a delete gets is a design choice the Data API has to make, so it
 * is a constructor parameter: {@link VersionsAfterDelete#RESTART} (the default: the key starts
 * again at 1, as if never written) or {@link VersionsAfterDelete#CONTINUE} (versions are never
 * reused: the deleted record's version is kept as a tombstone and the next write gets one more).
 * TTL expiry is not modelled: a record that can expire needs the expiry as an operation.
 *
 * @param <K> the key type
 * @param <V> the value type; immutable with value-based equality
 */
public final class VersionedRecordModel<K, V> implements DeterministicModel<
        VersionedRecordModel.State<V>, VersionedRecordModel.Input<K, V>, VersionedRecordModel.Output<V>> {

    /** What the next write of a deleted key's version is. */
    public enum VersionsAfterDelete {
        /** Starts again at 1: a deleted key is as if never written. */
        RESTART,
        /** Continues from the deleted record's version: versions of a key are never reused. */
        CONTINUE
    }

    private final VersionsAfterDelete afterDelete;

    /** Versions restart at 1 after a delete. */
    public VersionedRecordModel() {
        this(VersionsAfterDelete.RESTART);
    }

    /** Versions after a delete follow {@code afterDelete}. */
    public VersionedRecordModel(VersionsAfterDelete afterDelete) {
        this.afterDelete = Objects.requireNonNull(afterDelete, "afterDelete");
    }

    /** A read of {@code key}. */
    public static <K, V> Input<K, V> read(K key) {
        return new Input<>(Input.Kind.READ, key, null, 0);
    }

    /** An unconditional write of {@code value} to {@code key}. */
    public static <K, V> Input<K, V> write(K key, V value) {
        return new Input<>(Input.Kind.WRITE, key, Objects.requireNonNull(value, "value"), 0);
    }

    /** A write that succeeds iff {@code key} is at {@code expectedVersion} (0: absent). */
    public static <K, V> Input<K, V> writeIfVersion(K key, V value, long expectedVersion) {
        return new Input<>(Input.Kind.WRITE_IF_VERSION, key, Objects.requireNonNull(value, "value"),
                expectedVersion);
    }

    /** A delete of {@code key}. */
    public static <K, V> Input<K, V> delete(K key) {
        return new Input<>(Input.Kind.DELETE, key, null, 0);
    }

    @Override
    public State<V> init() {
        return new State<>(null, 0);
    }

    @Override
    public Transition<State<V>, Output<V>> apply(State<V> state, Input<K, V> input) {
        switch (input.kind()) {
            case READ:
                return new Transition<>(state, state.isPresent()
                        ? Output.record(state.value(), state.version()) : Output.absent());
            case WRITE:
                return written(state, input.value());
            case WRITE_IF_VERSION:
                return state.isAt(input.expectedVersion())
                        ? written(state, input.value())
                        : new Transition<>(state, Output.conflict());
            case DELETE:
                long kept = afterDelete == VersionsAfterDelete.CONTINUE ? state.version() : 0;
                return new Transition<>(new State<>(null, kept), Output.deleted(state.isPresent()));
            default:
                throw new IllegalArgumentException("unknown record operation " + input);
        }
    }

    private static <V> Transition<State<V>, Output<V>> written(State<V> state, V value) {
        long version = state.version() + 1;
        return new Transition<>(new State<>(value, version), Output.written(version));
    }

    /** A bare {@link Output#ok()} acknowledges any delete. */
    @Override
    public boolean matches(Input<K, V> input, Output<V> expected, Output<V> observed) {
        if (input.kind() == Input.Kind.DELETE && observed != null
                && observed.kind() == Output.Kind.OK) {
            return true;
        }
        return Objects.equals(expected, observed);
    }

    @Override
    public Object partitionKey(Input<K, V> input) {
        return input.key();
    }

    @Override
    public boolean isReadOnly(Input<K, V> input) {
        return input.kind() == Input.Kind.READ;
    }

    /**
     * Values no read returned become one placeholder (see {@link Unobserved}); conditional
     * writes compare versions, never values, so reads are the only observers.
     */
    @Override
    public List<Input<K, V>> unknownInputsForSearch(
            List<Operation<Input<K, V>, Output<V>>> partition) {
        return Unobserved.rewriteUnknown(partition, (op, observed) -> {
            if (op.status() == Operation.Status.OK && op.output() != null
                    && op.output().kind() == Output.Kind.RECORD) {
                observed.add(op.output().value());
            }
        }, (input, observed) -> input.value() == null || observed.contains(input.value())
                ? input
                : new Input<>(input.kind(), input.key(), Unobserved.placeholder(),
                        input.expectedVersion()));
    }

    /**
     * A key's record: its value and version, or absent ({@code value == null}). An absent key's
     * version is 0, or the deleted record's version under {@link VersionsAfterDelete#CONTINUE}.
     */
    public record State<V>(V value, long version) {
        boolean isPresent() {
            return value != null;
        }

        boolean isAt(long expectedVersion) {
            return expectedVersion == 0 ? !isPresent() : isPresent() && version == expectedVersion;
        }

        @Override
        public String toString() {
            return isPresent() ? value + "@v" + version
                    : "absent" + (version == 0 ? "" : " (deleted at v" + version + ")");
        }
    }

    /**
     * A record operation; build it with {@link #read}, {@link #write}, {@link #writeIfVersion},
     * {@link #delete}.
     *
     * @param kind            which operation
     * @param key             the key; never {@code null}
     * @param value           the value to write
     * @param expectedVersion the version WRITE_IF_VERSION expects (0: absent)
     */
    public record Input<K, V>(Kind kind, K key, V value, long expectedVersion) {
        /** The record operations. */
        public enum Kind { READ, WRITE, WRITE_IF_VERSION, DELETE }

        public Input {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(key, "key");
            if (expectedVersion < 0) {
                throw new IllegalArgumentException("expectedVersion must be >= 0, got "
                        + expectedVersion + " for key " + key);
            }
        }

        @Override
        public String toString() {
            switch (kind) {
                case READ: return "read(" + key + ")";
                case WRITE: return "write(" + key + ", " + value + ")";
                case WRITE_IF_VERSION: return "write(" + key + ", " + value + ", ifVersion="
                        + expectedVersion + ")";
                default: return "delete(" + key + ")";
            }
        }
    }

    /**
     * A record result.
     *
     * @param kind    which kind of result
     * @param value   the value a read returned
     * @param version the version a read returned or a write created
     * @param existed whether a delete found the record
     */
    public record Output<V>(Kind kind, V value, long version, boolean existed) {
        /** The kinds of result. */
        public enum Kind { RECORD, ABSENT, WRITTEN, CONFLICT, DELETED, OK }

        public Output {
            Objects.requireNonNull(kind, "kind");
        }

        /** A read found {@code value} at {@code version}. */
        public static <V> Output<V> record(V value, long version) {
            return new Output<>(Kind.RECORD, Objects.requireNonNull(value, "value"), version, false);
        }

        /** A read found no record. */
        public static <V> Output<V> absent() {
            return new Output<>(Kind.ABSENT, null, 0, false);
        }

        /** A write succeeded and created {@code version}. */
        public static <V> Output<V> written(long version) {
            return new Output<>(Kind.WRITTEN, null, version, false);
        }

        /** A conditional write found another version and changed nothing. */
        public static <V> Output<V> conflict() {
            return new Output<>(Kind.CONFLICT, null, 0, false);
        }

        /** A delete completed; {@code existed} says whether there was a record. */
        public static <V> Output<V> deleted(boolean existed) {
            return new Output<>(Kind.DELETED, null, 0, existed);
        }

        /** A delete was acknowledged without saying whether the record existed. */
        public static <V> Output<V> ok() {
            return new Output<>(Kind.OK, null, 0, false);
        }

        @Override
        public String toString() {
            switch (kind) {
                case RECORD: return value + "@v" + version;
                case ABSENT: return "absent";
                case WRITTEN: return "written v" + version;
                case CONFLICT: return "conflict";
                case DELETED: return existed ? "deleted" : "deleted (was absent)";
                default: return "ok";
            }
        }
    }
}
