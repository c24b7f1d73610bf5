package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Frame layout shared by every connection (protocol version {@link Handshake#PROTOCOL_VERSION}):
 *
 * <pre>
 *  0               4        5                         4 + length
 *  +---------------+--------+-------------------------+
 *  | length (u32)  | type   | body (length - 1 bytes) |
 *  +---------------+--------+-------------------------+
 * </pre>
 *
 * {@code length} is big-endian and counts the type byte and the body: {@code 1 <= length <=
 * maxFrameBytes}, and at most {@link #HANDSHAKE_FRAME_MAX} until the handshake has succeeded. A
 * frame whose length is out of range closes the connection before anything is allocated for it.
 */
final class Frames {

    static final int LENGTH_BYTES = 4;
    static final int HEADER_BYTES = LENGTH_BYTES + 1;
    /** Limit on every frame before authentication; the largest hello is 581 bytes. */
    static final int HANDSHAKE_FRAME_MAX = 1024;

    static final byte CHALLENGE = 0x01;
    static final byte HELLO = 0x02;
    static final byte WELCOME = 0x03;
    static final byte REJECT = 0x04;
    static final byte MESSAGE = 0x10;

    private Frames() {}

    /** Allocates a frame of {@code type} with room for {@code bodyBytes}; the caller writes the body. */
    static ByteBuf start(ByteBufAllocator alloc, byte type, int bodyBytes) {
        ByteBuf buf = alloc.buffer(HEADER_BYTES + bodyBytes);
        buf.writeInt(1 + bodyBytes).writeByte(type);
        return buf;
    }

    static String typeName(int type) {
        return switch (type) {
            case CHALLENGE -> "CHALLENGE";
            case HELLO -> "HELLO";
            case WELCOME -> "WELCOME";
            case REJECT -> "REJECT";
            case MESSAGE -> "MESSAGE";
            default -> String.format("unknown type 0x%02x", type & 0xFF);
        };
    }
}
