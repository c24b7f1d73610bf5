package io.tandem;

import io.tandem.transport.Endpoint;
import io.tandem.transport.MessageHandler;
import io.tandem.transport.Transport;
import io.tandem.transport.TransportStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transport that is listening before its node exists: a node bound to port 0 must know the port
 * it got before it can advertise it (in its node options, seed list and join requests). Binds in
 * the constructor; {@link #start} only connects the node's handler. Until then nobody can know the
 * port, so nothing arrives; whatever does is dropped (and logged), which Raft tolerates like any
 * lost message. Every other call goes straight to the wrapped transport.
 */
final class PreboundTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(PreboundTransport.class);

    private final Transport delegate;
    private final String nodeId;
    private volatile MessageHandler handler;

    /** @throws io.tandem.transport.TransportException as {@link Transport#start} */
    PreboundTransport(Transport delegate, String nodeId) {
        this.delegate = delegate;
        this.nodeId = nodeId;
        delegate.start(this::deliver);
    }

    private void deliver(String fromNodeId, Object message) {
        MessageHandler h = handler;
        if (h != null) {
            h.onMessage(fromNodeId, message);
        } else {
            LOG.debug("node {}: dropped a {} from {} that arrived before the node started", nodeId,
                    message.getClass().getSimpleName(), fromNodeId);
        }
    }

    @Override
    public synchronized void start(MessageHandler h) {
        if (handler != null) {
            throw new IllegalStateException("transport " + nodeId + " is started already; start() may be called once");
        }
        handler = java.util.Objects.requireNonNull(h, "handler");
    }

    @Override
    public Endpoint localEndpoint() {
        return delegate.localEndpoint();
    }

    @Override
    public String nodeId() {
        return delegate.nodeId();
    }

    @Override
    public void send(Endpoint to, Object message) {
        delegate.send(to, message);
    }

    @Override
    public TransportStats stats() {
        return delegate.stats();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
