package io.tandem.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound side of one destination endpoint: its bounded queue and its single connection.
 *
 * <pre>
 *   IDLE --send--> CONNECTING --welcome--> READY
 *     ^                |                     |
 *     |   (queue empty)  closed/failed/refused  |
 *     +---- BACKOFF <---+---------------------+      any state --close()--> CLOSED
 * </pre>
 *
 * {@link #offer} runs on any thread; everything else runs on the peer's event loop, which is also
 * the loop of its channel, so the state needs no locking. A drain writes up to
 * {@code writeBatchMessagesMax} frames while the channel is writable and then flushes once (write
 * batching); the channel's writability events resume it. When a connection ends, whatever is still
 * queued is dropped and counted, and the next attempt waits for the backoff delay.
 */
final class Peer {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    enum State { IDLE, CONNECTING, READY, BACKOFF, CLOSED }

    private final Endpoint endpoint;
    private final EventLoop loop;
    private final OutboundQueue<ByteBuf> queue;
    private final LocalNode node;
    private final Backoff backoff;
    private final Function<Peer, Channel> connector;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    // Set by the first full-queue drop on a connection, cleared when a new connection is ready: a
    // peer that keeps falling behind warns once per connection, not once per burst.
    private final AtomicBoolean warnedFull = new AtomicBoolean();

    // Written on the loop only; volatile so tests and stats may read it from other threads.
    private volatile State state = State.IDLE;
    private volatile Channel channel;
    private int failures;
    private long attempts;
    private String lastFailure = "";

    Peer(Endpoint endpoint, EventLoop loop, LocalNode node, Backoff backoff, Function<Peer, Channel> connector) {
        this.endpoint = endpoint;
        this.loop = loop;
        this.node = node;
        this.backoff = backoff;
        this.connector = connector;
        this.queue = new OutboundQueue<>(node.config.outboundQueueMessagesMax(), node.config.outboundQueueBytesMax(),
                ByteBuf::readableBytes, ByteBuf::release);
    }

    Endpoint endpoint() {
        return endpoint;
    }

    EventLoop loop() {
        return loop;
    }

    State state() {
        return state;
    }

    boolean isFull() {
        return queue.isFull();
    }

    /** Any thread. Queues a frame (the queue takes ownership), or drops it (newest) when the queue is full. */
    void offer(ByteBuf frame) {
        if (queue.offer(frame)) {
            scheduleDrain();
        } else {
            dropNewest();
        }
    }

    void dropNewest() {
        node.counters.dropped(endpoint, 1);
        if (warnedFull.compareAndSet(false, true)) {
            log.warn("[{}] outbound queue to {} is full ({} messages, {} bytes): the peer reads slower than we send; "
                    + "dropping new messages while it is full (counted in dropsByPeer; warned once per connection)",
                    node.nodeId, endpoint, queue.size(), queue.bytes());
        }
    }

    /** Any thread. */
    void scheduleDrain() {
        // Read before the CAS: a failed CAS still takes the cache line exclusively, and under a
        // stream of sends the flag is usually already set.
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The transport is closing and its loops are gone: nothing will send these.
                drainScheduled.set(false);
                node.counters.dropped(endpoint, queue.clear());
            }
        }
    }

    /** Any thread. */
    void close() {
        try {
            loop.execute(this::closeOnLoop);
        } catch (RejectedExecutionException e) {
            node.counters.dropped(endpoint, queue.clear());
        }
    }

    /** Unsent bytes held by Netty for the current connection (tests). */
    long channelPendingBytes() {
        Channel ch = channel;
        ChannelOutboundBuffer buffer = ch == null ? null : ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    int queuedMessages() {
        return queue.size();
    }

    long queuedBytes() {
        return queue.bytes();
    }

    private void drain() {
        drainScheduled.set(false);
        switch (state) {
            case IDLE -> connectIfQueued();
            case READY -> writeBatch();
            case CLOSED -> node.counters.dropped(endpoint, queue.clear());
            case CONNECTING, BACKOFF -> { }
        }
    }

    private void writeBatch() {
        Channel ch = channel;
        int written = 0;
        long bytes = 0;
        while (written < node.config.writeBatchMessagesMax() && ch.isWritable()) {
            ByteBuf frame = queue.take();
            if (frame == null) {
                break;
            }
            bytes += frame.readableBytes();
            ch.write(frame, ch.voidPromise());
            written++;
        }
        if (written > 0) {
            queue.release(written, bytes);
            node.counters.sent(written, bytes);
            ch.flush();
        }
        if (!queue.isEmpty() && ch.isWritable()) {
            scheduleDrain(); // batch limit reached: let other tasks on this loop run first
        }
    }

    private void connectIfQueued() {
        if (queue.isEmpty()) {
            return;
        }
        state = State.CONNECTING;
        if (attempts++ > 0) {
            node.counters.reconnect();
        }
        Channel ch = connector.apply(this);
        channel = ch;
        ch.closeFuture().addListener(f -> onClosed(ch));
    }

    /** Loop. The connect attempt itself failed (refused, timed out, unresolvable). */
    void onConnectFailed(Channel ch, Throwable cause) {
        lastFailure = ConnectionHandler.rootMessage(cause);
        ch.close();
    }

    /** Loop. The handshake succeeded on {@code ch}. */
    void onReady(Channel ch, String peerNodeId) {
        if (state == State.CLOSED || ch != channel) {
            ch.close();
            return;
        }
        state = State.READY;
        failures = 0;
        warnedFull.set(false);
        lastFailure = "";
        log.info("[{}] connected to {} (node {})", node.nodeId, endpoint, Handshake.quote(peerNodeId));
        writeBatch();
    }

    private void onClosed(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        int dropped = queue.clear();
        node.counters.dropped(endpoint, dropped);
        if (state == State.CLOSED) {
            return;
        }
        boolean wasReady = state == State.READY;
        failures++;
        long delayMs = backoff.delayMs(failures);
        state = State.BACKOFF;
        logClosed(wasReady, dropped, delayMs);
        loop.schedule(this::afterBackoff, delayMs, TimeUnit.MILLISECONDS);
    }

    private void logClosed(boolean wasReady, int dropped, long delayMs) {
        if (wasReady) {
            log.info("[{}] connection to {} closed; dropped {} queued messages; reconnecting in {} ms", node.nodeId,
                    endpoint, dropped, delayMs);
        } else if (failures == 1) {
            log.info("[{}] cannot connect to {}{}; dropped {} queued messages; retrying with backoff (next in {} ms)",
                    node.nodeId, endpoint, lastFailure.isEmpty() ? "" : ": " + lastFailure, dropped, delayMs);
        } else {
            log.debug("[{}] connect attempt {} to {} failed{}; dropped {}; next in {} ms", node.nodeId, failures,
                    endpoint, lastFailure.isEmpty() ? "" : ": " + lastFailure, dropped, delayMs);
        }
    }

    private void afterBackoff() {
        if (state == State.BACKOFF) {
            state = State.IDLE;
            connectIfQueued();
        }
    }

    private void closeOnLoop() {
        state = State.CLOSED;
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
        node.counters.dropped(endpoint, queue.clear());
    }
}
