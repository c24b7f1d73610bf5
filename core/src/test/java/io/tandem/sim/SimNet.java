package io.tandem.sim;

import io.tandem.transport.Endpoint;
import io.tandem.transport.MessageHandler;
import io.tandem.transport.Transport;
import io.tandem.transport.TransportStats;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The network of a simulated cluster of real runtimes: each node gets a {@link Transport} whose
 * messages travel as scheduler events with a seeded delay, in order per (sender, receiver) like
 * a TCP connection, and are lost when the two sides are partitioned, when the receiver is down,
 * or at the configured loss rate. The receiver's handler runs as an event of the receiver's loop.
 */
final class SimNet {

    private final SimScheduler sim;
    private final RandomGenerator random;
    private final Map<Endpoint, Node> nodes = new HashMap<>();
    private final Set<String> cut = new HashSet<>();
    private final Map<String, Long> lastArrival = new HashMap<>();
    double lossRate;
    long minDelayNanos = 100_000;
    long maxDelayNanos = 2_000_000;
    long sent;
    long delivered;

    SimNet(SimScheduler sim, RandomGenerator random) {
        this.sim = sim;
        this.random = random;
    }

    private static final class Node {
        SimNodeLoop loop;
        MessageHandler handler;
    }

    /** A transport for the node at {@code self}; messages to it run on {@code loop}. */
    Transport transport(String nodeId, Endpoint self, SimNodeLoop loop) {
        Node n = new Node();
        n.loop = loop;
        nodes.put(self, n);
        return new Transport() {
            private boolean closed;

            @Override
            public void start(MessageHandler handler) {
                n.handler = handler;
            }

            @Override
            public Endpoint localEndpoint() {
                return self;
            }

            @Override
            public String nodeId() {
                return nodeId;
            }

            @Override
            public void send(Endpoint to, Object message) {
                if (!closed) {
                    SimNet.this.send(nodeId, self, to, message);
                }
            }

            @Override
            public TransportStats stats() {
                throw new UnsupportedOperationException("the simulated network keeps no per-node statistics");
            }

            @Override
            public void close() {
                closed = true;
                if (nodes.get(self) == n) {
                    nodes.remove(self);
                }
            }
        };
    }

    private static String link(Endpoint a, Endpoint b) {
        return a + ">" + b;
    }

    void partition(Endpoint a, Endpoint b) {
        cut.add(link(a, b));
        cut.add(link(b, a));
    }

    void heal() {
        cut.clear();
    }

    boolean connected(Endpoint a, Endpoint b) {
        return !cut.contains(link(a, b));
    }

    private void send(String fromId, Endpoint from, Endpoint to, Object message) {
        sent++;
        if (!connected(from, to) || (lossRate > 0 && random.nextDouble() < lossRate)) {
            return;
        }
        long delay = minDelayNanos + random.nextLong(maxDelayNanos - minDelayNanos + 1);
        String link = link(from, to);
        long arrival = Math.max(sim.nowNanos() + delay, lastArrival.getOrDefault(link, 0L));
        lastArrival.put(link, arrival);
        Node target = nodes.get(to);
        if (target == null) {
            return; // nobody listens there
        }
        target.loop.deliver(arrival - sim.nowNanos(), () -> {
            // A partition that started while the message was in flight loses it too.
            if (nodes.get(to) == target && target.handler != null && connected(from, to)) {
                delivered++;
                target.handler.onMessage(fromId, message);
            }
        });
    }
}
