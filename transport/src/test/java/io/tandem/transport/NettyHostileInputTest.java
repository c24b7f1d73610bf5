package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.transport.TestMessages.Ping;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken clients against a real server: every case closes that one connection, bumps
 * exactly one counter, delivers nothing, and leaves the server serving well-behaved peers.
 */
class NettyHostileInputTest {

    private static final int MAX_FRAME = 64 * 1024;
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);

    private final Collector inbox = new Collector();
    private final List<Transport> open = new ArrayList<>();
    private NettyTransport server;
    private final KryoCodec codec = new KryoCodec(TestMessages.REGISTRATIONS, MAX_FRAME);

    @BeforeEach
    void startServer() {
        server = start(TestConfigs.node("server").maxFrameBytes(MAX_FRAME).handshakeTimeoutMs(2000), inbox);
    }

    private NettyTransport start(TransportConfig.Builder config, MessageHandler handler) {
        NettyTransport t = new NettyTransport(config.build());
        open.add(t);
        t.start(handler);
        return t;
    }

    @AfterEach
    void afterEach() {
        assertEquals(0, server.unexpectedErrors(), "exceptions reached the end of the pipeline unclassified");
        open.forEach(Transport::close);
    }

    /** A real peer still gets through, and the hostile connection delivered nothing. */
    private void assertStillServing() {
        Transport good = start(TestConfigs.node("good"), (f, m) -> { });
        good.send(server.localEndpoint(), new Ping(7, "still serving"));
        inbox.awaitOne(new Ping(7, "still serving"));
        assertEquals(List.of(new Ping(7, "still serving")), inbox.messages());
    }

    private RawClient authenticated() throws Exception {
        RawClient client = RawClient.connect(server.localEndpoint());
        client.handshake("raw-client");
        return client;
    }

    private void assertDecodeErrorClosed(RawClient client) throws Exception {
        assertTrue(client.closedByPeer(CLOSE_WITHIN), "the server kept the connection open");
        Await.until("one decode error is counted", () -> server.stats().decodeErrors() == 1,
                () -> server.stats().toString());
        assertEquals(0, server.stats().handshakesRejected());
        assertStillServing();
    }

    @Test
    void oversizedLengthPrefixBeforeTheHelloClosesOnTheFourBytesAlone() throws Exception {
        try (RawClient client = RawClient.connect(server.localEndpoint())) {
            client.readChallenge();
            client.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void oversizedLengthPrefixAfterTheHandshakeCloses() throws Exception {
        try (RawClient client = authenticated()) {
            int tooBig = MAX_FRAME + 1;
            client.write(new byte[] {(byte) (tooBig >>> 24), (byte) (tooBig >>> 16), (byte) (tooBig >>> 8),
                    (byte) tooBig, Frames.MESSAGE});
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void aLengthPrefixWithinTheLimitIsNotPreallocated() throws Exception {
        server.close();
        int limit = 8 * 1024 * 1024;
        server = start(TestConfigs.node("server").maxFrameBytes(limit), inbox);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (RawClient client = authenticated()) {
            long ioThread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("tandem-io-server-") && t.isAlive())
                    .mapToLong(Thread::getId).max().orElseThrow();
            long before = threads.getThreadAllocatedBytes(ioThread);
            int claimed = limit - 1;
            client.write(new byte[] {(byte) (claimed >>> 24), (byte) (claimed >>> 16), (byte) (claimed >>> 8),
                    (byte) claimed, Frames.MESSAGE, 1, 2, 3}); // claims almost 8 MiB, sends 4 bytes
            client.shutdownOutput();
            assertTrue(client.closedByPeer(CLOSE_WITHIN));
            long allocated = threads.getThreadAllocatedBytes(ioThread) - before;
            assertTrue(allocated < 1024 * 1024, "the I/O thread allocated " + allocated + " bytes");
        }
        Await.until("the truncated frame is counted", () -> server.stats().decodeErrors() == 1);
    }

    @Test
    void httpRequestInsteadOfAHelloIsRefused() throws Exception {
        try (RawClient client = RawClient.connect(server.localEndpoint())) {
            client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertDecodeErrorClosed(client); // "GET " read as a length prefix is far above the handshake limit
        }
    }

    @Test
    void messageBeforeTheHelloIsRejectedWithAReason() throws Exception {
        try (RawClient client = RawClient.connect(server.localEndpoint())) {
            client.readChallenge();
            client.write(codec.encodeFrame(new Ping(1, "too early")));
            RawClient.Frame reject = client.readFrame();
            assertEquals(Frames.REJECT, reject.type());
            assertArrayEquals(new byte[] {(byte) RejectReason.UNEXPECTED_FRAME.wireCode()}, reject.body());
            assertTrue(client.closedByPeer(CLOSE_WITHIN));
        }
        Await.until("the rejection is counted", () -> server.stats().rejections(RejectReason.UNEXPECTED_FRAME) == 1);
        assertStillServing();
    }

    @Test
    void malformedHelloIsRejected() throws Exception {
        try (RawClient client = RawClient.connect(server.localEndpoint())) {
            client.readChallenge();
            client.write(RawClient.frame(Frames.HELLO, new byte[] {1, 2, 3}));
            assertTrue(client.closedByPeer(CLOSE_WITHIN));
        }
        Await.until("the rejection is counted",
                () -> server.stats().rejections(RejectReason.MALFORMED_HANDSHAKE) == 1);
        assertStillServing();
    }

    @Test
    void replayedHelloDoesNotAuthenticate() throws Exception {
        byte[] recorded;
        try (RawClient first = RawClient.connect(server.localEndpoint())) {
            recorded = first.sendHello(first.readChallenge(), TestConfigs.CLUSTER, "victim", TestConfigs.SECRET,
                    Handshake.PROTOCOL_VERSION);
            assertEquals(Frames.WELCOME, first.readFrame().type());
        }
        try (RawClient replay = RawClient.connect(server.localEndpoint())) {
            replay.readChallenge(); // a fresh nonce, which the recorded proof does not cover
            replay.write(recorded);
            RawClient.Frame reject = replay.readFrame();
            assertEquals(Frames.REJECT, reject.type());
            assertEquals(RejectReason.BAD_PROOF.wireCode(), reject.body()[0]);
            replay.write(codec.encodeFrame(new Ping(1, "replayed")));
            assertTrue(replay.closedByPeer(CLOSE_WITHIN));
        }
        Await.until("the replay is counted", () -> server.stats().rejections(RejectReason.BAD_PROOF) == 1);
        assertStillServing();
    }

    @Test
    void silentClientTimesOut() throws Exception {
        server.close();
        server = start(TestConfigs.node("server").handshakeTimeoutMs(200), inbox);
        try (RawClient client = RawClient.connect(server.localEndpoint())) {
            client.readChallenge();
            assertTrue(client.closedByPeer(CLOSE_WITHIN));
        }
        Await.until("the timeout is counted", () -> server.stats().rejections(RejectReason.HANDSHAKE_TIMEOUT) == 1);
        assertStillServing();
    }

    @Test
    void unregisteredTypeIdClosesTheConnection() throws Exception {
        try (RawClient client = authenticated()) {
            client.write(RawClient.frame(Frames.MESSAGE, new byte[] {(byte) 0xe8, 0x07})); // varint 1000: id 998
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void garbagePayloadClosesTheConnection() throws Exception {
        try (RawClient client = authenticated()) {
            client.write(RawClient.frame(Frames.MESSAGE, "garbage, not kryo".getBytes(StandardCharsets.US_ASCII)));
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void truncatedFrameIsCountedWhenTheClientHangsUp() throws Exception {
        try (RawClient client = authenticated()) {
            byte[] frame = codec.encodeFrame(new Ping(1, "cut short"));
            client.write(java.util.Arrays.copyOf(frame, frame.length - 3));
            assertFalse(client.closedByPeer(Duration.ofMillis(100)), "a partial frame is simply awaited");
            client.shutdownOutput();
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void zeroLengthFrameClosesTheConnection() throws Exception {
        try (RawClient client = authenticated()) {
            client.write(new byte[] {0, 0, 0, 0});
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void handshakeFrameAfterTheHandshakeClosesTheConnection() throws Exception {
        try (RawClient client = authenticated()) {
            client.write(RawClient.frame(Frames.HELLO, new byte[10]));
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void hugeCollectionClaimInATinyFrameClosesTheConnection() throws Exception {
        try (RawClient client = authenticated()) {
            client.write(RawClient.frame(Frames.MESSAGE, KryoCodecTest.hugeClaims().findFirst().orElseThrow()));
            assertDecodeErrorClosed(client);
        }
    }

    @Test
    void validFramesBeforeABadOneAreDeliveredAndTheRestIsNot() throws Exception {
        try (RawClient client = authenticated()) {
            client.write(codec.encodeFrame(new Ping(1, "good")));
            client.write(RawClient.frame(Frames.MESSAGE, new byte[] {(byte) 0xe8, 0x07}));
            client.write(codec.encodeFrame(new Ping(2, "after the bad one")));
            assertTrue(client.closedByPeer(CLOSE_WITHIN));
        }
        assertEquals("raw-client", inbox.awaitOne(new Ping(1, "good")).from());
        Await.until("one decode error", () -> server.stats().decodeErrors() == 1);
        assertFalse(inbox.contains(new Ping(2, "after the bad one")));
    }

    @Test
    void impostorServerGetsNoMessages() throws Exception {
        try (RawServer impostor = new RawServer()) {
            NettyTransport client = start(TestConfigs.node("client"), (f, m) -> { });
            client.send(impostor.endpoint(), new Ping(1, "for the real server only"));
            try (RawClient accepted = impostor.acceptAndWelcome("not-the-cluster-secret!!".getBytes())) {
                assertTrue(accepted.closedByPeer(CLOSE_WITHIN), "the client should hang up without sending");
            }
            Await.until("the client counts the bad server proof",
                    () -> client.stats().rejections(RejectReason.PEER_BAD_PROOF) == 1);
            Await.until("the queued message is dropped", () -> client.stats().drops(impostor.endpoint()) == 1);
            assertEquals(0, client.stats().framesSent());
        }
    }

    @Test
    void genuineRawServerReceivesTheMessage() throws Exception {
        // The control for impostorServerGetsNoMessages: the same server with the right secret is trusted.
        try (RawServer genuine = new RawServer()) {
            NettyTransport client = start(TestConfigs.node("client"), (f, m) -> { });
            client.send(genuine.endpoint(), new Ping(1, "hello"));
            try (RawClient accepted = genuine.acceptAndWelcome(TestConfigs.SECRET)) {
                RawClient.Frame frame = accepted.readFrame();
                assertEquals(Frames.MESSAGE, frame.type());
                assertEquals(new Ping(1, "hello"), codec.decode(frame.body(), 0, frame.body().length));
            }
        }
    }

    @Test
    void decodeErrorsNeverThrowIntoTheCaller() {
        assertThrows(DecodeException.class, () -> codec.decode(new byte[] {(byte) 0xe8, 0x07}, 0, 2));
    }
}
