package io.tandem.remote;

import io.tandem.InvalidArgumentException;
import io.tandem.OverloadedException;
import io.tandem.TandemException;
import io.tandem.data.DataStore;
import io.tandem.data.ReadConsistency;
import io.tandem.data.Record;
import io.tandem.data.WriteOptions;
import io.tandem.node.Clock;
import io.tandem.node.NodeStatus;
import io.tandem.node.Wire;
import io.tandem.node.Wire.ClientRecord;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.transport.Endpoint;
import io.tandem.transport.Transport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import io.tandem.state.LockInfo;
import io.tandem.state.LockKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node side of the client protocol ({@link Wire.ClientRequest}): runs each request against
 * this node's public API ({@link DataStore}, status) and sends one {@link Wire.ClientResponse} to
 * the request's {@code replyTo} endpoint. The protocol is a thin remote form of the API, so it
 * has the API's guarantees (linearizable writes and reads, {@code stale} on request).
 *
 * <p><b>Threads.</b> {@link #onMessage} runs on the node's callbacks executor (never on its loop;
 * see {@code RaftNode.onClientMessage}) and does not block: every call is asynchronous and the
 * reply is sent from its completion. Thread-safe.
 *
 * <p><b>Bounds.</b> At most {@link Limits#maxInFlight} requests run at once; more are answered at
 * once with an overload error. Watches are leased: see {@link RemoteWatches}.
 *
 * <p><b>Errors</b> travel as text: the message of the {@link TandemException} the API threw.
 */
public final class ClientService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClientService.class);

    /**
     * @param maxInFlight  requests running at once (reads, writes, status)
     * @param maxWatches   watches held at once for all clients
     * @param watchLeaseMs a watch not renewed for this long is cancelled
     */
    public record Limits(int maxInFlight, int maxWatches, long watchLeaseMs) {
        public static final Limits DEFAULTS = new Limits(1024, 1024, Duration.ofSeconds(15).toMillis());
    }

    private final String nodeId;
    private final DataStore data;
    private final Supplier<CompletableFuture<NodeStatus>> status;
    private volatile Supplier<String> statusExtension = () -> "";
    private final Transport transport;
    private final Limits limits;
    private final RemoteWatches watches;
    private final BiFunction<LockKind, String, CompletableFuture<List<LockInfo>>> locks;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Clock clock;
    private volatile Operator operator;
    /** Backups taken for SNAPSHOT and not yet fetched whole, by id. */
    private final java.util.concurrent.ConcurrentHashMap<String, BackupFile> backups =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextBackup = new java.util.concurrent.atomic.AtomicLong();
    /** A backup not asked for in this long is deleted. */
    static final long BACKUP_IDLE_MS = 60_000;
    /** The most bytes one SNAPSHOT_CHUNK answer carries (well below the 8 MiB frame limit). */
    static final int MAX_CHUNK_BYTES = 1 << 20;

    /**
     * What the operator commands reach beyond the data API: membership, leadership, backups. All
     * calls are asynchronous and fail with the runtime's exceptions (NotLeaderException names the
     * leader).
     */
    public interface Operator {
        CompletableFuture<List<io.tandem.node.MemberInfo>> members();

        CompletableFuture<Long> changeMembership(io.tandem.raft.ConfChange change);

        CompletableFuture<String> transferLeadership(String target);

        CompletableFuture<io.tandem.node.Backup.Header> backup(java.io.OutputStream out);
    }

    private record BackupFile(java.nio.file.Path path, long size, java.util.concurrent.atomic.AtomicLong touchedNanos) {
    }

    /** Enables MEMBERS, MEMBER_*, LEADER_TRANSFER and SNAPSHOT*; without it they fail. */
    public void operator(Operator operator) {
        this.operator = operator;
    }

    /** More {@code name: value} lines appended to every STATUS answer (the node's time, ...). */
    public void statusExtension(Supplier<String> lines) {
        this.statusExtension = lines;
    }

    public ClientService(String nodeId, DataStore data, Supplier<CompletableFuture<NodeStatus>> status,
                         BiFunction<LockKind, String, CompletableFuture<List<LockInfo>>> locks,
                         Transport transport, Clock clock, Limits limits) {
        this.nodeId = nodeId;
        this.locks = locks;
        this.data = data;
        this.status = status;
        this.transport = transport;
        this.limits = limits;
        this.clock = clock;
        this.watches = new RemoteWatches(nodeId, data, this::send, clock, limits.maxWatches(), limits.watchLeaseMs());
    }

    /** Handles one inbound client message; see the class comment for threads. */
    public void onMessage(String fromNodeId, Object message) {
        if (!(message instanceof ClientRequest req)) {
            LOG.warn("node {}: client {} sent a {}, which the client protocol does not accept; dropped", nodeId,
                    fromNodeId, message.getClass().getSimpleName());
            return;
        }
        Endpoint replyTo;
        try {
            replyTo = Endpoint.parse(req.replyTo());
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.warn("node {}: client {} sent request {} with an unusable replyTo '{}' ({}); dropped", nodeId,
                    fromNodeId, req.id(), req.replyTo(), e.getMessage());
            return;
        }
        watches.expireStale();
        expireBackups();
        if (inFlight.incrementAndGet() > limits.maxInFlight()) {
            inFlight.decrementAndGet();
            send(replyTo, failure(req.id(), new OverloadedException("node " + nodeId + " is serving "
                    + limits.maxInFlight() + " client requests already; retry with back-off")));
            return;
        }
        start(req, replyTo).whenComplete((response, error) -> {
            inFlight.decrementAndGet();
            send(replyTo, error == null ? response : failure(req.id(), error));
        });
    }

    private CompletableFuture<ClientResponse> start(ClientRequest req, Endpoint replyTo) {
        try {
            return dispatch(req, replyTo);
        } catch (RuntimeException e) {
            // The API validates arguments before it goes async; those errors belong to the client too.
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<ClientResponse> dispatch(ClientRequest req, Endpoint replyTo) {
        requireArguments(req);
        return switch (req.op()) {
            case STATUS -> status.get().thenApply(s -> new ClientResponse(req.id(), true, "", List.of(), 0,
                    StatusText.of(s) + statusExtension.get()));
            case GET -> data.readAsync(req.key(), consistency(req)).thenApply(r -> records(req.id(),
                    r.map(List::of).orElse(List.of()), 0));
            case PUT -> data.writeAsync(req.key(), req.value(), writeOptions(req)).thenApply(r -> records(req.id(),
                    List.of(r), r.modRevision()));
            case DELETE -> data.deleteAsync(req.key(), req.expectedVersion()).thenApply(existed -> new ClientResponse(
                    req.id(), true, "", List.of(), 0, existed ? "deleted" : "absent"));
            case LIST -> data.listingAsync(req.key(), req.limit(), consistency(req)).thenApply(l -> records(req.id(),
                    l.records(), l.revision()));
            case LOCKS -> locksText(req.key(), false).thenApply(t -> text(req.id(), t));
            case LEADERS -> locksText(req.key(), true).thenApply(t -> text(req.id(), t));
            case WATCH -> watches.start(req, replyTo);
            case WATCH_RENEW -> watches.renew(req, replyTo);
            case WATCH_CANCEL -> watches.cancel(req, replyTo);
            case MEMBERS -> operator().members().thenApply(ms -> text(req.id(), membersText(ms)));
            case MEMBER_REMOVE -> operator().changeMembership(io.tandem.raft.ConfChange.remove(req.key()))
                    .thenApply(i -> text(req.id(), "proposed removal of " + req.key() + " at index " + i));
            case MEMBER_PROMOTE -> operator().changeMembership(io.tandem.raft.ConfChange.promote(req.key()))
                    .thenApply(i -> text(req.id(), "proposed promotion of " + req.key() + " at index " + i));
            case LEADER_TRANSFER -> operator().transferLeadership(req.key().isEmpty() ? null : req.key())
                    .thenApply(to -> text(req.id(), to));
            case SNAPSHOT -> startBackup(req.id());
            case SNAPSHOT_CHUNK -> backupChunk(req);
        };
    }

    private Operator operator() {
        Operator op = operator;
        if (op == null) {
            throw new InvalidArgumentException("node " + nodeId + " does not serve operator requests");
        }
        return op;
    }

    static String membersText(List<io.tandem.node.MemberInfo> members) {
        StringBuilder b = new StringBuilder();
        for (io.tandem.node.MemberInfo m : members) {
            b.append("id=").append(m.id()).append(" role=").append(m.voter() ? "voter" : "learner")
                    .append(" address=").append(m.address()).append(" leader=").append(m.leader())
                    .append(" match=").append(m.matchIndex()).append(" silent-ms=").append(m.silentMs()).append('\n');
        }
        return b.toString();
    }

    private CompletableFuture<ClientResponse> startBackup(long requestId) {
        java.nio.file.Path file;
        java.io.OutputStream out;
        try {
            file = java.nio.file.Files.createTempFile("tandem-backup-" + nodeId + "-", ".tbk");
            out = new java.io.BufferedOutputStream(java.nio.file.Files.newOutputStream(file));
        } catch (java.io.IOException e) {
            throw new TandemException("node " + nodeId + ": cannot create a temporary file for the backup: " + e
                    + "; check the free space of java.io.tmpdir", e);
        }
        return operator().backup(out).handle((h, error) -> {
            try {
                out.close();
                if (error != null) {
                    java.nio.file.Files.deleteIfExists(file);
                    throw error instanceof CompletionException ce ? ce : new CompletionException(error);
                }
                String id = Long.toHexString(nextBackup.incrementAndGet()) + "-" + Long.toHexString(
                        clock.monotonicNanos());
                long size = java.nio.file.Files.size(file);
                backups.put(id, new BackupFile(file, size, new java.util.concurrent.atomic.AtomicLong(
                        clock.monotonicNanos())));
                LOG.info("node {}: backup {} taken at index {} term {} ({} bytes)", nodeId, id, h.index(), h.term(),
                        size);
                return text(requestId, "id=" + id + " size=" + size + " index=" + h.index() + " term=" + h.term());
            } catch (java.io.IOException e) {
                throw new CompletionException(new TandemException("node " + nodeId + ": cannot write the backup: "
                        + e, e));
            }
        });
    }

    private CompletableFuture<ClientResponse> backupChunk(ClientRequest req) {
        BackupFile f = backups.get(req.key());
        if (f == null) {
            throw new io.tandem.NotFoundException("node " + nodeId + " holds no backup '" + req.key() + "' (unused"
                    + " backups are deleted after " + BACKUP_IDLE_MS / 1000 + " s); start again");
        }
        f.touchedNanos().set(clock.monotonicNanos());
        long offset = req.fromRevision();
        int max = Math.max(1, Math.min(MAX_CHUNK_BYTES, req.limit()));
        if (offset < 0 || offset > f.size()) {
            throw new InvalidArgumentException("offset " + offset + " is outside backup " + req.key() + " of "
                    + f.size() + " bytes");
        }
        byte[] bytes = new byte[(int) Math.min(max, f.size() - offset)];
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f.path())) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    throw new java.io.EOFException("backup file ends early");
                }
            }
        } catch (java.io.IOException e) {
            throw new TandemException("node " + nodeId + ": cannot read backup " + req.key() + ": " + e, e);
        }
        if (offset + bytes.length >= f.size()) {
            dropBackup(req.key());
        }
        return CompletableFuture.completedFuture(new ClientResponse(req.id(), true, "",
                List.of(new ClientRecord(req.key(), bytes, f.size(), 0, offset, 0)), 0, ""));
    }

    private void expireBackups() {
        long now = clock.monotonicNanos();
        for (var e : backups.entrySet()) {
            if (now - e.getValue().touchedNanos().get() > BACKUP_IDLE_MS * 1_000_000) {
                LOG.info("node {}: backup {} was not fetched for {} s; deleted", nodeId, e.getKey(),
                        BACKUP_IDLE_MS / 1000);
                dropBackup(e.getKey());
            }
        }
    }

    private void dropBackup(String id) {
        BackupFile f = backups.remove(id);
        if (f != null) {
            try {
                java.nio.file.Files.deleteIfExists(f.path());
            } catch (java.io.IOException e) {
                LOG.warn("node {}: cannot delete backup file {}: {}", nodeId, f.path(), e.toString());
            }
        }
    }

    private CompletableFuture<String> locksText(String prefix, boolean elections) {
        String p = prefix == null ? "" : prefix;
        if (elections) {
            return locks.apply(LockKind.ELECTION, p).thenApply(l -> LockText.of(l, true));
        }
        CompletableFuture<List<LockInfo>> a = locks.apply(LockKind.LOCK, p);
        CompletableFuture<List<LockInfo>> b = locks.apply(LockKind.SEMAPHORE, p);
        CompletableFuture<List<LockInfo>> c = locks.apply(LockKind.RWLOCK, p);
        return CompletableFuture.allOf(a, b, c).thenApply(v -> {
            List<LockInfo> all = new java.util.ArrayList<>(a.join());
            all.addAll(b.join());
            all.addAll(c.join());
            return LockText.of(all, false);
        });
    }

    private static ClientResponse text(long id, String text) {
        return new ClientResponse(id, true, "", List.of(), 0, text);
    }

    private static void requireArguments(ClientRequest req) {
        if (req.op() == null) {
            throw new InvalidArgumentException("request " + req.id() + " names no operation");
        }
        if (req.op() == Wire.ClientOp.PUT && req.value() == null) {
            throw new InvalidArgumentException("put of '" + req.key() + "' carries no value");
        }
        if (req.op() == Wire.ClientOp.DELETE && req.expectedVersion() != -1 && req.expectedVersion() < 1) {
            throw new InvalidArgumentException("delete of '" + req.key() + "' at version " + req.expectedVersion()
                    + ": versions start at 1 (or -1 for any version)");
        }
    }

    private static ReadConsistency consistency(ClientRequest req) {
        return req.stale() ? ReadConsistency.STALE : ReadConsistency.LINEARIZABLE;
    }

    private static WriteOptions writeOptions(ClientRequest req) {
        WriteOptions o = req.expectedVersion() == 0 ? WriteOptions.ifAbsent()
                : req.expectedVersion() > 0 ? WriteOptions.ifVersion(req.expectedVersion()) : WriteOptions.NONE;
        return req.ttlMs() > 0 ? o.ttl(Duration.ofMillis(req.ttlMs())) : o;
    }

    private static ClientResponse records(long id, List<Record> records, long revision) {
        return new ClientResponse(id, true, "", records.stream().map(ClientService::toWire).toList(), revision, "");
    }

    static ClientRecord toWire(Record r) {
        return new ClientRecord(r.key(), r.value(), r.version(), r.createRevision(), r.modRevision(),
                r.expiresAtMillis());
    }

    static ClientResponse failure(long id, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String text = cause instanceof TandemException ? cause.getMessage() : cause.toString();
        return new ClientResponse(id, false, text, List.of(), 0, "");
    }

    /** Sends, or falls back to a short error when the answer cannot travel (larger than a frame). */
    void send(Endpoint to, Object message) {
        try {
            transport.send(to, message);
        } catch (IllegalArgumentException e) {
            LOG.warn("node {}: cannot send {} to client {}: {}", nodeId, message.getClass().getSimpleName(), to,
                    e.getMessage());
            if (message instanceof ClientResponse r) {
                transport.send(to, failure(r.id(), new TandemException("node " + nodeId + ": the answer does not fit"
                        + " in one transport frame (" + e.getMessage() + "); ask for fewer records with --limit")));
            }
        }
    }

    /** Cancels every remote watch; requests still running complete, but their answers may be dropped. */
    @Override
    public void close() {
        watches.close();
        for (String id : List.copyOf(backups.keySet())) {
            dropBackup(id);
        }
    }
}
