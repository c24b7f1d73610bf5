package io.tandem.transport;

import com.esotericsoftware.kryo.Serializer;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The caller's message types and the fixed Kryo class ids they travel under. Every node of a
 * cluster must register the same (id, class) pairs: the id is what goes on the wire, and an id a
 * node does not know closes the connection as a decode error. No class name is ever sent or read.
 *
 * <p>Ids below {@link #FIRST_CALLER_ID} belong to the transport: Kryo's primitives and
 * {@code String} (0..8), and the built-in JDK types listed in {@code docs/formats-wire.md}
 * ({@code byte[]}, {@code ArrayList}, {@code List.of(..)}, {@code HashMap}, {@code TreeMap}, ...).
 * Fields of those types need no registration; everything else a message contains must be
 * registered, including nested records and enums.
 *
 * <p>Records are serialized by Kryo's {@code RecordSerializer} through their canonical
 * constructor, so compact-constructor validation also runs on decode. Other classes need a
 * no-argument constructor or a serializer. Immutable once built; safe to share.
 */
public final class Registrations {

    /** The lowest id a caller may use; lower ids are reserved for the transport's built-ins. */
    public static final int FIRST_CALLER_ID = 100;

    private final List<Entry> entries;

    private Registrations(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** No caller types: only built-ins can be sent. */
    public static Registrations empty() {
        return new Builder().build();
    }

    List<Entry> entries() {
        return entries;
    }

    /** Number of caller registrations. */
    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Registrations[");
        for (Entry e : entries) {
            sb.append(e.id()).append('=').append(e.type().getName()).append(' ');
        }
        return sb.append(']').toString();
    }

    /** One registration; {@code serializer} is null when Kryo's default serializer is used. */
    record Entry(int id, Class<?> type, Supplier<? extends Serializer<?>> serializer) {}

    /** Collects registrations; {@link #build()} validates them all at once. */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        private Builder() {}

        /** Registers {@code type} under {@code id} with Kryo's default serializer for it. */
        public Builder register(int id, Class<?> type) {
            entries.add(new Entry(id, Objects.requireNonNull(type, "type"), null));
            return this;
        }

        /**
         * Registers {@code type} under {@code id} with a custom serializer. The supplier is called
         * once per pooled Kryo instance, so the serializer may keep per-instance state.
         */
        public <T> Builder register(int id, Class<T> type, Supplier<? extends Serializer<T>> serializer) {
            Objects.requireNonNull(serializer, "serializer");
            entries.add(new Entry(id, Objects.requireNonNull(type, "type"), serializer));
            return this;
        }

        public Registrations build() {
            Map<Integer, Class<?>> byId = new HashMap<>();
            Map<Class<?>, Integer> byType = new HashMap<>();
            for (Entry e : entries) {
                validate(e, byId, byType);
            }
            return new Registrations(entries);
        }

        private static void validate(Entry e, Map<Integer, Class<?>> byId, Map<Class<?>, Integer> byType) {
            String name = e.type().getName();
            if (e.id() < FIRST_CALLER_ID) {
                throw new IllegalArgumentException("id " + e.id() + " for " + name + " is reserved (ids below "
                        + FIRST_CALLER_ID + " belong to the transport's built-in types); use " + FIRST_CALLER_ID
                        + " or above");
            }
            Class<?> previous = byId.putIfAbsent(e.id(), e.type());
            if (previous != null) {
                throw new IllegalArgumentException("id " + e.id() + " is registered twice: " + previous.getName()
                        + " and " + name + "; give each type its own id");
            }
            Integer previousId = byType.putIfAbsent(e.type(), e.id());
            if (previousId != null) {
                throw new IllegalArgumentException(name + " is registered twice, under ids " + previousId + " and "
                        + e.id() + "; register each type once");
            }
            if (BuiltIns.isBuiltIn(e.type())) {
                throw new IllegalArgumentException(name + " is a built-in type with a fixed id; do not register it");
            }
            if (e.serializer() == null) {
                requireInstantiable(e.type());
            }
        }

        private static void requireInstantiable(Class<?> type) {
            if (type.isRecord() || type.isEnum() || type.isArray()) {
                return;
            }
            if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
                throw new IllegalArgumentException(type.getName() + " is abstract; register the concrete classes that "
                        + "are sent, or supply a serializer");
            }
            try {
                type.getDeclaredConstructor();
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(type.getName() + " has no no-argument constructor; make it a record "
                        + "or supply a serializer", e);
            }
        }
    }
}
