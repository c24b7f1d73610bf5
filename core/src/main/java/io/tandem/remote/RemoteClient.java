package io.tandem.remote;

import io.tandem.InvalidArgumentException;
import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.node.Clock;
import io.tandem.node.Wire;
import io.tandem.node.Wire.ClientOp;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.node.Wire.ClientWatchEvent;
import io.tandem.transport.Endpoint;
import io.tandem.transport.NettyTransport;
import io.tandem.transport.RejectReason;
import io.tandem.transport.TransportConfig;
import io.tandem.transport.TransportStats;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of one node's client protocol ({@link Wire.ClientRequest}), for tools outside the
 * cluster such as the CLI. It runs its own transport, listening on an ephemeral port of the local
 * address that routes to the node, under the node id {@code cli-<random>}, and proves the cluster
 * secret in both directions like a node does: the node sends its answers over its own connection
 * back to that port.
 *
 * <p>A call waits for the answer up to the timeout, but fails sooner, with a message naming the
 * cause, when the node refuses the handshake (wrong cluster secret or name) or cannot be reached
 * (the request was dropped). Calls may run from several threads. Not for use inside a node:
 * embedded code has the {@code Tandem} API.
 */
public final class RemoteClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteClient.class);
    /** How often a waiting call looks at the transport's counters for a refusal or a drop. */
    private static final long CHECK_EVERY_MS = 20;
    /**
     * Refusals that mean "not the same secret or cluster name". The server names its reason only
     * in its log; this side counts REJECTED_BY_PEER (our hello was refused) or, when the node
     * connects back to answer, BAD_PROOF / CLUSTER_MISMATCH / PEER_BAD_PROOF.
     */
    private static final RejectReason[] SECRET_OR_NAME = {RejectReason.REJECTED_BY_PEER, RejectReason.PEER_BAD_PROOF,
        RejectReason.BAD_PROOF, RejectReason.CLUSTER_MISMATCH};
    private static final RejectReason[] UNFINISHED = {RejectReason.HANDSHAKE_TIMEOUT, RejectReason.TLS_FAILED,
            RejectReason.CLOSED_DURING_HANDSHAKE};

    private final Endpoint node;
    private final Duration timeout;
    private final NettyTransport transport;
    private final String replyTo;
    private final AtomicLong nextId = new AtomicLong();
    private final ConcurrentHashMap<Long, CompletableFuture<ClientResponse>> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Consumer<ClientWatchEvent>> watches = new ConcurrentHashMap<>();

    private final boolean tls;

    private RemoteClient(Endpoint node, Duration timeout, NettyTransport transport, boolean tls) {
        this.tls = tls;
        this.node = node;
        this.timeout = timeout;
        this.transport = transport;
        transport.start(this::onMessage);
        this.replyTo = transport.localEndpoint().toString();
    }

    /**
     * Starts the client's transport; nothing is sent until the first call.
     *
     * @param localHost the address the node can reach this client at, or null to use the local
     *                  address that routes to the node
     * @throws InvalidArgumentException if the secret, name or address is unusable
     */
    public static RemoteClient connect(Endpoint node, String clusterName, byte[] clusterSecret, String localHost,
                                       Duration timeout) {
        return connect(node, clusterName, clusterSecret, localHost, timeout, null);
    }

    /**
     * {@link #connect(Endpoint, String, byte[], String, Duration)} over TLS when {@code tls} is not
     * null. The client presents its certificate in both directions (the node connects back to it),
     * so a TLS cluster needs a client certificate signed by a CA the nodes trust.
     */
    public static RemoteClient connect(Endpoint node, String clusterName, byte[] clusterSecret, String localHost,
                                       Duration timeout, io.tandem.transport.TlsConfig tls) {
        String host = localHost != null ? localHost : localAddressFor(node);
        TransportConfig config;
        try {
            // Under TLS the node checks that the client's certificate names the id it claims.
            String id = tls == null ? newClientId() : tls.certificateName();
            TransportConfig.Builder b = TransportConfig.builder().clusterName(clusterName).nodeId(id)
                    .bind(Endpoint.of(host, 0)).clusterSecret(clusterSecret).registrations(Wire.registrations())
                    .ioThreads(1);
            if (tls != null) {
                b.tls(tls);
            }
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(e.getMessage());
        }
        return new RemoteClient(node, timeout, new NettyTransport(config), tls != null);
    }

    private static String newClientId() {
        byte[] bytes = new byte[6];
        new SecureRandom().nextBytes(bytes);
        return "cli-" + HexFormat.of().formatHex(bytes);
    }

    /** The local address the operating system would use to reach the node (no packet is sent). */
    private static String localAddressFor(Endpoint node) {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(node.host(), node.port()));
            return probe.getLocalAddress().getHostAddress();
        } catch (IOException | IllegalArgumentException e) {
            throw new TandemException("cannot find a local address that reaches node " + node + ": " + e
                    + "; is the host name right? Or name this machine's address with --client-address", e);
        }
    }

    /** The node this client talks to. */
    public Endpoint node() {
        return node;
    }

    /**
     * Sends {@code request} (its {@code id} and {@code replyTo} are filled in here) and waits for
     * the answer.
     *
     * @return the node's answer, which is {@code ok}
     * @throws TandemException carrying the node's error text when the answer is not ok
     * @throws TandemTimeoutException when no answer came within the timeout
     */
    public ClientResponse call(ClientRequest request) {
        return call(request, nextId.incrementAndGet());
    }

    private ClientResponse call(ClientRequest request, long id) {
        CompletableFuture<ClientResponse> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            TransportStats before = transport.stats();
            transport.send(node, stamp(request, id));
            ClientResponse response = await(answer, request.op(), before);
            if (!response.ok()) {
                throw new TandemException(response.error());
            }
            return response;
        } finally {
            pending.remove(id);
        }
    }

    private ClientRequest stamp(ClientRequest r, long id) {
        return new ClientRequest(id, replyTo, r.op(), r.key(), r.value(), r.expectedVersion(), r.ttlMs(), r.stale(),
                r.limit(), r.fromRevision(), r.watchId());
    }

    /** Sends a task request ({@code tandem task ...}) and waits for the answer, like {@link #call(ClientRequest)}. */
    public ClientResponse call(Wire.TaskRequest request) {
        long id = nextId.incrementAndGet();
        CompletableFuture<ClientResponse> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            TransportStats before = transport.stats();
            transport.send(node, new Wire.TaskRequest(id, replyTo, request.op(), request.queue(), request.taskId(),
                    request.limit()));
            ClientResponse response = await(answer, "task " + request.op(), before);
            if (!response.ok()) {
                throw new TandemException(response.error());
            }
            return response;
        } finally {
            pending.remove(id);
        }
    }

    private ClientResponse await(CompletableFuture<ClientResponse> answer, Object op, TransportStats before) {
        long deadline = Clock.SYSTEM.monotonicNanos() + timeout.toNanos();
        int[] dropChecks = {0};
        while (true) {
            try {
                return answer.get(CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                failIfRefusedOrDropped(before, dropChecks);
                if (Clock.SYSTEM.monotonicNanos() > deadline) {
                    throw new TandemTimeoutException(op + " sent to node " + node + ": no answer within "
                            + timeout.toMillis() + " ms. The node may be overloaded or partitioned, or unable to"
                            + " connect back to this client at " + replyTo + " (set --client-address to an address"
                            + " it can reach)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TandemException("interrupted while waiting for node " + node, e);
            } catch (ExecutionException e) {
                throw new TandemException("call to node " + node + " failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /**
     * The transport reports failures only in its counters. A drop is reported as unreachable only
     * after three checks ({@value #CHECK_EVERY_MS} ms apart) without a rejection: under load a
     * failed TLS handshake closed the connection, and dropped the request, before the TLS failure
     * was counted, and the CLI said "cannot reach" instead of naming the handshake.
     */
    private void failIfRefusedOrDropped(TransportStats before, int[] dropChecks) {
        TransportStats now = transport.stats();
        if (now.rejections(RejectReason.CERTIFICATE_MISMATCH) > before.rejections(RejectReason.CERTIFICATE_MISMATCH)) {
            throw new TandemException("node " + node + " presented a certificate that does not name its node id; each"
                    + " node's certificate must carry its node id as CN or subject alternative name (or the nodes must"
                    + " set tls.allowedPeerNames); see docs/security.md");
        }
        if (count(now, SECRET_OR_NAME) > count(before, SECRET_OR_NAME)) {
            throw new TandemException("node " + node + " refused the handshake: the cluster secret or the cluster"
                    + " name does not match the cluster's (check --cluster-secret / TANDEM_CLUSTER_SECRET and"
                    + " --cluster-name)");
        }
        if (count(now, UNFINISHED) > count(before, UNFINISHED)) {
            throw new UnreachableException(tls
                    ? "the TLS handshake with node " + node + " failed: check that --cacert holds the CA that signed"
                    + " the node's certificate, that --cert/--key are signed by a CA the node trusts, and that the"
                    + " node's certificate names the host dialled (or pass --insecure-skip-hostname-verify)"
                    : "the handshake with node " + node + " did not complete: it may use TLS (pass --cacert, --cert"
                    + " and --key), or it is not a Tandem node");
        }
        // A failed TLS handshake can close the connection (and drop the request) a moment before it is
        // counted as a rejection: call it unreachable only if no rejection shows one check later.
        if (now.drops(node) > before.drops(node) && ++dropChecks[0] >= 3) {
            throw new UnreachableException("cannot reach node " + node + ": the connection failed before the request"
                    + " was sent; is a Tandem node listening there?");
        }
    }

    private static long count(TransportStats s, RejectReason[] reasons) {
        long n = 0;
        for (RejectReason r : reasons) {
            n += s.rejections(r);
        }
        return n;
    }

    /**
     * Starts a watch; {@code listener} receives its events on a transport thread, possibly
     * before this returns. Renew it with {@link #renewWatch} well within the node's lease
     * (15 s by default), and cancel it with {@link #cancelWatch}.
     *
     * @return the watch id
     */
    public long startWatch(ClientRequest request, Consumer<ClientWatchEvent> listener) {
        long id = nextId.incrementAndGet();
        watches.put(id, listener);
        try {
            call(request, id);
            return id;
        } catch (RuntimeException e) {
            watches.remove(id);
            throw e;
        }
    }

    /** Extends the watch's lease; throws if the node no longer holds it. */
    public void renewWatch(long watchId) {
        call(control(ClientOp.WATCH_RENEW, watchId));
    }

    /** Stops the watch on the node. */
    public void cancelWatch(long watchId) {
        watches.remove(watchId);
        call(control(ClientOp.WATCH_CANCEL, watchId));
    }

    private static ClientRequest control(ClientOp op, long watchId) {
        return new ClientRequest(0, "", op, "", new byte[0], -1, 0, false, 0, 0, watchId);
    }

    private void onMessage(String fromNodeId, Object message) {
        if (message instanceof ClientResponse r) {
            CompletableFuture<ClientResponse> f = pending.get(r.id());
            if (f != null) {
                f.complete(r);
            } else {
                LOG.debug("answer {} from {} came after its call gave up; ignored", r.id(), fromNodeId);
            }
        } else if (message instanceof ClientWatchEvent e) {
            Consumer<ClientWatchEvent> listener = watches.get(e.watchId());
            if (listener != null) {
                listener.accept(e);
            }
        } else {
            LOG.warn("{} sent a {}, which a client does not expect; ignored", fromNodeId,
                    message.getClass().getSimpleName());
        }
    }

    @Override
    public void close() {
        transport.close();
    }
}
