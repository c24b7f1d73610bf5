package io.tandem.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Reference stores and input generators for the property tests, one per built-in model. The
 * references are written independently of the models (plain maps and fields), so a property test
 * compares two implementations rather than the model with itself.
 *
 * <p>Every written value is unique (a counter), which is what lets {@link ReadMutation} name
 * values a read cannot possibly return.
 */
final class Workloads {

    private Workloads() {
    }

    /** What {@link ReadMutation} needs to know about a model's operations. */
    interface Facts<I, O> {
        Object key(I input);

        boolean isRead(I input);

        /** The value the operation writes if it takes effect, or {@code null}. */
        Integer written(I input);

        /** For an OK operation: whether it certainly stored {@link #written}. */
        boolean installed(I input, O output);

        /** For an OK operation: whether it certainly replaced or removed the previous value. */
        boolean overwrote(I input, O output);

        /** The output of a read that returned {@code value}. */
        O readReturning(int value);
    }

    private static int pick(SplittableRandom random, List<String> keys) {
        return random.nextInt(keys.size());
    }

    static List<String> keys(int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add("k" + i);
        }
        return keys;
    }

    /** A register with read 40%, write 35%, CAS 25% (mostly from the current value). */
    static final class Register implements SimulatedClients.Workload<
            RegisterModel.Input<Integer>, RegisterModel.Output<Integer>>,
            Facts<RegisterModel.Input<Integer>, RegisterModel.Output<Integer>> {
        private int current;
        private int nextValue = 1;

        @Override
        public RegisterModel.Input<Integer> nextInput(SplittableRandom random) {
            int roll = random.nextInt(100);
            if (roll < 40) {
                return RegisterModel.read();
            }
            if (roll < 75) {
                return RegisterModel.write(nextValue++);
            }
            int expected = random.nextInt(3) > 0 ? current : random.nextInt(nextValue);
            return RegisterModel.cas(expected, nextValue++);
        }

        @Override
        public RegisterModel.Output<Integer> apply(RegisterModel.Input<Integer> input) {
            switch (input.kind()) {
                case READ:
                    return RegisterModel.Output.value(current);
                case WRITE:
                    current = input.value();
                    return RegisterModel.Output.ok();
                default:
                    boolean swap = current == input.expected();
                    current = swap ? input.value() : current;
                    return RegisterModel.Output.cas(swap);
            }
        }

        @Override
        public Object key(RegisterModel.Input<Integer> input) {
            return Model.WHOLE_HISTORY; // the register model does not partition
        }

        @Override
        public boolean isRead(RegisterModel.Input<Integer> input) {
            return input.kind() == RegisterModel.Input.Kind.READ;
        }

        @Override
        public Integer written(RegisterModel.Input<Integer> input) {
            return input.value();
        }

        @Override
        public boolean installed(RegisterModel.Input<Integer> input, RegisterModel.Output<Integer> output) {
            return input.kind() == RegisterModel.Input.Kind.WRITE || output.succeeded();
        }

        @Override
        public boolean overwrote(RegisterModel.Input<Integer> input, RegisterModel.Output<Integer> output) {
            return installed(input, output);
        }

        @Override
        public RegisterModel.Output<Integer> readReturning(int value) {
            return RegisterModel.Output.value(value);
        }
    }

    /** A key/value map with get 40%, put 30%, CAS 20%, delete 10% over the given keys. */
    static final class KeyValue implements SimulatedClients.Workload<
            KeyValueModel.Input<String, Integer>, KeyValueModel.Output<Integer>>,
            Facts<KeyValueModel.Input<String, Integer>, KeyValueModel.Output<Integer>> {
        private final List<String> keys;
        private final Map<String, Integer> store = new TreeMap<>();
        private int nextValue = 1;

        KeyValue(List<String> keys) {
            this.keys = keys;
        }

        @Override
        public KeyValueModel.Input<String, Integer> nextInput(SplittableRandom random) {
            String key = keys.get(pick(random, keys));
            int roll = random.nextInt(100);
            if (roll < 40) {
                return KeyValueModel.get(key);
            }
            if (roll < 70) {
                return KeyValueModel.put(key, nextValue++);
            }
            if (roll < 90) {
                Integer expected = random.nextInt(3) > 0 ? store.get(key) : (Integer) random.nextInt(nextValue);
                return KeyValueModel.cas(key, expected, nextValue++);
            }
            return KeyValueModel.delete(key);
        }

        @Override
        public KeyValueModel.Output<Integer> apply(KeyValueModel.Input<String, Integer> input) {
            String key = input.key();
            switch (input.kind()) {
                case GET:
                    return KeyValueModel.Output.value(store.get(key));
                case PUT:
                    store.put(key, input.value());
                    return KeyValueModel.Output.ok();
                case DELETE:
                    store.remove(key);
                    return KeyValueModel.Output.ok();
                default:
                    boolean swap = Objects.equals(store.get(key), input.expected());
                    if (swap) {
                        store.put(key, input.value());
                    }
                    return KeyValueModel.Output.cas(swap);
            }
        }

        @Override
        public Object key(KeyValueModel.Input<String, Integer> input) {
            return input.key();
        }

        @Override
        public boolean isRead(KeyValueModel.Input<String, Integer> input) {
            return input.kind() == KeyValueModel.Input.Kind.GET;
        }

        @Override
        public Integer written(KeyValueModel.Input<String, Integer> input) {
            return input.value();
        }

        @Override
        public boolean installed(KeyValueModel.Input<String, Integer> input,
                                 KeyValueModel.Output<Integer> output) {
            return input.kind() == KeyValueModel.Input.Kind.PUT
                    || (input.kind() == KeyValueModel.Input.Kind.CAS && output.succeeded());
        }

        @Override
        public boolean overwrote(KeyValueModel.Input<String, Integer> input,
                                 KeyValueModel.Output<Integer> output) {
            return installed(input, output) || input.kind() == KeyValueModel.Input.Kind.DELETE;
        }

        @Override
        public KeyValueModel.Output<Integer> readReturning(int value) {
            return KeyValueModel.Output.value(value);
        }
    }

    /**
     * Versioned records with read 40%, write 25%, conditional write 25%, delete 10%. The reference
     * keeps {value, version} per key and a tombstone version for deleted keys.
     */
    static final class Records implements SimulatedClients.Workload<
            VersionedRecordModel.Input<String, Integer>, VersionedRecordModel.Output<Integer>>,
            Facts<VersionedRecordModel.Input<String, Integer>, VersionedRecordModel.Output<Integer>> {
        private final List<String> keys;
        private final boolean continueAfterDelete;
        private final Map<String, Integer> values = new TreeMap<>();
        private final Map<String, Long> versions = new TreeMap<>();
        private int nextValue = 1;

        Records(List<String> keys, VersionedRecordModel.VersionsAfterDelete afterDelete) {
            this.keys = keys;
            this.continueAfterDelete = afterDelete == VersionedRecordModel.VersionsAfterDelete.CONTINUE;
        }

        @Override
        public VersionedRecordModel.Input<String, Integer> nextInput(SplittableRandom random) {
            String key = keys.get(pick(random, keys));
            int roll = random.nextInt(100);
            if (roll < 40) {
                return VersionedRecordModel.read(key);
            }
            if (roll < 65) {
                return VersionedRecordModel.write(key, nextValue++);
            }
            if (roll < 90) {
                long current = values.containsKey(key) ? versions.get(key) : 0;
                long expected = random.nextInt(3) > 0 ? current : random.nextInt((int) current + 2);
                return VersionedRecordModel.writeIfVersion(key, nextValue++, expected);
            }
            return VersionedRecordModel.delete(key);
        }

        @Override
        public VersionedRecordModel.Output<Integer> apply(VersionedRecordModel.Input<String, Integer> input) {
            String key = input.key();
            boolean present = values.containsKey(key);
            long version = versions.getOrDefault(key, 0L);
            switch (input.kind()) {
                case READ:
                    return present ? VersionedRecordModel.Output.record(values.get(key), version)
                            : VersionedRecordModel.Output.absent();
                case WRITE:
                    return store(key, input.value(), version + 1);
                case WRITE_IF_VERSION:
                    boolean matches = input.expectedVersion() == 0 ? !present
                            : present && version == input.expectedVersion();
                    return matches ? store(key, input.value(), version + 1)
                            : VersionedRecordModel.Output.conflict();
                default:
                    values.remove(key);
                    if (!continueAfterDelete) {
                        versions.remove(key);
                    }
                    return VersionedRecordModel.Output.deleted(present);
            }
        }

        private VersionedRecordModel.Output<Integer> store(String key, int value, long version) {
            values.put(key, value);
            versions.put(key, version);
            return VersionedRecordModel.Output.written(version);
        }

        @Override
        public Object key(VersionedRecordModel.Input<String, Integer> input) {
            return input.key();
        }

        @Override
        public boolean isRead(VersionedRecordModel.Input<String, Integer> input) {
            return input.kind() == VersionedRecordModel.Input.Kind.READ;
        }

        @Override
        public Integer written(VersionedRecordModel.Input<String, Integer> input) {
            return input.value();
        }

        @Override
        public boolean installed(VersionedRecordModel.Input<String, Integer> input,
                                 VersionedRecordModel.Output<Integer> output) {
            return output.kind() == VersionedRecordModel.Output.Kind.WRITTEN;
        }

        @Override
        public boolean overwrote(VersionedRecordModel.Input<String, Integer> input,
                                 VersionedRecordModel.Output<Integer> output) {
            return installed(input, output) || input.kind() == VersionedRecordModel.Input.Kind.DELETE;
        }

        @Override
        public VersionedRecordModel.Output<Integer> readReturning(int value) {
            return VersionedRecordModel.Output.record(value, 1);
        }
    }
}
