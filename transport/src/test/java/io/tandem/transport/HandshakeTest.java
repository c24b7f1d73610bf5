package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HandshakeTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final byte[] SECRET = TestConfigs.SECRET;
    private static final byte[] NONCE_S = filled(1);
    private static final byte[] NONCE_C = filled(2);

    private static byte[] filled(int value) {
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        java.util.Arrays.fill(nonce, (byte) value);
        return nonce;
    }

    /** Strips length and type, checking both. */
    private static ByteBuf body(ByteBuf frame, byte type) {
        assertEquals(frame.readableBytes() - 4, frame.readInt());
        assertEquals(type, frame.readByte());
        return frame;
    }

    @Test
    void helloRoundTripsAndItsProofVerifies() throws HandshakeException {
        byte[] proof = Handshake.clientProof(SECRET, 1, "c", "n1", NONCE_S, NONCE_C);
        ByteBuf frame = Handshake.hello(ALLOC, new Handshake.Hello(1, "c", "n1", NONCE_C, proof));
        Handshake.Hello hello = Handshake.parseHello(body(frame, Frames.HELLO), 1);
        frame.release();
        assertEquals("c", hello.cluster());
        assertEquals("n1", hello.nodeId());
        assertArrayEquals(NONCE_C, hello.clientNonce());
        assertTrue(Handshake.proofMatches(Handshake.clientProof(SECRET, 1, "c", "n1", NONCE_S, NONCE_C), hello.proof()));
    }

    @Test
    void proofIsPinnedByAKnownAnswer() {
        // HMAC-SHA256 over the documented input; pinned so the construction cannot drift from docs/formats-wire.md.
        byte[] proof = Handshake.clientProof("0123456789abcdef".getBytes(StandardCharsets.US_ASCII), 1, "c", "n",
                NONCE_S, NONCE_C);
        assertEquals(KNOWN_CLIENT_PROOF, HexFormat.of().formatHex(proof));
    }

    static final String KNOWN_CLIENT_PROOF = computeReference();

    /** Independent reference: builds the documented MAC input by hand. */
    private static String computeReference() {
        try {
            java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
            in.writeBytes("tandem-v1 client-proof".getBytes(StandardCharsets.US_ASCII));
            in.write(0);
            in.writeBytes(new byte[] {0, 1, 1, 'c', 1, 'n'});
            in.writeBytes(NONCE_S);
            in.writeBytes(NONCE_C);
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec("0123456789abcdef".getBytes(StandardCharsets.US_ASCII),
                    "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(in.toByteArray()));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void proofChangesWithEveryInput() {
        byte[] base = Handshake.clientProof(SECRET, 1, "c", "n", NONCE_S, NONCE_C);
        assertFalse(Handshake.proofMatches(base, Handshake.clientProof(SECRET, 2, "c", "n", NONCE_S, NONCE_C)));
        assertFalse(Handshake.proofMatches(base, Handshake.clientProof(SECRET, 1, "d", "n", NONCE_S, NONCE_C)));
        assertFalse(Handshake.proofMatches(base, Handshake.clientProof(SECRET, 1, "c", "m", NONCE_S, NONCE_C)));
        assertFalse(Handshake.proofMatches(base, Handshake.clientProof(SECRET, 1, "c", "n", NONCE_C, NONCE_C)));
        assertFalse(Handshake.proofMatches(base, Handshake.clientProof(SECRET, 1, "c", "n", NONCE_S, NONCE_S)));
        assertFalse(Handshake.proofMatches(base, Handshake.clientProof(filled(9), 1, "c", "n", NONCE_S, NONCE_C)));
        // The server's proof over the same values is different: a client proof cannot be reflected back.
        assertFalse(Handshake.proofMatches(base, Handshake.serverProof(SECRET, 1, "c", "n", "n", NONCE_S, NONCE_C)));
    }

    @Test
    void otherVersionIsReportedBeforeTheRestIsParsed() {
        ByteBuf body = Unpooled.buffer().writeInt(Handshake.MAGIC).writeShort(7).writeBytes(new byte[] {1, 2, 3});
        HandshakeException e = assertThrows(HandshakeException.class, () -> Handshake.parseHello(body, 1));
        assertEquals(RejectReason.VERSION_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("version 7, we speak 1"), e.getMessage());
    }

    @Test
    void malformedHandshakeFramesAreNamed() {
        assertReason(RejectReason.MALFORMED_HANDSHAKE, Unpooled.buffer().writeInt(0x12345678));
        assertReason(RejectReason.MALFORMED_HANDSHAKE, Unpooled.buffer().writeInt(Handshake.MAGIC).writeShort(1)
                .writeByte(0));
        ByteBuf badUtf8 = Unpooled.buffer().writeInt(Handshake.MAGIC).writeShort(1).writeByte(1).writeByte(0xff)
                .writeByte(1).writeByte('n').writeZero(64);
        assertReason(RejectReason.MALFORMED_HANDSHAKE, badUtf8);
        ByteBuf trailing = Handshake.hello(ALLOC, new Handshake.Hello(1, "c", "n", NONCE_C, NONCE_S));
        ByteBuf withExtra = Unpooled.wrappedBuffer(body(trailing, Frames.HELLO), Unpooled.wrappedBuffer(new byte[1]));
        HandshakeException e = assertThrows(HandshakeException.class, () -> Handshake.parseHello(withExtra, 1));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
        withExtra.release();
    }

    private static void assertReason(RejectReason reason, ByteBuf body) {
        assertEquals(reason, assertThrows(HandshakeException.class, () -> Handshake.parseHello(body, 1)).reason());
    }

    @Test
    void largestHelloFitsTheHandshakeFrameLimit() {
        String longest = "n".repeat(Handshake.NAME_BYTES_MAX);
        ByteBuf frame = Handshake.hello(ALLOC, new Handshake.Hello(1, longest, longest, NONCE_C, NONCE_S));
        int length = frame.getInt(0);
        frame.release();
        assertEquals(583, length);
        assertTrue(length <= Frames.HANDSHAKE_FRAME_MAX);
    }

    @Test
    void namesFromTheWireAreQuotedWithoutControlCharacters() {
        assertEquals("'a\\u000ab'", Handshake.quote("a\nb"));
    }

    @Test
    void rejectCarriesItsWireCode() throws HandshakeException {
        ByteBuf frame = Handshake.reject(ALLOC, RejectReason.CLUSTER_MISMATCH);
        assertEquals(RejectReason.CLUSTER_MISMATCH, Handshake.parseReject(body(frame, Frames.REJECT)));
        frame.release();
    }
}
