package io.tandem.transport;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hub that connects {@link InMemoryTransport}s in one JVM: a map from endpoint to the
 * transport bound there. Port 0 gets the next free fake port from 40000 up. Thread-safe.
 */
public final class InMemoryNetwork {

    private final ConcurrentHashMap<Endpoint, InMemoryTransport> bound = new ConcurrentHashMap<>();
    private final AtomicInteger nextPort = new AtomicInteger(40_000);

    /** A new, unstarted transport on this network. */
    public InMemoryTransport transport(TransportConfig config) {
        return new InMemoryTransport(this, config);
    }

    Endpoint bind(Endpoint requested, InMemoryTransport transport) {
        if (requested.port() == 0) {
            Endpoint candidate;
            do {
                candidate = new Endpoint(requested.host(), nextPort.getAndIncrement());
            } while (bound.putIfAbsent(candidate, transport) != null);
            return candidate;
        }
        InMemoryTransport holder = bound.putIfAbsent(requested, transport);
        if (holder != null) {
            throw new TransportException("cannot listen on " + requested + ": node " + holder.nodeId()
                    + " is bound there in this in-memory network; close it first or pick another port");
        }
        return requested;
    }

    void unbind(Endpoint endpoint, InMemoryTransport transport) {
        bound.remove(endpoint, transport);
    }

    InMemoryTransport lookup(Endpoint endpoint) {
        return bound.get(endpoint);
    }
}
