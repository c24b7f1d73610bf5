package io.tandem.jmh;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor: bare Netty with the same frame layout (u32 length, type byte, body) and the same
 * event-loop setup, but no codec, no handshake, no queue: the payload bytes are copied into a
 * pooled buffer and written with {@code writeAndFlush}, flushes consolidated by Netty's own
 * {@link FlushConsolidationHandler}. The receiver counts frames, or echoes them for ping/pong.
 *
 * <p>The echo goes back on the same connection, or, with {@code replyOnSecondConnection}, over a
 * second connection from the receiver to the sender: the topology Tandem uses, where every
 * connection carries messages one way.
 */
final class RawNettyLink implements Link {

    private static final byte STREAM = 0x10;
    private static final byte PING = 0x11;
    private static final int MAX_FRAME = 8 * 1024 * 1024;

    private final EventLoopGroup senderLoop;
    private final EventLoopGroup receiverLoop;
    private final Channel server;
    private final Channel client;
    private final Channel pongServer;
    private final Channel back;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong pongs = new AtomicLong();

    RawNettyLink(SslContext serverTls, SslContext clientTls, boolean replyOnSecondConnection) {
        boolean epoll = Epoll.isAvailable();
        senderLoop = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        receiverLoop = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        server = new ServerBootstrap().group(receiverLoop)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer(serverTls, null, new Receiver()))
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        client = new Bootstrap().group(senderLoop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(initializer(null, clientTls, new Sender()))
                .connect(server.localAddress()).syncUninterruptibly().channel();
        if (replyOnSecondConnection) {
            pongServer = new ServerBootstrap().group(senderLoop)
                    .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(initializer(serverTls, null, new Sender()))
                    .bind("127.0.0.1", 0).syncUninterruptibly().channel();
            back = new Bootstrap().group(receiverLoop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(initializer(null, clientTls, new ChannelInboundHandlerAdapter()))
                    .connect(pongServer.localAddress()).syncUninterruptibly().channel();
        } else {
            pongServer = null;
            back = null;
        }
    }

    private static ChannelInitializer<Channel> initializer(SslContext serverTls, SslContext clientTls,
            ChannelInboundHandlerAdapter last) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (serverTls != null) {
                    ch.pipeline().addLast(serverTls.newHandler(ch.alloc()));
                }
                if (clientTls != null) {
                    ch.pipeline().addLast(clientTls.newHandler(ch.alloc(), "127.0.0.1", 0));
                }
                ch.pipeline().addLast(new FlushConsolidationHandler(256, true));
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4));
                ch.pipeline().addLast(last);
            }
        };
    }

    private void write(byte type, byte[] payload) {
        ByteBuf frame = client.alloc().directBuffer(5 + payload.length);
        frame.writeInt(1 + payload.length).writeByte(type).writeBytes(payload);
        client.writeAndFlush(frame, client.voidPromise());
    }

    @Override
    public void send(byte[] payload) {
        write(STREAM, payload);
    }

    @Override
    public long received() {
        return received.get();
    }

    @Override
    public void ping(byte[] payload) {
        write(PING, payload);
    }

    @Override
    public long pongs() {
        return pongs.get();
    }

    @Override
    public long drops() {
        return 0;
    }

    @Override
    public void close() {
        client.close().syncUninterruptibly();
        server.close().syncUninterruptibly();
        if (back != null) {
            back.close().syncUninterruptibly();
            pongServer.close().syncUninterruptibly();
        }
        senderLoop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        receiverLoop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Receiver extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf body = (ByteBuf) msg;
            if (body.getByte(body.readerIndex()) == PING) {
                ByteBuf echo = ctx.alloc().directBuffer(4 + body.readableBytes());
                echo.writeInt(body.readableBytes()).writeBytes(body);
                body.release();
                Channel out = back != null ? back : ctx.channel();
                out.writeAndFlush(echo, out.voidPromise());
            } else {
                body.release();
                received.incrementAndGet();
            }
        }
    }

    private final class Sender extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            pongs.incrementAndGet();
        }
    }
}
