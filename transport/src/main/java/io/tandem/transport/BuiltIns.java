package io.tandem.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers.ByteArraySerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers.IntArraySerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers.LongArraySerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsEmptyListSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsEmptyMapSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsEmptySetSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsSingletonListSerializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The types every node registers under fixed ids below {@link Registrations#FIRST_CALLER_ID}, so
 * that message fields of these types need no registration. The table is part of the wire protocol
 * (version {@link Handshake#PROTOCOL_VERSION}): changing an id is a protocol change.
 *
 * <pre>
 *  0..8  Kryo's own: int, String, float, boolean, byte, char, short, long, double (and wrappers)
 *  10 byte[]       11 int[]         12 long[]
 *  20 ArrayList    21 List.of(a)/List.of(a,b)  22 List.of()/List.of(a,b,c..)/Stream.toList()
 *  23 Collections.emptyList()  24 Collections.singletonList(a)  25 Collections.unmodifiableList(arrayList)
 *  30 HashMap      31 LinkedHashMap 32 TreeMap (natural order)   33 Map.of(k,v)  34 Map.of()/Map.of(k,v,..)
 *  35 Collections.emptyMap()
 *  40 HashSet      41 LinkedHashSet 42 TreeSet (natural order)   43 Set.of(a)/Set.of(a,b)  44 Set.of()/Set.of(a,b,c..)
 *  45 Collections.emptySet()
 * </pre>
 *
 * Immutable JDK collections decode as immutable collections with equal contents, not necessarily of
 * the same class.
 */
final class BuiltIns {

    private record BuiltIn(int id, Class<?> type, Supplier<Serializer<?>> serializer) {}

    private static final List<BuiltIn> TYPES = List.of(
            new BuiltIn(10, byte[].class, ByteArraySerializer::new),
            new BuiltIn(11, int[].class, IntArraySerializer::new),
            new BuiltIn(12, long[].class, LongArraySerializer::new),
            new BuiltIn(20, ArrayList.class, BoundedSerializers::arrayList),
            new BuiltIn(21, List.of(1).getClass(), BoundedSerializers::immutableList),
            new BuiltIn(22, List.of().getClass(), BoundedSerializers::immutableList),
            new BuiltIn(23, Collections.emptyList().getClass(), CollectionsEmptyListSerializer::new),
            new BuiltIn(24, Collections.singletonList(1).getClass(), CollectionsSingletonListSerializer::new),
            new BuiltIn(25, Collections.unmodifiableList(new ArrayList<>()).getClass(), BoundedSerializers::immutableList),
            new BuiltIn(30, HashMap.class, BoundedSerializers::hashMap),
            new BuiltIn(31, LinkedHashMap.class, BoundedSerializers::linkedHashMap),
            new BuiltIn(32, TreeMap.class, BoundedSerializers::treeMap),
            new BuiltIn(33, Map.of(1, 1).getClass(), BoundedSerializers::immutableMap),
            new BuiltIn(34, Map.of().getClass(), BoundedSerializers::immutableMap),
            new BuiltIn(35, Collections.emptyMap().getClass(), CollectionsEmptyMapSerializer::new),
            new BuiltIn(40, HashSet.class, BoundedSerializers::hashSet),
            new BuiltIn(41, LinkedHashSet.class, BoundedSerializers::linkedHashSet),
            new BuiltIn(42, TreeSet.class, BoundedSerializers::treeSet),
            new BuiltIn(43, Set.of(1).getClass(), BoundedSerializers::immutableSet),
            new BuiltIn(44, Set.of().getClass(), BoundedSerializers::immutableSet),
            new BuiltIn(45, Collections.emptySet().getClass(), CollectionsEmptySetSerializer::new));

    private static final Set<Class<?>> KRYO_DEFAULTS = Set.of(
            int.class, Integer.class, String.class, float.class, Float.class, boolean.class, Boolean.class,
            byte.class, Byte.class, char.class, Character.class, short.class, Short.class, long.class, Long.class,
            double.class, Double.class);

    private BuiltIns() {}

    static void register(Kryo kryo) {
        for (BuiltIn b : TYPES) {
            kryo.register(b.type(), b.serializer().get(), b.id());
        }
    }

    static boolean isBuiltIn(Class<?> type) {
        return KRYO_DEFAULTS.contains(type) || TYPES.stream().anyMatch(b -> b.type() == type);
    }

    /** The fixed id of a built-in type, for tests and documentation; -1 if not built in. */
    static int idOf(Class<?> type) {
        return TYPES.stream().filter(b -> b.type() == type).mapToInt(BuiltIn::id).findFirst().orElse(-1);
    }
}
