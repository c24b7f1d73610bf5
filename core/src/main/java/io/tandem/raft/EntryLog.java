package io.tandem.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The core's view of its log: everything after the last snapshot, in memory, plus the mark of
 * what has already been handed to storage ({@code unstableFrom}). Memory is bounded by how often
 * the runtime snapshots and calls {@link #compactTo(long)}.
 */
final class EntryLog {

    static final long UNKNOWN_TERM = -1;

    private long snapshotIndex;
    private long snapshotTerm;
    /** Stamp of the last compacted entry, so stamps stay non-decreasing after the log empties. */
    private long compactedTimestamp;
    private final ArrayList<Entry> entries = new ArrayList<>();
    /** First index not yet handed to storage through a Ready. */
    private long unstableFrom;

    EntryLog(long snapshotIndex, long snapshotTerm, List<Entry> stable) {
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        long expect = snapshotIndex + 1;
        for (Entry e : stable) {
            Invariants.check(e.index() == expect, "restored log has a gap: expected index %d, got %d", expect, e.index());
            entries.add(e);
            expect++;
        }
        this.unstableFrom = expect;
    }

    long snapshotIndex() {
        return snapshotIndex;
    }

    long snapshotTerm() {
        return snapshotTerm;
    }

    long firstIndex() {
        return snapshotIndex + 1;
    }

    long lastIndex() {
        return snapshotIndex + entries.size();
    }

    long lastTerm() {
        return entries.isEmpty() ? snapshotTerm : entries.get(entries.size() - 1).term();
    }

    long lastTimestamp() {
        return entries.isEmpty() ? compactedTimestamp : entries.get(entries.size() - 1).timestamp();
    }

    /** Term of the entry at {@code index}, or {@link #UNKNOWN_TERM} if compacted away or beyond the end. */
    long term(long index) {
        if (index == snapshotIndex) {
            return snapshotTerm;
        }
        if (index < snapshotIndex || index > lastIndex()) {
            return UNKNOWN_TERM;
        }
        return entries.get((int) (index - snapshotIndex - 1)).term();
    }

    boolean matchTerm(long index, long term) {
        long t = term(index);
        return t != UNKNOWN_TERM && t == term;
    }

    Entry entry(long index) {
        Invariants.check(index > snapshotIndex && index <= lastIndex(), "entry %d outside (%d, %d]",
                index, snapshotIndex, lastIndex());
        return entries.get((int) (index - snapshotIndex - 1));
    }

    /** §5.4.1: is a log ending at (lastTerm, lastIndex) at least as up to date as ours? */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long myTerm = lastTerm();
        return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
    }

    void append(Entry e) {
        Invariants.check(e.index() == lastIndex() + 1, "append of index %d, expected %d", e.index(), lastIndex() + 1);
        Invariants.check(e.term() >= lastTerm(), "append of term %d after term %d", e.term(), lastTerm());
        entries.add(e);
    }

    /** Removes every entry at or after {@code index}. */
    void truncateFrom(long index) {
        Invariants.check(index > snapshotIndex, "truncate at %d at or below snapshot %d", index, snapshotIndex);
        int keep = (int) (index - snapshotIndex - 1);
        if (keep < entries.size()) {
            entries.subList(keep, entries.size()).clear();
        }
        unstableFrom = Math.min(unstableFrom, index);
    }

    /** Entries in [from, to) with at most {@code maxBytes} (but at least one entry if the range is non-empty). */
    List<Entry> slice(long from, long toExclusive, long maxBytes) {
        long to = Math.min(toExclusive, lastIndex() + 1);
        if (from >= to) {
            return List.of();
        }
        Invariants.check(from > snapshotIndex, "slice from %d at or below snapshot %d", from, snapshotIndex);
        ArrayList<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            Entry e = entries.get((int) (i - snapshotIndex - 1));
            bytes += e.sizeBytes();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    /** Last index in (snapshotIndex, upTo] whose term is {@code term}, or 0 if there is none. */
    long lastIndexOfTerm(long term, long upTo) {
        for (long i = Math.min(upTo, lastIndex()); i > snapshotIndex; i--) {
            long t = term(i);
            if (t == term) {
                return i;
            }
            if (t < term) {
                return 0;
            }
        }
        return 0;
    }

    /** First index in our log that holds {@code term}, searching down from {@code from}. */
    long firstIndexOfTerm(long term, long from) {
        long i = from;
        while (i - 1 > snapshotIndex && term(i - 1) == term) {
            i--;
        }
        return i;
    }

    boolean hasUnstable() {
        return unstableFrom <= lastIndex();
    }

    List<Entry> unstable() {
        if (unstableFrom > lastIndex()) {
            return List.of();
        }
        return Collections.unmodifiableList(new ArrayList<>(slice(unstableFrom, lastIndex() + 1, Long.MAX_VALUE)));
    }

    void stableTo(long index) {
        unstableFrom = Math.max(unstableFrom, index + 1);
    }

    /** Drops entries at or below {@code index}, which becomes the snapshot point. */
    void compactTo(long index) {
        if (index <= snapshotIndex) {
            return;
        }
        Invariants.check(index <= lastIndex(), "compact to %d beyond last index %d", index, lastIndex());
        long term = term(index);
        compactedTimestamp = Math.max(compactedTimestamp, entries.get((int) (index - snapshotIndex - 1)).timestamp());
        entries.subList(0, (int) (index - snapshotIndex)).clear();
        snapshotIndex = index;
        snapshotTerm = term;
        unstableFrom = Math.max(unstableFrom, index + 1);
    }

    /**
     * Installs a snapshot (§7): if our log holds the snapshot's last entry, keep what follows it;
     * otherwise discard the whole log. Returns whether a suffix was kept.
     */
    boolean restoreSnapshot(long index, long term) {
        if (matchTerm(index, term) && index > snapshotIndex) {
            compactTo(index);
            return true;
        }
        entries.clear();
        snapshotIndex = index;
        snapshotTerm = term;
        unstableFrom = index + 1;
        return false;
    }
}
