package io.tandem.sim;

import io.tandem.raft.Entry;
import io.tandem.raft.HardState;
import io.tandem.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A node's disk. The hard state and snapshots are written synchronously (temp file + fsync +
 * rename in the real runtime). Log writes are buffered until an fsync completes: a crash keeps
 * the durable log plus a random prefix of the buffered operations, the last one possibly torn
 * (storage recovery truncates a torn record, so a torn append keeps only whole entries).
 */
final class SimDisk {

    /** A buffered log operation: truncate from {@code truncateFrom} (or -1), then append. */
    private record Op(long seq, long truncateFrom, List<Entry> entries) {
    }

    HardState hardState = HardState.INITIAL;
    SnapshotMeta snapshotMeta;
    byte[] snapshotData;
    /** The last few snapshots, like the runtime's store keeps, so a transfer in progress can finish. */
    final java.util.TreeMap<Long, byte[]> retained = new java.util.TreeMap<>();
    private final ArrayList<Entry> durable = new ArrayList<>();
    private final ArrayList<Op> pending = new ArrayList<>();
    private long opSeq;
    private long durableOpSeq;

    // Snapshot being received from a leader.
    private long incomingIndex = -1;
    private java.io.ByteArrayOutputStream incomingData;

    /** Buffers a write of {@code entries}, truncating first if they overlap. Returns the op number. */
    long write(List<Entry> entries) {
        long first = entries.get(0).index();
        long last = lastIndexIncludingPending();
        Op op = new Op(++opSeq, first <= last ? first : -1, List.copyOf(entries));
        pending.add(op);
        return op.seq();
    }

    long lastOpSeq() {
        return opSeq;
    }

    long durableOpSeq() {
        return durableOpSeq;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** fsync: every op up to {@code upToSeq} becomes durable. */
    void sync(long upToSeq) {
        while (!pending.isEmpty() && pending.get(0).seq() <= upToSeq) {
            applyTo(durable, pending.remove(0));
        }
        durableOpSeq = Math.max(durableOpSeq, upToSeq);
    }

    /** The last durable entry, or null. */
    Entry lastDurable() {
        return durable.isEmpty() ? null : durable.get(durable.size() - 1);
    }

    /** A crash: a random prefix of buffered ops reaches the platter, the last possibly torn. */
    void crash(RandomGenerator random) {
        int survive = pending.isEmpty() ? 0 : random.nextInt(pending.size() + 1);
        for (int i = 0; i < survive; i++) {
            Op op = pending.get(i);
            if (i == survive - 1 && !op.entries().isEmpty() && random.nextBoolean()) {
                int keep = random.nextInt(op.entries().size() + 1);
                op = new Op(op.seq(), op.truncateFrom(), op.entries().subList(0, keep));
            }
            applyTo(durable, op);
        }
        pending.clear();
        durableOpSeq = opSeq;
        incomingIndex = -1;
        incomingData = null;
    }

    private long lastIndexIncludingPending() {
        ArrayList<Entry> view = new ArrayList<>(durable);
        // Cheap enough for the simulator: replay the pending ops on a copy.
        for (Op op : pending) {
            applyTo(view, op);
        }
        if (!view.isEmpty()) {
            return view.get(view.size() - 1).index();
        }
        return snapshotMeta == null ? 0 : snapshotMeta.index();
    }

    private void applyTo(ArrayList<Entry> log, Op op) {
        if (op.truncateFrom() >= 0) {
            log.removeIf(e -> e.index() >= op.truncateFrom());
        }
        for (Entry e : op.entries()) {
            if (!log.isEmpty() && log.get(log.size() - 1).index() + 1 != e.index()) {
                // A write after a snapshot reset starts a new run; anything before it is gone.
                if (e.index() <= log.get(log.size() - 1).index()) {
                    long from = e.index();
                    log.removeIf(x -> x.index() >= from);
                } else {
                    log.clear();
                }
            }
            log.add(e);
        }
    }

    /** Entries to restart from: durable ones after the snapshot, contiguous. */
    List<Entry> entriesAfterSnapshot() {
        long after = snapshotMeta == null ? 0 : snapshotMeta.index();
        ArrayList<Entry> out = new ArrayList<>();
        for (Entry e : durable) {
            if (e.index() > after) {
                if (!out.isEmpty() && out.get(out.size() - 1).index() + 1 != e.index()) {
                    break;
                }
                if (out.isEmpty() && e.index() != after + 1) {
                    break;
                }
                out.add(e);
            }
        }
        return out;
    }

    void saveSnapshot(SnapshotMeta meta, byte[] data) {
        snapshotMeta = meta;
        snapshotData = data;
        retained.put(meta.index(), data);
        while (retained.size() > 3) {
            retained.pollFirstEntry();
        }
        durable.removeIf(e -> e.index() <= meta.index());
    }

    void receiveChunk(long index, long offset, byte[] data) {
        if (offset == 0 || incomingIndex != index) {
            incomingIndex = index;
            incomingData = new java.io.ByteArrayOutputStream();
        }
        incomingData.writeBytes(data);
    }

    void discardReceived() {
        incomingIndex = -1;
        incomingData = null;
    }

    /** The received snapshot is complete: it becomes the node's snapshot; the log restarts after it. */
    void installReceived(SnapshotMeta meta) {
        byte[] data = incomingData.toByteArray();
        incomingIndex = -1;
        incomingData = null;
        sync(opSeq); // the runtime makes the snapshot and the log reset durable together
        boolean keep = false;
        for (Entry e : durable) {
            if (e.index() == meta.index() && e.term() == meta.term()) {
                keep = true;
            }
        }
        if (!keep) {
            durable.clear();
        }
        saveSnapshot(meta, data);
    }
}
