package io.tandem.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Collection and map serializers for the built-in types. Kryo's own ones pre-size the new
 * collection from the element count on the wire ({@code new ArrayList<>(size)}); these check the
 * count against the bytes left in the frame first and cap the initial capacity, so memory grows
 * only with elements actually decoded. Sorted sets and maps must use natural ordering. Wire layout is Kryo's {@link CollectionSerializer} and
 * {@link MapSerializer} layout, unchanged.
 */
final class BoundedSerializers {

    /** Initial capacity cap: a claimed size only pre-allocates this much. */
    static final int PRESIZE_MAX = 1024;

    // A comparator would be an object chosen by the sender and instantiated by the receiver.
    private static final String NO_COMPARATOR =
            "sorted collections travel without their comparator; send one with natural ordering";

    private BoundedSerializers() {}

    static int presize(Input input, int size, String what) {
        if (!(input instanceof BoundedInput bounded)) {
            throw new KryoException(what + " must be decoded from a BoundedInput");
        }
        bounded.requireFits(size, 1, what);
        return Math.min(size, PRESIZE_MAX);
    }

    static <C extends Collection<Object>> CollectionSerializer<Collection<Object>> collection(
            IntFunction<C> factory, Function<C, Collection<Object>> finisher) {
        return new BoundedCollection<>(factory, finisher);
    }

    static <M extends Map<Object, Object>> MapSerializer<Map<Object, Object>> map(
            IntFunction<M> factory, Function<M, Map<Object, Object>> finisher) {
        return new BoundedMap<>(factory, finisher);
    }

    static CollectionSerializer<Collection<Object>> arrayList() {
        return collection(ArrayList::new, c -> c);
    }

    /** {@code List.of(..)}, {@code List.copyOf}, {@code Stream.toList()}, unmodifiable views. */
    static CollectionSerializer<Collection<Object>> immutableList() {
        return collection(ArrayList::new, BoundedSerializers::freezeList);
    }

    static CollectionSerializer<Collection<Object>> hashSet() {
        return collection(HashSet::new, c -> c);
    }

    static CollectionSerializer<Collection<Object>> linkedHashSet() {
        return collection(LinkedHashSet::new, c -> c);
    }

    static CollectionSerializer<Collection<Object>> treeSet() {
        return collection(size -> new TreeSet<>(), c -> c);
    }

    static CollectionSerializer<Collection<Object>> immutableSet() {
        return collection(LinkedHashSet::new, c -> Set.copyOf(c));
    }

    static MapSerializer<Map<Object, Object>> hashMap() {
        return map(HashMap::new, m -> m);
    }

    static MapSerializer<Map<Object, Object>> linkedHashMap() {
        return map(LinkedHashMap::new, m -> m);
    }

    static MapSerializer<Map<Object, Object>> treeMap() {
        return map(size -> new TreeMap<>(), m -> m);
    }

    static MapSerializer<Map<Object, Object>> immutableMap() {
        return map(LinkedHashMap::new, m -> Map.copyOf(m));
    }

    private static List<Object> freezeList(ArrayList<Object> list) {
        // List.copyOf rejects nulls, but Stream.toList() and unmodifiable views may hold them.
        return list.contains(null) ? Collections.unmodifiableList(list) : List.copyOf(list);
    }

    private static final class BoundedCollection<C extends Collection<Object>> extends CollectionSerializer<Collection<Object>> {
        private final IntFunction<C> factory;
        private final Function<C, Collection<Object>> finisher;

        BoundedCollection(IntFunction<C> factory, Function<C, Collection<Object>> finisher) {
            this.factory = factory;
            this.finisher = finisher;
        }

        @Override
        public void write(Kryo kryo, Output output, Collection<Object> collection) {
            if (collection instanceof SortedSet<?> sorted && sorted.comparator() != null) {
                throw new KryoException(NO_COMPARATOR);
            }
            super.write(kryo, output, collection);
        }

        @Override
        protected Collection<Object> create(Kryo kryo, Input input, Class<? extends Collection<Object>> type, int size) {
            return factory.apply(presize(input, size, "collection"));
        }

        @Override
        @SuppressWarnings("unchecked")
        public Collection<Object> read(Kryo kryo, Input input, Class<? extends Collection<Object>> type) {
            Collection<Object> read = super.read(kryo, input, type);
            return read == null ? null : finisher.apply((C) read);
        }
    }

    private static final class BoundedMap<M extends Map<Object, Object>> extends MapSerializer<Map<Object, Object>> {
        private final IntFunction<M> factory;
        private final Function<M, Map<Object, Object>> finisher;

        BoundedMap(IntFunction<M> factory, Function<M, Map<Object, Object>> finisher) {
            this.factory = factory;
            this.finisher = finisher;
        }

        @Override
        public void write(Kryo kryo, Output output, Map<Object, Object> map) {
            if (map instanceof SortedMap<?, ?> sorted && sorted.comparator() != null) {
                throw new KryoException(NO_COMPARATOR);
            }
            super.write(kryo, output, map);
        }

        @Override
        protected Map<Object, Object> create(Kryo kryo, Input input, Class<? extends Map<Object, Object>> type, int size) {
            return factory.apply(presize(input, size, "map"));
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map<Object, Object> read(Kryo kryo, Input input, Class<? extends Map<Object, Object>> type) {
            Map<Object, Object> read = super.read(kryo, input, type);
            return read == null ? null : finisher.apply((M) read);
        }
    }
}
