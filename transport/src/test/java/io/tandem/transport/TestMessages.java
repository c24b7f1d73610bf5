package io.tandem.transport;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Message kinds used by the tests, covering every field shape the core will send. */
final class TestMessages {

    record Ping(long seq, String text) {}

    record Pong(long seq) {}

    /** Arrays in records compare by identity; these records compare by content. */
    record Blob(String name, byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Blob b && name.equals(b.name) && Arrays.equals(data, b.data);
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Blob[" + name + ", " + data.length + " bytes]";
        }
    }

    record Entry(long index, long term, byte[] payload) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && index == e.index && term == e.term && Arrays.equals(payload, e.payload);
        }

        @Override
        public int hashCode() {
            return Objects.hash(index, term, Arrays.hashCode(payload));
        }
    }

    enum Kind { PRE_VOTE, VOTE }

    /** Nested records, a list of records, an enum, a nullable field and primitives. */
    record Append(String leaderId, long term, long prevIndex, List<Entry> entries, Kind kind, String note,
            boolean flag, int count, double ratio) {}

    /** Built-in collection types as fields. */
    record Tags(List<String> names, Map<String, Long> counts, Set<Integer> ids, TreeMap<String, String> sorted,
            long[] longs, int[] ints) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Tags t && names.equals(t.names) && counts.equals(t.counts) && ids.equals(t.ids)
                    && sorted.equals(t.sorted) && Arrays.equals(longs, t.longs) && Arrays.equals(ints, t.ints);
        }

        @Override
        public int hashCode() {
            return Objects.hash(names, counts, ids, sorted);
        }
    }

    /** A plain class with a no-argument constructor, not a record. */
    static final class Legacy {
        String name;
        long value;

        Legacy() {}

        Legacy(String name, long value) {
            this.name = name;
            this.value = value;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Legacy l && Objects.equals(name, l.name) && value == l.value;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, value);
        }

        @Override
        public String toString() {
            return "Legacy[" + name + ", " + value + "]";
        }
    }

    /** Never registered. */
    record Unregistered(String text) {}

    static final int PING_ID = 100;

    static final Registrations REGISTRATIONS = Registrations.builder()
            .register(PING_ID, Ping.class)
            .register(101, Pong.class)
            .register(102, Blob.class)
            .register(103, Entry.class)
            .register(104, Kind.class)
            .register(105, Append.class)
            .register(106, Tags.class)
            .register(107, Legacy.class)
            .build();

    /** One sample of every registered kind. */
    static List<Object> samples() {
        byte[] bytes = new byte[300];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7);
        }
        TreeMap<String, String> sorted = new TreeMap<>(Map.of("b", "2", "a", "1"));
        return List.of(
                new Ping(42, "héllo wörld ✓"),
                new Pong(-1),
                new Blob("empty", new byte[0]),
                new Blob("bytes", bytes),
                new Entry(7, 3, new byte[] {1, 2, 3}),
                Kind.VOTE,
                new Append("node-1", 9, 100, List.of(new Entry(101, 9, bytes), new Entry(102, 9, new byte[0])),
                        Kind.PRE_VOTE, null, true, Integer.MIN_VALUE, 0.25),
                new Append("node-2", 1, 0, List.of(), Kind.VOTE, "empty list", false, 0, Double.NaN),
                new Tags(List.of("x", "y", "z"), Map.of("a", 1L, "b", Long.MAX_VALUE), Set.of(1, 2, 3), sorted,
                        new long[] {Long.MIN_VALUE, 0, 5}, new int[] {-1, 1}),
                new Legacy("plain", 12345L));
    }

    private TestMessages() {}
}
