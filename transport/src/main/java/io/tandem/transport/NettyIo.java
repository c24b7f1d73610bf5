package io.tandem.transport;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The I/O flavour: native epoll where available (Linux), NIO otherwise. */
record NettyIo(String name, IoHandlerFactory handlerFactory, Class<? extends ServerChannel> serverChannel,
        Class<? extends Channel> clientChannel) {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    static NettyIo select(boolean preferNative) {
        if (preferNative && Epoll.isAvailable()) {
            return new NettyIo("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class);
        }
        if (preferNative) {
            log.info("native epoll unavailable ({}); using NIO", String.valueOf(Epoll.unavailabilityCause()));
        }
        return new NettyIo("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
