package io.tandem.node;

import io.tandem.TandemException;
import io.tandem.raft.Configuration;
import io.tandem.raft.Entry;
import io.tandem.raft.EntryType;
import io.tandem.raft.HardState;
import io.tandem.raft.Message;
import io.tandem.raft.RaftCore;
import io.tandem.raft.Ready;
import io.tandem.raft.SnapshotChunk;
import io.tandem.raft.SnapshotMeta;
import io.tandem.raft.SnapshotSource;
import io.tandem.state.StateMachine;
import io.tandem.storage.LogEntry;
import io.tandem.storage.RaftLog;
import io.tandem.storage.Snapshot;
import io.tandem.storage.SnapshotWriter;
import io.tandem.storage.TermAndVote;
import io.tandem.time.HybridClock;
import io.tandem.time.HybridTimestamp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable side of a node: recovers the {@link RaftCore} from storage, and processes each
 * {@link Ready} in the order its contract sets — hard state saved before any message leaves,
 * entries appended and synced, messages that depend on durability (a follower's append
 * acknowledgements) held until the log's {@code sync()} reports them durable, snapshots received
 * in chunks and installed, committed entries applied to the {@link StateMachine}, read rounds
 * handed to {@link LinearizableReads} — and writes a snapshot when enough has been applied.
 *
 * <p><b>Threads.</b> Loop thread only. The log syncer completes on its own thread and comes
 * back through {@code loop.put}, never blocking the loop. Owns the applied index, the snapshot
 * bookkeeping, the sync sequence and the messages awaiting a sync, and the snapshot being
 * received; uses the node's storage and state machine, which only the loop touches.
 */
final class ReadyProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(ReadyProcessor.class);

    /** Messages that may leave only once the log is durable up to sync request {@code seq}. */
    private record AwaitingSync(long seq, List<Message> messages) {
    }

    private final NodeOptions opt;
    private final RaftNode.Storage storage;
    private final StateMachine sm;
    private final Supplier<RaftCore> core;
    private final Clock clock;
    private final Supplier<NodeLoop> loop;
    private final Supplier<NodeMetrics.Sink> metrics;
    private final Consumer<List<Message>> sendRaft;
    private final Set<RuntimeBug> bugs;
    private final LinearizableReads reads;
    private final Consumer<StateMachine.Applied> onApplied;

    private long lastApplied;
    private long lastSnapshotIndex;
    /** Size of the last snapshot this node wrote, and payload bytes applied since (see maybeSnapshot). */
    private long lastSnapshotBytes;
    private long appliedBytesSinceSnapshot;
    private long syncRequested;
    private long syncCompleted;
    private final ArrayDeque<AwaitingSync> waitingForSync = new ArrayDeque<>();
    private SnapshotWriter incomingSnapshot;

    /**
     * @param core      the node's Raft core, once {@link #startCore} made it
     * @param sendRaft  sends Raft messages to their receivers
     * @param bugs      deliberate bugs switched on (simulation tests only)
     * @param onApplied told of every applied normal entry's result, in log order
     */
    ReadyProcessor(NodeOptions opt, RaftNode.Storage storage, StateMachine sm, Supplier<RaftCore> core, Clock clock,
                   Supplier<NodeLoop> loop, Supplier<NodeMetrics.Sink> metrics, Consumer<List<Message>> sendRaft,
                   Set<RuntimeBug> bugs, LinearizableReads reads, Consumer<StateMachine.Applied> onApplied) {
        this.opt = opt;
        this.storage = storage;
        this.sm = sm;
        this.core = core;
        this.clock = clock;
        this.loop = loop;
        this.metrics = metrics;
        this.sendRaft = sendRaft;
        this.bugs = bugs;
        this.reads = reads;
        this.onApplied = onApplied;
    }

    long lastApplied() {
        return lastApplied;
    }

    long lastSnapshotIndex() {
        return lastSnapshotIndex;
    }

    // ------------------------------------------------------------------ recovery

    /** Restores the state from {@code snap} and replays the log after it into a new core. */
    RaftCore startCore(TermAndVote tv, Optional<Snapshot> snap, Configuration initial, RandomGenerator random,
                       HybridClock hlc) {
        SnapshotMeta base = new SnapshotMeta(0, 0, initial);
        if (snap.isPresent()) {
            try (Snapshot s = snap.get(); InputStream in = s.openStream()) {
                sm.restore(in);
                base = new SnapshotMeta(s.meta().lastIncludedIndex(), s.meta().lastIncludedTerm(),
                        Configuration.decode(s.meta().configuration()));
            } catch (IOException e) {
                throw new UncheckedIOException("node " + opt.nodeId() + ": cannot restore the state snapshot", e);
            }
        }
        RaftLog log = storage.log();
        if (log.lastIndex() < base.index()) {
            log.reset(base.index() + 1);
        }
        long from = base.index() + 1;
        if (log.lastIndex() >= from && log.firstIndex() > from) {
            throw new TandemException("node " + opt.nodeId() + ": the log starts at index " + log.firstIndex()
                    + " but the snapshot ends at " + base.index() + "; entries in between are missing. Restore the"
                    + " data directory from a backup, or remove this node and add it back with a new id");
        }
        List<Entry> entries = new ArrayList<>();
        for (long i = from; i <= log.lastIndex(); ) {
            List<LogEntry> batch = log.entries(i, log.lastIndex() + 1, 16 << 20);
            for (LogEntry le : batch) {
                entries.add(new Entry(le.index(), le.term(), EntryType.fromCode(le.type()), le.timestamp(),
                        le.payload()));
            }
            i += batch.size();
        }
        lastApplied = base.index();
        lastSnapshotIndex = base.index();
        // Entries are stamped with the HLC's physical part (DESIGN §3), in ms as before.
        return new RaftCore(opt.raft(), random, () -> HybridTimestamp.physicalOf(hlc.now()), snapshotSource(),
                new HardState(tv.currentTerm(), tv.votedFor()), base, entries);
    }

    // ------------------------------------------------------------------ Ready

    /** Processes every Ready the core has, then snapshots if due. End of every loop turn. */
    void processReady() {
        RaftCore c = core.get();
        while (c.hasReady()) {
            Ready rd = c.ready();
            if (rd.hardState() != null) {
                storage.meta().save(new TermAndVote(rd.hardState().term(), rd.hardState().votedFor()));
            }
            sendRaft.accept(rd.messages());
            persistEntries(rd.entries());
            writeSnapshotChunks(rd.snapshotChunks());
            if (!rd.persistedMessages().isEmpty()) {
                if (syncCompleted >= syncRequested || bugs.contains(RuntimeBug.ACK_BEFORE_FSYNC)) {
                    sendRaft.accept(rd.persistedMessages());
                } else {
                    waitingForSync.add(new AwaitingSync(syncRequested, rd.persistedMessages()));
                }
            }
            if (rd.snapshot() != null) {
                installSnapshot(rd.snapshot());
            }
            apply(rd.committedEntries());
            reads.onReady(rd.readStates(), rd.readFailures());
            c.advance(rd);
            reads.serve(lastApplied);
        }
        maybeSnapshot();
    }

    private void persistEntries(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        RaftLog log = storage.log();
        long first = entries.get(0).index();
        if (first <= log.lastIndex()) {
            log.truncateSuffix(first);
        }
        List<LogEntry> batch = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            batch.add(new LogEntry(e.index(), e.term(), e.type().code(), e.timestamp(), e.payload()));
        }
        log.append(batch);
        long seq = ++syncRequested;
        Entry last = entries.get(entries.size() - 1);
        long syncStart = clock.monotonicNanos();
        log.sync().whenComplete((index, error) -> {
            metrics.get().fsync(clock.monotonicNanos() - syncStart);
            // The loop must learn about durability: beyond the capacity rather than lose it.
            loop.get().put(() -> onSynced(seq, last.index(), last.term(), error));
        });
    }

    private void onSynced(long seq, long index, long term, Throwable error) {
        if (error != null) {
            throw new TandemException("node " + opt.nodeId() + ": the log could not be made durable up to index "
                    + index + "; stopping rather than acknowledge what may be lost", error);
        }
        syncCompleted = Math.max(syncCompleted, seq);
        while (!waitingForSync.isEmpty() && waitingForSync.peek().seq() <= syncCompleted) {
            sendRaft.accept(waitingForSync.poll().messages());
        }
        RaftCore c = core.get();
        if (c != null) {
            c.onPersisted(index, term);
        }
    }

    // ------------------------------------------------------------------ snapshots

    private void writeSnapshotChunks(List<SnapshotChunk> chunks) {
        for (SnapshotChunk c : chunks) {
            if (c.offset() == 0) {
                if (incomingSnapshot != null) {
                    incomingSnapshot.close();
                }
                incomingSnapshot = storage.snapshots().create(c.index(), c.term(), c.configuration());
            }
            if (incomingSnapshot == null) {
                LOG.warn("node {}: snapshot chunk at offset {} without a start; ignored", opt.nodeId(), c.offset());
                continue;
            }
            incomingSnapshot.writeChunk(c.offset(), c.data());
            if (c.done()) {
                incomingSnapshot.commit();
                incomingSnapshot = null;
            }
        }
    }

    private void installSnapshot(SnapshotMeta meta) {
        try (Snapshot s = storage.snapshots().latest().orElseThrow(); InputStream in = s.openStream()) {
            if (s.meta().lastIncludedIndex() != meta.index()) {
                throw new TandemException("node " + opt.nodeId() + ": expected received snapshot " + meta.index()
                        + " but the store's latest is " + s.meta().lastIncludedIndex());
            }
            sm.restore(in);
        } catch (IOException e) {
            throw new UncheckedIOException("node " + opt.nodeId() + ": cannot restore received snapshot "
                    + meta.index(), e);
        }
        RaftLog log = storage.log();
        boolean keep = log.lastIndex() >= meta.index() && log.firstIndex() <= meta.index()
                && log.term(meta.index()) == meta.term();
        if (keep) {
            log.compactPrefix(meta.index());
        } else {
            log.reset(meta.index() + 1);
        }
        lastApplied = meta.index();
        lastSnapshotIndex = meta.index();
        appliedBytesSinceSnapshot = 0;
        LOG.info("node {}: installed snapshot {} from the leader", opt.nodeId(), meta.index());
    }

    /**
     * Snapshots every {@code snapshotEveryEntries} applied entries, but not before the entries
     * applied since the last snapshot add up to at least its size: writing the state costs its
     * size, so a large state (say a full watch history) snapshotted every 10,000 small writes cost
     * more than the writes themselves — on the loop thread. This keeps the cost at most one byte
     * of snapshot per byte of log, and the log at most about the state's size beyond the snapshot.
     */
    private void maybeSnapshot() {
        RaftCore c = core.get();
        if (lastApplied - lastSnapshotIndex < opt.snapshotEveryEntries() || lastApplied > c.appliedIndex()
                || appliedBytesSinceSnapshot < lastSnapshotBytes) {
            return;
        }
        SnapshotMeta meta = c.snapshotMetaAt(lastApplied);
        try (SnapshotWriter w = storage.snapshots().create(meta.index(), meta.term(), meta.configuration().encode())) {
            CountingOutputStream out = new CountingOutputStream(w.asOutputStream());
            sm.snapshot(out);
            w.commit();
            lastSnapshotBytes = out.count;
            appliedBytesSinceSnapshot = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("node " + opt.nodeId() + ": cannot write snapshot " + meta.index(), e);
        }
        c.compact(meta.index());
        if (c.compactedIndex() >= storage.log().firstIndex()) {
            storage.log().compactPrefix(c.compactedIndex());
        }
        lastSnapshotIndex = meta.index();
        LOG.debug("node {}: snapshot at index {}", opt.nodeId(), meta.index());
    }

    private SnapshotSource snapshotSource() {
        return new SnapshotSource() {
            @Override
            public long snapshotSize(long index) {
                Optional<Snapshot> latest = storage.snapshots().latest();
                if (latest.isEmpty()) {
                    return -1;
                }
                try (Snapshot s = latest.get()) {
                    return s.meta().lastIncludedIndex() == index ? s.meta().sizeBytes() : -1;
                }
            }

            @Override
            public byte[] readSnapshotChunk(long index, long offset, int maxBytes) {
                try (Snapshot s = latestSnapshot(index)) {
                    return s.read(offset, maxBytes);
                }
            }
        };
    }

    private Snapshot latestSnapshot(long index) {
        Snapshot s = storage.snapshots().latest().orElseThrow(() -> new TandemException("node " + opt.nodeId()
                + ": snapshot " + index + " was asked for but the store holds none"));
        if (s.meta().lastIncludedIndex() != index) {
            s.close();
            throw new TandemException("node " + opt.nodeId() + ": snapshot " + index + " was asked for but the latest"
                    + " is " + s.meta().lastIncludedIndex());
        }
        return s;
    }

    // ------------------------------------------------------------------ apply

    private void apply(List<Entry> committed) {
        for (Entry e : committed) {
            appliedBytesSinceSnapshot += e.payload().length;
            if (e.type() == EntryType.NORMAL) {
                onApplied.accept(sm.applyPayload(e.index(), e.timestamp(), e.payload(), opt.commandLevel()));
            } else {
                sm.advance(e.index(), e.timestamp());
            }
            lastApplied = e.index();
        }
    }

    /** Counts what passes through, to size snapshots as they are written. */
    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        long count;

        CountingOutputStream(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
