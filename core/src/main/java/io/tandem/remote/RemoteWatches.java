package io.tandem.remote;

import io.tandem.InvalidArgumentException;
import io.tandem.NotFoundException;
import io.tandem.OverloadedException;
import io.tandem.data.DataStore;
import io.tandem.data.WatchEvent;
import io.tandem.node.Clock;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.node.Wire.ClientWatchEvent;
import io.tandem.transport.Endpoint;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watches clients hold on this node. A client cannot be told apart from a dead one by the
 * transport (messages to it are simply dropped), so each watch is a lease: the client renews it
 * ({@code WATCH_RENEW}) well within {@code leaseMs}, and a watch not renewed for that long is
 * cancelled, at the latest on its next event or the next client request this node receives.
 * Thread-safe; called on the callbacks executor.
 */
final class RemoteWatches implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteWatches.class);

    /** A watch is named by its client's endpoint and the id of the WATCH request. */
    private record Key(Endpoint client, long watchId) {
    }

    private static final class Lease {
        final Key key;
        volatile long renewedNanos;
        volatile DataStore.Watch watch;
        volatile boolean cancelled;

        Lease(Key key, long nowNanos) {
            this.key = key;
            this.renewedNanos = nowNanos;
        }
    }

    private final String nodeId;
    private final DataStore data;
    private final BiConsumer<Endpoint, Object> sender;
    private final Clock clock;
    private final int maxWatches;
    private final long leaseMs;
    private final ConcurrentHashMap<Key, Lease> leases = new ConcurrentHashMap<>();

    RemoteWatches(String nodeId, DataStore data, BiConsumer<Endpoint, Object> sender, Clock clock, int maxWatches,
                  long leaseMs) {
        this.nodeId = nodeId;
        this.data = data;
        this.sender = sender;
        this.clock = clock;
        this.maxWatches = maxWatches;
        this.leaseMs = leaseMs;
    }

    CompletableFuture<ClientResponse> start(ClientRequest req, Endpoint client) {
        if (leases.size() >= maxWatches) {
            throw new OverloadedException("node " + nodeId + " holds " + maxWatches + " client watches already;"
                    + " close some or watch through another node");
        }
        Key key = new Key(client, req.id());
        Lease lease = new Lease(key, clock.monotonicNanos());
        if (leases.putIfAbsent(key, lease) != null) {
            throw new InvalidArgumentException("watch id " + req.id() + " is already in use by " + client);
        }
        CompletableFuture<DataStore.Watch> registering;
        try {
            registering = data.watchAsync(req.key(), req.fromRevision(), e -> deliver(lease, e));
        } catch (RuntimeException e) {
            leases.remove(key);
            throw e;
        }
        return registering.whenComplete((w, error) -> attach(lease, w, error))
                .thenApply(w -> ok(req.id(), "watching"));
    }

    private void attach(Lease lease, DataStore.Watch w, Throwable error) {
        if (error != null) {
            leases.remove(lease.key, lease);
            return;
        }
        lease.watch = w;
        if (lease.cancelled) {
            w.close(); // cancelled while it was being registered
        }
    }

    private void deliver(Lease lease, WatchEvent e) {
        if (lease.cancelled) {
            return;
        }
        if (isExpired(lease, clock.monotonicNanos())) {
            expire(lease);
            return;
        }
        sender.accept(lease.key.client(), new ClientWatchEvent(lease.key.watchId(), e.revision(), e.type().name(),
                ClientService.toWire(e.record())));
    }

    CompletableFuture<ClientResponse> renew(ClientRequest req, Endpoint client) {
        Lease lease = leases.get(new Key(client, req.watchId()));
        long now = clock.monotonicNanos();
        if (lease != null && isExpired(lease, now)) {
            expire(lease); // too late: events may already have been dropped, so the client must start over
        }
        if (lease == null || lease.cancelled) {
            throw new NotFoundException("watch " + req.watchId() + " of " + client + " is not held by node " + nodeId
                    + ": it was cancelled, or not renewed within " + leaseMs + " ms; start a new watch");
        }
        lease.renewedNanos = now;
        return CompletableFuture.completedFuture(ok(req.id(), "renewed"));
    }

    CompletableFuture<ClientResponse> cancel(ClientRequest req, Endpoint client) {
        Lease lease = leases.remove(new Key(client, req.watchId()));
        if (lease != null) {
            stop(lease);
        }
        return CompletableFuture.completedFuture(ok(req.id(), lease == null ? "absent" : "cancelled"));
    }

    /** Cancels the watches whose lease ran out. Cheap; called on every client request. */
    void expireStale() {
        long now = clock.monotonicNanos();
        for (Lease lease : leases.values()) {
            if (isExpired(lease, now)) {
                expire(lease);
            }
        }
    }

    /** Watches held now (tests and diagnostics). */
    int size() {
        return leases.size();
    }

    private boolean isExpired(Lease lease, long nowNanos) {
        return nowNanos - lease.renewedNanos > TimeUnit.MILLISECONDS.toNanos(leaseMs);
    }

    private void expire(Lease lease) {
        if (leases.remove(lease.key, lease)) {
            LOG.info("node {}: watch {} of client {} not renewed within {} ms; cancelled", nodeId,
                    lease.key.watchId(), lease.key.client(), leaseMs);
            stop(lease);
        }
    }

    private static void stop(Lease lease) {
        lease.cancelled = true;
        DataStore.Watch w = lease.watch;
        if (w != null) {
            w.close();
        }
    }

    private static ClientResponse ok(long id, String text) {
        return new ClientResponse(id, true, "", List.of(), 0, text);
    }

    @Override
    public void close() {
        for (Lease lease : leases.values()) {
            leases.remove(lease.key, lease);
            stop(lease);
        }
    }
}
