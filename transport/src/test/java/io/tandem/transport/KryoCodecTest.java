package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import io.tandem.transport.TestMessages.Append;
import io.tandem.transport.TestMessages.Blob;
import io.tandem.transport.TestMessages.Entry;
import io.tandem.transport.TestMessages.Kind;
import io.tandem.transport.TestMessages.Ping;
import io.tandem.transport.TestMessages.Unregistered;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KryoCodecTest {

    private static final int MAX_FRAME = 64 * 1024;
    private final KryoCodec codec = new KryoCodec(TestMessages.REGISTRATIONS, MAX_FRAME);

    private Object roundTrip(Object message) throws DecodeException {
        byte[] frame = codec.encodeFrame(message);
        return codec.decode(frame, Frames.HEADER_BYTES, frame.length - Frames.HEADER_BYTES);
    }

    static Stream<Object> samples() {
        return TestMessages.samples().stream();
    }

    @ParameterizedTest
    @MethodSource("samples")
    @DisplayName("every registered kind survives encode/decode, records included (Kryo 5.6 RecordSerializer)")
    void roundTripsEveryRegisteredKind(Object message) throws DecodeException {
        assertEquals(message, roundTrip(message));
    }

    @Test
    void frameHeaderCountsTypeAndPayload() {
        byte[] frame = codec.encodeFrame(new Ping(1, "a"));
        int length = ((frame[0] & 0xFF) << 24) | ((frame[1] & 0xFF) << 16) | ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF);
        assertEquals(frame.length - 4, length);
        assertEquals(Frames.MESSAGE, frame[4]);
    }

    @Test
    @DisplayName("golden bytes: Ping(1, \"a\") is pinned so a Kryo upgrade cannot silently change the wire format")
    void goldenBytesOfAPing() {
        // 00000005 length | 10 MESSAGE | 66 = varint(100 + 2) class id |
        // components in name order: seq = varlong zigzag(1) = 02,
        // text = UTF-8 form: 82 = 0x80 (UTF-8 flag) | (char count + 1), then 61 'a'
        assertEquals("000000051066" + "02" + "8261", HexFormat.of().formatHex(codec.encodeFrame(new Ping(1, "a"))));
    }

    @Test
    void builtInCollectionsDecodeWithEqualContents() throws DecodeException {
        List<Object> values = new ArrayList<>();
        values.add(new ArrayList<>(List.of("a", "b")));
        values.add(List.of(1));
        values.add(List.of(1, 2, 3));
        values.add(List.of());
        values.add(Stream.of("x", null).toList());
        values.add(Collections.emptyList());
        values.add(Collections.singletonList("only"));
        values.add(Collections.unmodifiableList(new ArrayList<>(List.of(4L, 5L))));
        values.add(new LinkedHashMap<>(Map.of("k", 1)));
        values.add(new TreeMap<>(Map.of("b", 2, "a", 1)));
        values.add(Map.of("k", "v"));
        values.add(Map.of("a", 1, "b", 2));
        values.add(Collections.emptyMap());
        values.add(new LinkedHashSet<>(List.of(3, 1, 2)));
        values.add(new TreeSet<>(Set.of("z", "y")));
        values.add(Set.of(1));
        values.add(Set.of(1, 2, 3));
        values.add(Collections.emptySet());
        values.add(new byte[] {1, 2});
        for (Object value : values) {
            Object decoded = roundTrip(value);
            if (value instanceof byte[] bytes) {
                assertArrayEquals(bytes, (byte[]) decoded);
            } else {
                assertEquals(value, decoded, () -> "round trip of " + value.getClass());
            }
        }
    }

    @Test
    void sortedCollectionsWithAComparatorAreRefused() {
        TreeMap<String, String> reversed = new TreeMap<>(Collections.reverseOrder());
        reversed.put("a", "1");
        assertThrows(IllegalArgumentException.class, () -> codec.encodeFrame(reversed));
    }

    @Test
    void unregisteredTypeFailsAtEncodeNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.encodeFrame(new Unregistered("x")));
        assertTrue(e.getMessage().contains(Unregistered.class.getName()), e.getMessage());
    }

    @Test
    void unregisteredTypeNestedInsideAMessageFailsAtEncode() {
        Append withStranger = new Append("n", 1, 1, new ArrayList<>(List.of(new Entry(1, 1, new byte[0]))), Kind.VOTE,
                null, false, 0, 0);
        assertEquals(withStranger, assertDoesNotThrowRoundTrip(withStranger));
        List<Object> mixed = new ArrayList<>(List.of(new Unregistered("inside")));
        assertThrows(IllegalArgumentException.class, () -> codec.encodeFrame(mixed));
    }

    private Object assertDoesNotThrowRoundTrip(Object message) {
        try {
            return roundTrip(message);
        } catch (DecodeException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void messageAboveMaxFrameBytesFailsAtEncodeNamingTheLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.encodeFrame(new Blob("big", new byte[MAX_FRAME])));
        assertTrue(e.getMessage().contains("maxFrameBytes (" + MAX_FRAME + ")"), e.getMessage());
        // The codec is still usable afterwards.
        assertEquals(new Ping(2, "ok"), assertDoesNotThrowRoundTrip(new Ping(2, "ok")));
    }

    @Test
    void messageExactlyAtTheLimitIsAccepted() throws DecodeException {
        Blob probe = new Blob("b", new byte[0]);
        int overhead = codec.encodeFrame(probe).length - Frames.LENGTH_BYTES;
        // Growing the byte[] from 0 to n adds n bytes and, past 127, one more varint byte per 7 bits.
        Blob atLimit = new Blob("b", new byte[MAX_FRAME - overhead - 2]);
        byte[] frame = codec.encodeFrame(atLimit);
        assertEquals(MAX_FRAME, frame.length - Frames.LENGTH_BYTES);
        assertEquals(atLimit, codec.decode(frame, 5, frame.length - 5));
    }

    @Test
    void nullMessageIsRefused() {
        assertThrows(NullPointerException.class, () -> codec.encodeFrame(null));
    }

    @Test
    void unknownClassIdIsADecodeError() {
        byte[] payload = payload(out -> out.writeVarInt(999 + 2, true));
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(payload, 0, payload.length));
        assertTrue(e.getMessage().contains("999"), e.getMessage());
    }

    @Test
    @DisplayName("a class name on the wire is refused before it is read, so it is never loaded")
    void classNamesOnTheWireAreRefused() {
        byte[] payload = payload(out -> {
            out.writeVarInt(1, true); // Kryo's "class name follows" marker
            out.writeVarInt(0, true);
            out.writeString("io.tandem.transport.NotARealClass");
        });
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(payload, 0, payload.length));
        assertTrue(e.getMessage().contains("class names are never accepted"), e.getMessage());
    }

    @Test
    void registrationsMustMatch() {
        KryoCodec other = new KryoCodec(Registrations.builder().register(100, Entry.class).build(), MAX_FRAME);
        byte[] frame = codec.encodeFrame(new Ping(1, "x"));
        assertThrows(DecodeException.class, () -> other.decode(frame, 5, frame.length - 5));
    }

    @Test
    void trailingBytesAreADecodeError() {
        byte[] frame = codec.encodeFrame(new TestMessages.Pong(5));
        byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 1);
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(longer, 5, longer.length - 5));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void everyTruncationOfAValidPayloadIsADecodeError() {
        Object message = TestMessages.samples().get(6);
        byte[] frame = codec.encodeFrame(message);
        for (int cut = Frames.HEADER_BYTES; cut < frame.length; cut++) {
            int length = cut - Frames.HEADER_BYTES;
            assertThrows(DecodeException.class, () -> codec.decode(frame, 5, length), "cut at " + cut);
        }
    }

    @Test
    void nullRootIsADecodeError() {
        byte[] payload = {0};
        assertThrows(DecodeException.class, () -> codec.decode(payload, 0, 1));
    }

    /** Claims of huge sizes inside a tiny frame; each would allocate at least 1 GiB if trusted. */
    static Stream<byte[]> hugeClaims() {
        int huge = 1 << 30;
        return Stream.of(
                payload(out -> claim(out, 10, huge, false)),                 // byte[]
                payload(out -> claim(out, 11, huge, false)),                 // int[]
                payload(out -> claim(out, 12, huge, false)),                 // long[]
                payload(out -> claim(out, 1, huge, true)),                   // String, UTF-8 char count
                payload(out -> claim(out, 20, huge, true)),                  // ArrayList
                payload(out -> claim(out, 22, huge, true)),                  // List.of(...)
                payload(out -> claim(out, 30, huge, false)),                 // HashMap
                payload(out -> claim(out, 44, huge, true)),                  // Set.of(...)
                payload(out -> {                                             // String inside a record
                    out.writeVarInt(TestMessages.PING_ID + 2, true);
                    out.writeVarLong(0, false);
                    out.writeVarIntFlag(true, huge, true);
                }));
    }

    /** Class id, then a size as Kryo's serializer for it reads it (plain varint or varint with flag). */
    private static void claim(Output out, int classId, int size, boolean flagged) {
        out.writeVarInt(classId + 2, true);
        if (flagged) {
            out.writeVarIntFlag(true, size, true);
        } else {
            out.writeVarInt(size, true);
        }
    }

    @ParameterizedTest
    @MethodSource("hugeClaims")
    @DisplayName("a length claim larger than the frame fails before anything of that size is allocated")
    void hugeLengthClaimsFailWithoutAllocating(byte[] payload) throws DecodeException {
        roundTrip(new Ping(0, "warm up the pool"));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(payload, 0, payload.length));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16L * 1024 * 1024, "allocated " + allocated + " bytes for a " + payload.length
                + "-byte payload: " + e.getMessage());
    }

    @Test
    @DisplayName("nesting deeper than MAX_DEPTH is a decode error, not a StackOverflowError")
    void deepNestingIsADecodeError() {
        Kryo unlimited = new Kryo();
        unlimited.setReferences(false);
        BuiltIns.register(unlimited);
        Object nested = "leaf";
        for (int i = 0; i < 3 * KryoCodec.MAX_DEPTH; i++) {
            nested = new ArrayList<>(List.of(nested));
        }
        Output out = new Output(1024, -1);
        unlimited.writeClassAndObject(out, nested);
        byte[] payload = out.toBytes();
        DecodeException e = assertThrows(DecodeException.class, () -> codec.decode(payload, 0, payload.length));
        assertTrue(e.getMessage().toLowerCase().contains("depth"), e.getMessage());
    }

    @Test
    @DisplayName("seeded fuzz: random and mutated payloads decode or fail with DecodeException, nothing else")
    void randomPayloadsOnlyEverFailWithDecodeException() {
        long seed = Seeds.fromProperty("tandem.fuzz.seed");
        System.out.println("KryoCodecTest fuzz seed=" + Seeds.hex(seed)
                + " (replay: mvn -pl transport test -Dtest=KryoCodecTest -Dtandem.fuzz.seed=" + Seeds.hex(seed) + ")");
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> valid = TestMessages.samples().stream().map(codec::encodeFrame).toList();
        for (int i = 0; i < 20_000; i++) {
            byte[] payload = random.nextBoolean() ? randomBytes(random) : mutate(random, valid);
            try {
                Object decoded = codec.decode(payload, 0, payload.length);
                assertInstanceOf(Object.class, decoded);
            } catch (DecodeException expected) {
                // fine: the connection would be closed
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed=0x" + Long.toHexString(seed) + " iteration " + i + " payload "
                        + HexFormat.of().formatHex(payload), e);
            }
        }
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(1, 64)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] mutate(SplittableRandom random, List<byte[]> valid) {
        byte[] frame = valid.get(random.nextInt(valid.size()));
        byte[] payload = java.util.Arrays.copyOfRange(frame, Frames.HEADER_BYTES, frame.length);
        int flips = random.nextInt(1, 4);
        for (int i = 0; i < flips && payload.length > 0; i++) {
            payload[random.nextInt(payload.length)] = (byte) random.nextInt(256);
        }
        return payload;
    }

    static byte[] payload(Consumer<Output> writer) {
        Output out = new Output(64, -1);
        writer.accept(out);
        out.writeBytes(new byte[] {1, 2, 3, 4});
        return out.toBytes();
    }

}
