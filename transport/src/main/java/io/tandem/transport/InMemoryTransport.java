package io.tandem.transport;

import java.security.MessageDigest;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory twin of {@link NettyTransport}, for tests and the simulator's integration layer.
 * Same contract: messages are encoded with the same Kryo codec on {@link #send} (so unregistered
 * types fail the same way and the receiver gets a copy), queued in the same bounded per-destination
 * queue (drop newest, counted), and delivered asynchronously by this transport's own I/O thread,
 * in order per destination. The receiver checks cluster name, protocol version and cluster secret
 * before delivering, counts rejections by the same reasons, and decodes with its own
 * registrations. TLS settings are ignored.
 *
 * <p>A delivery runs the receiver's handler on the sender's I/O thread, so a slow handler stalls
 * that sender's queue just as a slow reader stalls a TCP connection.
 */
public final class InMemoryTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(InMemoryTransport.class);

    private enum Lifecycle { NEW, STARTED, CLOSED }

    private final InMemoryNetwork network;
    private final TransportConfig config;
    private final Counters counters = new Counters();
    private final LocalNode node;
    private final ConcurrentHashMap<Endpoint, Outbox> outboxes = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Outbox> ready = new LinkedBlockingQueue<>();
    // Deliveries into this transport hold the read lock; close() takes the write lock once, so
    // that no handler call is in progress or can start after close() returns.
    private final ReentrantReadWriteLock deliveryLock = new ReentrantReadWriteLock();
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final Outbox stop;
    private volatile Endpoint local;
    private volatile Thread ioThread;

    InMemoryTransport(InMemoryNetwork network, TransportConfig config) {
        this.network = Objects.requireNonNull(network, "network");
        this.config = Objects.requireNonNull(config, "config");
        this.node = new LocalNode(config, new KryoCodec(config.registrations(), config.maxFrameBytes()), counters);
        this.stop = new Outbox(new Endpoint("stop", 0));
    }

    @Override
    public void start(MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.STARTED)) {
            throw new IllegalStateException("transport " + config.nodeId() + " is " + lifecycle.get()
                    + "; start() may be called once");
        }
        node.handler(handler);
        Thread thread = new Thread(this::runLoop, "tandem-inmem-" + config.nodeId());
        thread.setDaemon(true);
        ioThread = thread;
        thread.start();
        local = network.bind(config.bind(), this);
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
        Outbox outbox = outboxes.computeIfAbsent(to, Outbox::new);
        if (outbox.queue.isFull() || !outbox.queue.offer(node.codec.encodeFrame(message))) {
            counters.dropped(to, 1);
            return;
        }
        outbox.schedule();
    }

    @Override
    public TransportStats stats() {
        return counters.snapshot();
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        Endpoint endpoint = local;
        if (endpoint != null) {
            network.unbind(endpoint, this);
        }
        if (deliveryLock.getReadHoldCount() == 0) {
            deliveryLock.writeLock().lock();
            deliveryLock.writeLock().unlock();
        }
        ready.add(stop);
        Thread thread = ioThread;
        if (thread != null && thread != Thread.currentThread()) {
            joinUninterruptibly(thread);
        }
        outboxes.forEach((to, outbox) -> counters.dropped(to, outbox.queue.clear()));
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void runLoop() {
        while (true) {
            Outbox outbox;
            try {
                outbox = ready.take();
            } catch (InterruptedException e) {
                log.warn("[{}] in-memory I/O thread interrupted; stopping", config.nodeId());
                return;
            }
            if (outbox == stop) {
                return;
            }
            outbox.scheduled.set(false);
            deliverBatch(outbox);
        }
    }

    private void deliverBatch(Outbox outbox) {
        InMemoryTransport destination = network.lookup(outbox.to);
        if (destination == null || !destination.admits(this)) {
            int dropped = outbox.queue.clear();
            counters.dropped(outbox.to, dropped);
            if (destination != null) {
                counters.rejected(RejectReason.REJECTED_BY_PEER);
                log.warn("[{}] peer {} refused our hello; dropped {} queued messages", config.nodeId(), outbox.to,
                        dropped);
            }
            return;
        }
        for (int i = 0; i < config.writeBatchMessagesMax(); i++) {
            byte[] frame = outbox.queue.take();
            if (frame == null) {
                return;
            }
            outbox.queue.release(1, frame.length);
            counters.sent(1, frame.length);
            destination.receive(config.nodeId(), frame);
        }
        if (!outbox.queue.isEmpty()) {
            outbox.schedule();
        }
    }

    /** The in-memory handshake: the same checks, in the same order, as the Netty server's. */
    private boolean admits(InMemoryTransport from) {
        LocalNode peer = from.node;
        RejectReason reason = null;
        String detail = null;
        if (peer.protocolVersion != node.protocolVersion) {
            reason = RejectReason.VERSION_MISMATCH;
            detail = "speaks protocol version " + peer.protocolVersion + ", we speak " + node.protocolVersion;
        } else if (!peer.clusterName.equals(node.clusterName)) {
            reason = RejectReason.CLUSTER_MISMATCH;
            detail = "presented cluster " + Handshake.quote(peer.clusterName) + ", expected "
                    + Handshake.quote(node.clusterName);
        } else if (!MessageDigest.isEqual(peer.secret(), node.secret())) {
            reason = RejectReason.BAD_PROOF;
            detail = "failed the cluster-secret proof (different clusterSecret)";
        }
        if (reason != null) {
            counters.rejected(reason);
            log.warn("[{}] peer {} (node {}) {}; closing connection ({})", config.nodeId(), from.local,
                    Handshake.quote(peer.nodeId), detail, reason);
        }
        return reason == null;
    }

    private void receive(String fromNodeId, byte[] frame) {
        deliveryLock.readLock().lock();
        try {
            if (lifecycle.get() != Lifecycle.STARTED) {
                return;
            }
            Object message = node.codec.decode(frame, Frames.HEADER_BYTES, frame.length - Frames.HEADER_BYTES);
            counters.received(frame.length);
            node.deliver(fromNodeId, message, log);
        } catch (DecodeException e) {
            counters.decodeError();
            log.warn("[{}] node {} sent an undecodable message frame of {} bytes: {}", config.nodeId(),
                    Handshake.quote(fromNodeId), frame.length, e.getMessage());
        } finally {
            deliveryLock.readLock().unlock();
        }
    }

    /** Frames queued for one destination, and whether a delivery batch is already scheduled. */
    private final class Outbox {
        final Endpoint to;
        final OutboundQueue<byte[]> queue = new OutboundQueue<>(config.outboundQueueMessagesMax(),
                config.outboundQueueBytesMax(), frame -> frame.length, frame -> { });
        final AtomicBoolean scheduled = new AtomicBoolean();

        Outbox(Endpoint to) {
            this.to = to;
        }

        void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                ready.add(this);
            }
        }
    }
}
