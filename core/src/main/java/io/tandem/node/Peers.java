package io.tandem.node;

import io.tandem.TandemException;
import io.tandem.raft.RaftCore;
import io.tandem.transport.Endpoint;
import io.tandem.transport.Transport;
import java.util.HashMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer directory: where each node is reached, and sending to it. A member's address comes
 * from the Raft configuration; other nodes (founders still discovering, joiners) are known by
 * the addresses they advertise on their messages.
 *
 * <p><b>Threads.</b> Loop thread only. Owns the address book of advertised addresses and the
 * cache of parsed address texts; reads the configuration from the core, never changes it.
 * Sending never blocks: the transport queues, and a failed send is logged and dropped (Raft and
 * the retry timers tolerate the loss).
 */
final class Peers {

    private static final Logger LOG = LoggerFactory.getLogger(Peers.class);

    private final String self;
    private final Transport transport;
    private final Supplier<RaftCore> core;
    private final TreeMap<String, Endpoint> addressBook = new TreeMap<>();
    /** Parsed forms of the address texts peers send with every message. */
    private final HashMap<String, Endpoint> parsedAddresses = new HashMap<>();

    /** @param core the node's Raft core, or null before it exists */
    Peers(String self, Transport transport, Supplier<RaftCore> core) {
        this.self = self;
        this.transport = transport;
        this.core = core;
    }

    void remember(String nodeId, String address) {
        if (nodeId != null && address != null && !nodeId.equals(self)) {
            try {
                addressBook.put(nodeId, endpoint(address));
            } catch (IllegalArgumentException e) {
                LOG.warn("node {}: peer {} advertised an unusable address '{}': {}", self, nodeId, address,
                        e.getMessage());
            }
        }
    }

    /** The address of {@code nodeId}: from the configuration for a member, else as advertised; null if unknown. */
    Endpoint addressOf(String nodeId) {
        RaftCore c = core.get();
        String configured = c == null ? null : c.configuration().address(nodeId);
        if (configured != null) {
            try {
                return endpoint(configured);
            } catch (IllegalArgumentException e) {
                LOG.warn("node {}: member {} has an unusable address '{}'", self, nodeId, configured);
            }
        }
        return addressBook.get(nodeId);
    }

    /** Sends to {@code nodeId} if its address is known; false otherwise. */
    boolean sendToNode(String nodeId, Object message) {
        Endpoint to = addressOf(nodeId);
        if (to == null) {
            return false;
        }
        send(to, message);
        return true;
    }

    void send(Endpoint to, Object message) {
        try {
            transport.send(to, message);
        } catch (TandemException e) {
            LOG.debug("node {}: could not send {} to {}: {}", self, message.getClass().getSimpleName(), to,
                    e.getMessage());
        }
    }

    /**
     * {@link Endpoint#parse} with a cache: every Raft message carries its sender's address text and
     * every send looks up the receiver's, so parsing each time showed in profiles. Bounded, since
     * the texts come from the network.
     */
    private Endpoint endpoint(String text) {
        Endpoint e = parsedAddresses.get(text);
        if (e == null) {
            e = Endpoint.parse(text);
            if (parsedAddresses.size() >= 1024) {
                parsedAddresses.clear();
            }
            parsedAddresses.put(text, e);
        }
        return e;
    }
}
