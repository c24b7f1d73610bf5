package io.tandem.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Transport} over TCP with Netty 4.2: epoll where available, NIO otherwise; length-prefixed
 * frames ({@code docs/formats-wire.md}); a challenge–response handshake on the cluster secret
 * ({@code docs/security.md}); optional TLS or mutual TLS; one lazily opened outbound connection
 * per destination with a bounded queue (drop newest), write batching and reconnect backoff.
 *
 * <p>Inbound messages are decoded on the I/O thread that owns the connection and handed to the
 * {@link MessageHandler} there.
 */
public final class NettyTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);
    private static final long CLOSE_TIMEOUT_MS = 5000;

    private enum Lifecycle { NEW, STARTED, CLOSED }

    private final TransportConfig config;
    private final Counters counters = new Counters();
    private final LocalNode node;
    private final Backoff backoff;
    private final ConcurrentHashMap<Endpoint, Peer> peers = new ConcurrentHashMap<>();
    private final Set<Channel> inbound = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private volatile NettyIo io;
    private volatile EventLoopGroup group;
    private volatile TlsContexts tls;
    private volatile Channel server;
    private volatile Endpoint local;

    public NettyTransport(TransportConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.node = new LocalNode(config, new KryoCodec(config.registrations(), config.maxFrameBytes()), counters);
        this.backoff = new Backoff(config.reconnectBackoffInitialMs(), config.reconnectBackoffMaxMs(),
                config.jitterRandom());
    }

    @Override
    public void start(MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.STARTED)) {
            throw new IllegalStateException("transport " + config.nodeId() + " is " + lifecycle.get()
                    + "; start() may be called once");
        }
        node.handler(handler);
        try {
            tls = config.tls().map(TlsContexts::load).orElse(null);
            io = NettyIo.select(config.preferNativeTransport());
            group = new MultiThreadIoEventLoopGroup(config.ioThreads(),
                    new DefaultThreadFactory("tandem-io-" + config.nodeId(), true), io.handlerFactory());
            bind();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("[{}] transport listening on {} ({}, {}, cluster {})", config.nodeId(), local, io.name(),
                tls == null ? "plaintext" : "TLS" + (config.tls().orElseThrow().mutual() ? " mutual" : ""),
                Handshake.quote(config.clusterName()));
    }

    private void bind() {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(io.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ServerInitializer());
        Endpoint bind = config.bind();
        ChannelFuture bound = bootstrap.bind(bind.host(), bind.port()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new TransportException("cannot listen on " + bind + ": " + ConnectionHandler.rootMessage(bound.cause())
                    + "; another process may hold the port, or the host is not an address of this machine", bound.cause());
        }
        server = bound.channel();
        local = Endpoints.of(server.localAddress(), bind.host());
    }

    @Override
    public Endpoint localEndpoint() {
        Endpoint endpoint = local;
        if (endpoint == null) {
            throw new IllegalStateException("transport " + config.nodeId() + " is not listening; call start() first");
        }
        return endpoint;
    }

    @Override
    public String nodeId() {
        return config.nodeId();
    }

    /**
     * The transport's only I/O loop when it runs on one I/O thread ({@code ioThreads(1)}), else
     * {@code null}. Every connection, accepted or dialled, is served by that loop, so a caller that
     * runs its own work on it (the node's event loop) handles each inbound message on the thread
     * that read it. Only after {@link #start}.
     */
    public io.netty.channel.EventLoop singleEventLoop() {
        EventLoopGroup g = group;
        return g == null || config.ioThreads() != 1 ? null : (io.netty.channel.EventLoop) g.next();
    }

    @Override
    public void send(Endpoint to, Object message) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(message, "message");
        Lifecycle now = lifecycle.get();
        if (now == Lifecycle.NEW || (now == Lifecycle.STARTED && local == null)) {
            throw new IllegalStateException("transport " + config.nodeId() + " is not started; call start() first");
        }
        if (now == Lifecycle.CLOSED) {
            counters.dropped(to, 1);
            return;
        }
        Peer peer = peers.computeIfAbsent(to, this::newPeer);
        if (peer.isFull()) {
            peer.dropNewest(); // skip the encoding work for a message that cannot be queued
            return;
        }
        peer.offer(node.codec.encodeFrame(message, ByteBufAllocator.DEFAULT));
    }

    private Peer newPeer(Endpoint to) {
        return new Peer(to, group.next(), node, backoff, this::connect);
    }

    /** Runs on the peer's loop; the returned channel's close future drives the peer's state. */
    private Channel connect(Peer peer) {
        Bootstrap bootstrap = new Bootstrap().group(peer.loop()).channel(io.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMs())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferHighWaterMarkBytes() / 2, config.writeBufferHighWaterMarkBytes()))
                .handler(new ClientInitializer(peer));
        ChannelFuture connecting = bootstrap.connect(peer.endpoint().toSocketAddress());
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                peer.onConnectFailed(connecting.channel(), f.cause());
            }
        });
        return connecting.channel();
    }

    @Override
    public TransportStats stats() {
        return counters.snapshot();
    }

    @Override
    public void close() {
        Lifecycle previous = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (previous == Lifecycle.CLOSED) {
            return;
        }
        node.closing();
        EventLoopGroup loops = group;
        if (loops == null) {
            return;
        }
        Channel listening = server;
        if (listening != null) {
            listening.close().awaitUninterruptibly(CLOSE_TIMEOUT_MS);
        }
        peers.values().forEach(Peer::close);
        inbound.forEach(Channel::close);
        loops.shutdownGracefully(0, CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (!onOwnLoop(loops) && !loops.terminationFuture().awaitUninterruptibly(2 * CLOSE_TIMEOUT_MS)) {
            log.warn("[{}] I/O threads did not stop within {} ms", config.nodeId(), 2 * CLOSE_TIMEOUT_MS);
        }
        log.info("[{}] transport closed", config.nodeId());
    }

    private static boolean onOwnLoop(EventLoopGroup loops) {
        for (EventExecutor executor : loops) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** Exceptions that reached a connection's last handler unclassified (tests assert none). */
    long unexpectedErrors() {
        return counters.unexpectedErrors();
    }

    /** Open accepted connections (tests). */
    int inboundConnections() {
        return inbound.size();
    }

    /** The I/O flavour in use ("epoll" or "nio"); tests and logs. */
    String ioName() {
        return io == null ? "none" : io.name();
    }

    /** The outbound state for a destination, or null if nothing was ever sent to it (tests). */
    Peer peer(Endpoint to) {
        return peers.get(to);
    }

    private final class ServerInitializer extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            inbound.add(ch);
            ch.closeFuture().addListener(f -> inbound.remove(ch));
            if (lifecycle.get() == Lifecycle.CLOSED) {
                ch.close();
                return;
            }
            ChannelPipeline pipeline = ch.pipeline();
            TlsContexts contexts = tls;
            if (contexts != null) {
                pipeline.addLast("tls", contexts.server().newHandler(ch.alloc()));
            }
            pipeline.addLast("frames", new FrameDecoder());
            pipeline.addLast("connection", new InboundConnection(node, contexts != null));
        }
    }

    private final class ClientInitializer extends ChannelInitializer<Channel> {
        private final Peer peer;

        ClientInitializer(Peer peer) {
            this.peer = peer;
        }

        @Override
        protected void initChannel(Channel ch) {
            ChannelPipeline pipeline = ch.pipeline();
            TlsContexts contexts = tls;
            if (contexts != null) {
                Endpoint to = peer.endpoint();
                pipeline.addLast("tls", contexts.client().newHandler(ch.alloc(), to.host(), to.port()));
            }
            pipeline.addLast("frames", new FrameDecoder());
            pipeline.addLast("connection", new OutboundConnection(node, contexts != null, peer));
        }
    }
}
