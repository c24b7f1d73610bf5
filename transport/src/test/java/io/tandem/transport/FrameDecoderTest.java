package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private static ByteBuf bytes(int... values) {
        ByteBuf buf = Unpooled.buffer();
        for (int v : values) {
            buf.writeByte(v);
        }
        return buf;
    }

    @Test
    void splitsFramesAcrossArbitraryChunks() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        channel.writeInbound(bytes(0, 0));
        channel.writeInbound(bytes(0, 2, 0x10));
        assertNull(channel.readInbound());
        channel.writeInbound(bytes(0x7f, 0, 0, 0, 1, 0x01));
        ByteBuf first = channel.readInbound();
        ByteBuf second = channel.readInbound();
        assertEquals(2, first.readableBytes());
        assertEquals(0x10, first.getByte(0));
        assertEquals(1, second.readableBytes());
        first.release();
        second.release();
        assertFalse(channel.finish());
    }

    @Test
    void lengthAboveTheLimitFailsOnTheFourBytePrefixAlone() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        TooLongFrameException e = assertThrows(TooLongFrameException.class,
                () -> channel.writeInbound(bytes(0x7f, 0xff, 0xff, 0xff)));
        assertTrue(e.getMessage().contains("2147483647") && e.getMessage().contains("1024"), e.getMessage());
        // Everything after a bad prefix is discarded, not buffered.
        channel.writeInbound(bytes(0, 0, 0, 1, 0x10));
        assertNull(channel.readInbound());
        channel.finishAndReleaseAll();
    }

    @Test
    void limitIsRaisedAfterTheHandshake() {
        FrameDecoder decoder = new FrameDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        decoder.maxFrameBytes(4096);
        ByteBuf frame = Unpooled.buffer().writeInt(2000).writeZero(2000);
        channel.writeInbound(frame);
        ByteBuf out = channel.readInbound();
        assertEquals(2000, out.readableBytes());
        out.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void zeroLengthIsCorrupt() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        assertThrows(CorruptedFrameException.class, () -> channel.writeInbound(bytes(0, 0, 0, 0)));
        channel.finishAndReleaseAll();
    }

    @Test
    void closingInsideAFrameIsReported() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        channel.writeInbound(bytes(0, 0, 0, 9, 0x10, 1));
        CorruptedFrameException e = assertThrows(CorruptedFrameException.class, channel::finish);
        assertTrue(e.getMessage().contains("inside a frame"), e.getMessage());
    }
}
