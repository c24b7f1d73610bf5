package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The connection handshake: frame bodies and the HMAC proofs. Every connection is opened by a
 * client (the sending node) to a server (the receiving node) and carries messages one way only.
 *
 * <pre>
 *  client                                              server
 *    |  ---------------- TCP (+ TLS) connect -------------> |
 *    |  &lt;- CHALLENGE  magic "TNDM", version, serverNonce(32) |   fresh per connection
 *    |  -- HELLO  magic, version, cluster, clientNodeId,  -> |
 *    |            clientNonce(32), clientProof(32)           |   server checks version, cluster, proof
 *    |  &lt;- WELCOME  serverNodeId, serverProof(32)            |   client checks proof
 *    |  -- MESSAGE ... MESSAGE ------------------------------>|
 *    |                                                       |
 *    |  &lt;- REJECT  reason (u8), then close                   |   instead of WELCOME on any mismatch
 *
 *  clientProof = HMAC-SHA256(secret, "tandem-v1 client-proof" 0x00 | version u16 | lp(cluster)
 *                                    | lp(clientNodeId) | serverNonce | clientNonce)
 *  serverProof = HMAC-SHA256(secret, "tandem-v1 server-proof" 0x00 | version u16 | lp(cluster)
 *                                    | lp(serverNodeId) | lp(clientNodeId) | serverNonce | clientNonce)
 *  lp(s)       = u8 byte length, then the UTF-8 bytes of s (1..255 bytes)
 * </pre>
 *
 * A recorded hello does not authenticate again: its proof covers the server nonce of the
 * connection it was made for. A recorded welcome does not fool a client: its proof covers the
 * client nonce. The distinct labels stop a proof from one direction being reflected in the other.
 * Integers are big-endian.
 */
final class Handshake {

    static final int PROTOCOL_VERSION = 1;
    /** "TNDM". */
    static final int MAGIC = 0x544E_444D;
    static final int NONCE_BYTES = 32;
    static final int PROOF_BYTES = 32;
    static final int NAME_BYTES_MAX = 255;

    private static final byte[] CLIENT_LABEL = "tandem-v1 client-proof\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "tandem-v1 server-proof\0".getBytes(StandardCharsets.US_ASCII);

    record Challenge(int version, byte[] serverNonce) {}

    record Hello(int version, String cluster, String nodeId, byte[] clientNonce, byte[] proof) {}

    record Welcome(String nodeId, byte[] proof) {}

    private Handshake() {}

    // ---- CHALLENGE: magic u32 | version u16 | serverNonce[32]

    static ByteBuf challenge(ByteBufAllocator alloc, Challenge c) {
        ByteBuf buf = Frames.start(alloc, Frames.CHALLENGE, 4 + 2 + NONCE_BYTES);
        return buf.writeInt(MAGIC).writeShort(c.version()).writeBytes(c.serverNonce());
    }

    static Challenge parseChallenge(ByteBuf body) throws HandshakeException {
        readMagic(body, "challenge");
        int version = readU16(body, "challenge");
        byte[] nonce = readFixed(body, NONCE_BYTES, "challenge nonce");
        requireEnd(body, "challenge");
        return new Challenge(version, nonce);
    }

    // ---- HELLO: magic u32 | version u16 | lp(cluster) | lp(nodeId) | clientNonce[32] | proof[32]

    static ByteBuf hello(ByteBufAllocator alloc, Hello h) {
        byte[] cluster = h.cluster().getBytes(StandardCharsets.UTF_8);
        byte[] nodeId = h.nodeId().getBytes(StandardCharsets.UTF_8);
        int body = 4 + 2 + 1 + cluster.length + 1 + nodeId.length + NONCE_BYTES + PROOF_BYTES;
        ByteBuf buf = Frames.start(alloc, Frames.HELLO, body);
        buf.writeInt(MAGIC).writeShort(h.version());
        buf.writeByte(cluster.length).writeBytes(cluster).writeByte(nodeId.length).writeBytes(nodeId);
        return buf.writeBytes(h.clientNonce()).writeBytes(h.proof());
    }

    /** Reads magic and version first, so a peer of another version is reported as such. */
    static Hello parseHello(ByteBuf body, int expectedVersion) throws HandshakeException {
        readMagic(body, "hello");
        int version = readU16(body, "hello");
        if (version != expectedVersion) {
            throw new HandshakeException(RejectReason.VERSION_MISMATCH,
                    "speaks protocol version " + version + ", we speak " + expectedVersion);
        }
        String cluster = readName(body, "hello cluster name");
        String nodeId = readName(body, "hello node id");
        byte[] nonce = readFixed(body, NONCE_BYTES, "hello nonce");
        byte[] proof = readFixed(body, PROOF_BYTES, "hello proof");
        requireEnd(body, "hello");
        return new Hello(version, cluster, nodeId, nonce, proof);
    }

    // ---- WELCOME: lp(serverNodeId) | proof[32]

    static ByteBuf welcome(ByteBufAllocator alloc, Welcome w) {
        byte[] nodeId = w.nodeId().getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Frames.start(alloc, Frames.WELCOME, 1 + nodeId.length + PROOF_BYTES);
        return buf.writeByte(nodeId.length).writeBytes(nodeId).writeBytes(w.proof());
    }

    static Welcome parseWelcome(ByteBuf body) throws HandshakeException {
        String nodeId = readName(body, "welcome node id");
        byte[] proof = readFixed(body, PROOF_BYTES, "welcome proof");
        requireEnd(body, "welcome");
        return new Welcome(nodeId, proof);
    }

    // ---- REJECT: reason u8

    static ByteBuf reject(ByteBufAllocator alloc, RejectReason reason) {
        return Frames.start(alloc, Frames.REJECT, 1).writeByte(reason.wireCode());
    }

    static RejectReason parseReject(ByteBuf body) throws HandshakeException {
        if (body.readableBytes() != 1) {
            throw new HandshakeException(RejectReason.MALFORMED_HANDSHAKE, "sent a reject of " + body.readableBytes()
                    + " bytes, expected 1");
        }
        return RejectReason.fromWireCode(body.readUnsignedByte());
    }

    // ---- proofs

    static byte[] clientProof(byte[] secret, int version, String cluster, String clientNodeId, byte[] serverNonce,
            byte[] clientNonce) {
        ByteArrayOutputStream in = new ByteArrayOutputStream(160);
        in.writeBytes(CLIENT_LABEL);
        writeCommon(in, version, cluster);
        writeName(in, clientNodeId);
        in.writeBytes(serverNonce);
        in.writeBytes(clientNonce);
        return hmac(secret, in.toByteArray());
    }

    static byte[] serverProof(byte[] secret, int version, String cluster, String serverNodeId, String clientNodeId,
            byte[] serverNonce, byte[] clientNonce) {
        ByteArrayOutputStream in = new ByteArrayOutputStream(192);
        in.writeBytes(SERVER_LABEL);
        writeCommon(in, version, cluster);
        writeName(in, serverNodeId);
        writeName(in, clientNodeId);
        in.writeBytes(serverNonce);
        in.writeBytes(clientNonce);
        return hmac(secret, in.toByteArray());
    }

    /** Constant-time comparison, so the time taken reveals nothing about how much of a proof matched. */
    static boolean proofMatches(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    /** A name from the wire, quoted and stripped of control characters, safe to put in a log line. */
    static String quote(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 2).append('\'');
        name.codePoints().limit(100).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append('\'').toString();
    }

    private static void writeCommon(ByteArrayOutputStream in, int version, String cluster) {
        in.write(version >>> 8);
        in.write(version);
        writeName(in, cluster);
    }

    private static void writeName(ByteArrayOutputStream in, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        in.write(bytes.length);
        in.writeBytes(bytes);
    }

    private static byte[] hmac(byte[] secret, byte[] input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(input);
        } catch (GeneralSecurityException e) {
            // Every Java platform must provide HmacSHA256 (JCA standard names).
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    private static void readMagic(ByteBuf body, String what) throws HandshakeException {
        if (body.readableBytes() < 4 || body.readInt() != MAGIC) {
            throw new HandshakeException(RejectReason.MALFORMED_HANDSHAKE, "sent a " + what
                    + " without the TNDM magic (not a Tandem node?)");
        }
    }

    private static int readU16(ByteBuf body, String what) throws HandshakeException {
        if (body.readableBytes() < 2) {
            throw new HandshakeException(RejectReason.MALFORMED_HANDSHAKE, "sent a truncated " + what);
        }
        return body.readUnsignedShort();
    }

    private static byte[] readFixed(ByteBuf body, int length, String what) throws HandshakeException {
        if (body.readableBytes() < length) {
            throw new HandshakeException(RejectReason.MALFORMED_HANDSHAKE, "sent a truncated " + what);
        }
        byte[] bytes = new byte[length];
        body.readBytes(bytes);
        return bytes;
    }

    private static String readName(ByteBuf body, String what) throws HandshakeException {
        int length = body.isReadable() ? body.readUnsignedByte() : 0;
        if (length == 0 || body.readableBytes() < length) {
            throw new HandshakeException(RejectReason.MALFORMED_HANDSHAKE, "sent an empty or truncated " + what);
        }
        ByteBuffer bytes = body.nioBuffer(body.readerIndex(), length);
        body.skipBytes(length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new HandshakeException(RejectReason.MALFORMED_HANDSHAKE, "sent a " + what + " that is not UTF-8");
        }
    }

    private static void requireEnd(ByteBuf body, String what) throws HandshakeException {
        if (body.isReadable()) {
            throw new HandshakeException(RejectReason.MALFORMED_HANDSHAKE, "sent a " + what + " with "
                    + body.readableBytes() + " trailing bytes");
        }
    }
}
