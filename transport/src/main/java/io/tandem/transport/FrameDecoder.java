package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits the byte stream into frames (see {@link Frames}) and emits each as a retained slice that
 * starts at the type byte. The length prefix is checked before waiting for, or buffering, the
 * body: an out-of-range length fails at once and everything after it is discarded. Until the
 * handshake raises it, the limit is {@link Frames#HANDSHAKE_FRAME_MAX}, so an unauthenticated peer
 * can make this node buffer at most about 1 KiB.
 */
final class FrameDecoder extends ByteToMessageDecoder {

    private int maxFrameBytes = Frames.HANDSHAKE_FRAME_MAX;
    private boolean failed;

    /** Raises the limit once the peer has authenticated. Called on the channel's event loop. */
    void maxFrameBytes(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= Frames.LENGTH_BYTES) {
            long length = in.getUnsignedInt(in.readerIndex());
            if (length < 1 || length > maxFrameBytes) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw length < 1
                        ? new CorruptedFrameException("sent a frame of length 0 (every frame has a type byte)")
                        : new TooLongFrameException("sent a frame length prefix of " + length + " bytes, above the limit of "
                                + maxFrameBytes);
            }
            if (in.readableBytes() < Frames.LENGTH_BYTES + length) {
                return;
            }
            in.skipBytes(Frames.LENGTH_BYTES);
            out.add(in.readRetainedSlice((int) length));
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (!failed && in.isReadable()) {
            int partial = in.readableBytes();
            in.skipBytes(partial);
            throw new CorruptedFrameException("closed the connection inside a frame (" + partial
                    + " bytes of an incomplete frame)");
        }
    }
}
