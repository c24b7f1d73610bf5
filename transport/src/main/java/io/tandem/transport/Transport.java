package io.tandem.transport;

/**
 * Sends messages to peers addressed by endpoint and delivers inbound messages, tagged with the
 * sender's authenticated node id, to a {@link MessageHandler}. Knows nothing of what the messages
 * mean: the caller registers the message classes ({@link Registrations}).
 *
 * <p><b>Delivery.</b> At most once, never duplicated, in send order per destination while a
 * connection lasts. Messages may be lost: when the destination's bounded outbound queue is full
 * (the new message is dropped: drop newest), when a connection fails or is refused (everything
 * queued for it is dropped), or when the peer is down. Every discard is counted in
 * {@link TransportStats#dropsByPeer()}. Raft tolerates loss; callers retry by protocol.
 *
 * <p><b>Connections.</b> A node keeps at most one outbound connection per destination endpoint,
 * opened lazily by the first send and re-opened with exponential backoff and jitter after it
 * fails; messages flow over it in one direction. Inbound connections from peers are accepted and
 * must authenticate with the cluster secret before any message is delivered.
 *
 * <p><b>Threads.</b> All methods are thread-safe. {@link #send} never blocks on the network: it
 * encodes on the caller's thread and enqueues. The handler runs on transport I/O threads (see
 * {@link MessageHandler}).
 *
 * <p><b>Lifecycle.</b> {@code new} → {@link #start} once → {@link #close} once (idempotent).
 */
public interface Transport extends AutoCloseable {

    /**
     * Binds the listening endpoint and begins accepting connections; blocks until bound.
     *
     * @throws TransportException if the endpoint cannot be bound or TLS material cannot be loaded
     * @throws IllegalStateException if already started or closed
     */
    void start(MessageHandler handler);

    /**
     * The endpoint this node listens on, with the actual port when {@code bind} asked for port 0.
     *
     * @throws IllegalStateException before {@link #start}
     */
    Endpoint localEndpoint();

    /** This node's id, as peers will see it in {@code fromNodeId}. */
    String nodeId();

    /**
     * Queues {@code message} for {@code to} and returns without waiting for the network. The message
     * is encoded before this returns, so the caller may reuse or mutate it afterwards. After
     * {@link #close} the message is dropped and counted, without an exception.
     *
     * @throws IllegalArgumentException if the message's type, or a type inside it, is not
     *     registered, or it encodes to more than {@code maxFrameBytes}
     * @throws NullPointerException if {@code to} or {@code message} is null
     * @throws IllegalStateException before {@link #start}
     */
    void send(Endpoint to, Object message);

    /** A snapshot of the counters. */
    TransportStats stats();

    /**
     * Stops accepting, closes every connection, drops (and counts) queued messages and stops the I/O
     * threads. Blocks until they have stopped, unless called from one of them; after it returns the
     * handler is not called again. Idempotent.
     */
    @Override
    void close();
}
