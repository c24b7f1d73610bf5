package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistrationsTest {

    record A(int x) {}

    record B(String y) {}

    interface Shape {}

    static final class NoDefaultConstructor {
        final int value;

        NoDefaultConstructor(int value) {
            this.value = value;
        }
    }

    private static String failure(Registrations.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }

    @Test
    void reservedIdsAreRefusedWithTheFirstUsableId() {
        String message = failure(Registrations.builder().register(7, A.class));
        assertTrue(message.contains("id 7") && message.contains("use 100 or above"), message);
    }

    @Test
    void duplicateIdNamesBothClasses() {
        String message = failure(Registrations.builder().register(100, A.class).register(100, B.class));
        assertTrue(message.contains(A.class.getName()) && message.contains(B.class.getName()), message);
    }

    @Test
    void duplicateClassNamesBothIds() {
        String message = failure(Registrations.builder().register(100, A.class).register(101, A.class));
        assertTrue(message.contains("100") && message.contains("101"), message);
    }

    @Test
    void builtInsCannotBeRegisteredAgain() {
        assertTrue(failure(Registrations.builder().register(100, ArrayList.class)).contains("built-in"));
        assertTrue(failure(Registrations.builder().register(100, String.class)).contains("built-in"));
    }

    @Test
    void abstractTypesAndClassesWithoutNoArgConstructorNeedASerializer() {
        assertTrue(failure(Registrations.builder().register(100, Shape.class)).contains("abstract"));
        assertTrue(failure(Registrations.builder().register(100, NoDefaultConstructor.class))
                .contains("no no-argument constructor"));
    }

    @Test
    void customSerializerIsUsedAndCreatedPerKryoInstance() throws DecodeException {
        List<Serializer<NoDefaultConstructor>> created = new ArrayList<>();
        Registrations registrations = Registrations.builder().register(100, NoDefaultConstructor.class, () -> {
            Serializer<NoDefaultConstructor> s = new Serializer<>() {
                @Override
                public void write(Kryo kryo, Output output, NoDefaultConstructor object) {
                    output.writeInt(object.value);
                }

                @Override
                public NoDefaultConstructor read(Kryo kryo, Input input, Class<? extends NoDefaultConstructor> type) {
                    return new NoDefaultConstructor(input.readInt());
                }
            };
            created.add(s);
            return s;
        }).build();
        KryoCodec codec = new KryoCodec(registrations, 4096);
        byte[] frame = codec.encodeFrame(new NoDefaultConstructor(77));
        NoDefaultConstructor decoded = (NoDefaultConstructor) codec.decode(frame, 5, frame.length - 5);
        assertEquals(77, decoded.value);
        assertEquals(1, created.size());
    }

    @Test
    void builtInIdsAreFixed() {
        assertEquals(10, BuiltIns.idOf(byte[].class));
        assertEquals(20, BuiltIns.idOf(ArrayList.class));
        assertEquals(22, BuiltIns.idOf(List.of().getClass()));
        assertEquals(-1, BuiltIns.idOf(A.class));
    }
}
