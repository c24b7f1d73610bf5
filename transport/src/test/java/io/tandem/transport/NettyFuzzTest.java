package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.transport.TestMessages.Ping;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzz over real sockets: at least 10,000 random, truncated, oversized and mutated-valid
 * frames from raw clients, some authenticated and some not. The server must close every hostile
 * connection, never let an exception escape, and keep serving a well-behaved peer throughout.
 *
 * <p>Replay a failure with {@code -Dtandem.fuzz.seed=0x...}; {@code -Dtandem.fuzz.frames=N} runs longer.
 */
class NettyFuzzTest {

    private static final int MAX_FRAME = 16 * 1024;

    enum Kind { VALID, MUTATED, RANDOM_BODY, UNREGISTERED, OVERSIZED, TRUNCATED, ZERO_LENGTH, GARBAGE, HUGE_CLAIM }

    private final KryoCodec codec = new KryoCodec(TestMessages.REGISTRATIONS, MAX_FRAME);
    private final List<byte[]> valid = TestMessages.samples().stream().map(codec::encodeFrame).toList();
    private final List<byte[]> hugeClaims = KryoCodecTest.hugeClaims().toList();
    private final Map<Kind, Integer> written = new EnumMap<>(Kind.class);

    @Test
    void hostileFramesLeaveTheServerHealthy() throws Exception {
        long seed = Seeds.fromProperty("tandem.fuzz.seed");
        int framesWanted = Integer.getInteger("tandem.fuzz.frames", 10_000);
        System.out.println("NettyFuzzTest seed=0x" + Long.toHexString(seed) + " frames=" + framesWanted
                + "  (replay: mvn -pl transport test -Dtest=NettyFuzzTest -Dtandem.fuzz.seed=0x"
                + Long.toHexString(seed) + ")");
        SplittableRandom random = new SplittableRandom(seed);
        Collector inbox = new Collector();
        try (NettyTransport server = new NettyTransport(TestConfigs.node("server").maxFrameBytes(MAX_FRAME)
                .handshakeTimeoutMs(2000).build());
                NettyTransport good = new NettyTransport(TestConfigs.node("good").build())) {
            server.start(inbox);
            good.start((f, m) -> { });
            int frames = 0;
            int connection = 0;
            while (frames < framesWanted) {
                frames += fuzzOneConnection(server.localEndpoint(), random, seed, connection++);
                if (connection % 200 == 0) {
                    assertServing(good, server, inbox, connection);
                }
            }
            assertServing(good, server, inbox, connection);
            String summary = "seed=0x" + Long.toHexString(seed) + " frames=" + frames + " connections=" + connection
                    + " kinds=" + written + " " + server.stats();
            System.out.println("NettyFuzzTest " + summary);
            assertEquals(0, server.unexpectedErrors(), summary);
            assertTrue(server.stats().decodeErrors() > 0 && server.stats().handshakesRejected() > 0, summary);
            Await.until("every hostile connection is closed on the server", () -> server.inboundConnections() <= 1,
                    () -> server.inboundConnections() + " open; " + summary);
        }
    }

    private void assertServing(NettyTransport good, NettyTransport server, Collector inbox, int connection) {
        Ping marker = new Ping(connection, "healthy");
        good.send(server.localEndpoint(), marker);
        Collector.Received received = inbox.awaitOne(marker);
        assertEquals("good", received.from());
    }

    /** One connection: maybe authenticate, write 1..8 frames, hang up; the server must close it. Returns frames written. */
    private int fuzzOneConnection(Endpoint server, SplittableRandom random, long seed, int connection) throws Exception {
        boolean authenticate = random.nextInt(4) != 0;
        int count = authenticate ? random.nextInt(1, 9) : 1;
        int frames = 0;
        StringBuilder story = new StringBuilder(authenticate ? "authenticated:" : "before hello:");
        try (RawClient client = RawClient.connect(server)) {
            if (authenticate) {
                client.handshake("fuzz-" + connection);
            } else {
                client.readChallenge();
            }
            for (int i = 0; i < count; i++) {
                Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
                story.append(' ').append(kind);
                written.merge(kind, 1, Integer::sum);
                frames++;
                if (!writeQuietly(client, frame(kind, random))) {
                    break; // the server already closed on an earlier frame
                }
            }
            shutdownQuietly(client);
            if (!client.closedByPeer(Duration.ofSeconds(5))) {
                throw new AssertionError("server kept connection " + connection + " open after " + story + " (seed=0x"
                        + Long.toHexString(seed) + ")");
            }
        }
        return frames;
    }

    private byte[] frame(Kind kind, SplittableRandom random) {
        return switch (kind) {
            case VALID -> pick(valid, random);
            case MUTATED -> mutate(pick(valid, random), random);
            case RANDOM_BODY -> RawClient.frame(random.nextInt(256), randomBytes(random, 0, 200));
            case UNREGISTERED -> RawClient.frame(Frames.MESSAGE, unregisteredId(random));
            case OVERSIZED -> oversized(random);
            case TRUNCATED -> truncate(pick(valid, random), random);
            case ZERO_LENGTH -> new byte[4];
            case GARBAGE -> randomBytes(random, 1, 64);
            case HUGE_CLAIM -> RawClient.frame(Frames.MESSAGE, pick(hugeClaims, random));
        };
    }

    private static byte[] pick(List<byte[]> list, SplittableRandom random) {
        return list.get(random.nextInt(list.size()));
    }

    private static byte[] mutate(byte[] frame, SplittableRandom random) {
        byte[] copy = frame.clone();
        int flips = random.nextInt(1, 4);
        for (int i = 0; i < flips; i++) {
            copy[random.nextInt(Frames.HEADER_BYTES, copy.length)] = (byte) random.nextInt(256);
        }
        return copy;
    }

    private static byte[] unregisteredId(SplittableRandom random) {
        int id = random.nextInt(200, 100_000) + 2;
        com.esotericsoftware.kryo.io.Output out = new com.esotericsoftware.kryo.io.Output(8, -1);
        out.writeVarInt(id, true);
        out.writeBytes(randomBytes(random, 0, 16));
        return out.toBytes();
    }

    private static byte[] oversized(SplittableRandom random) {
        int length = random.nextInt(MAX_FRAME + 1, Integer.MAX_VALUE);
        byte[] bytes = randomBytes(random, 4, 40);
        bytes[0] = (byte) (length >>> 24);
        bytes[1] = (byte) (length >>> 16);
        bytes[2] = (byte) (length >>> 8);
        bytes[3] = (byte) length;
        return bytes;
    }

    private static byte[] truncate(byte[] frame, SplittableRandom random) {
        return Arrays.copyOf(frame, random.nextInt(1, frame.length));
    }

    private static byte[] randomBytes(SplittableRandom random, int min, int max) {
        byte[] bytes = new byte[random.nextInt(min, max + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static boolean writeQuietly(RawClient client, byte[] bytes) {
        try {
            client.write(bytes);
            return true;
        } catch (IOException closedByServer) {
            return false;
        }
    }

    private static void shutdownQuietly(RawClient client) {
        try {
            client.shutdownOutput();
        } catch (IOException alreadyClosed) {
            // the server closed first; nothing to shut down
        }
    }
}
