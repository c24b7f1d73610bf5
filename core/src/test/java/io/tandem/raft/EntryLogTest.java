package io.tandem.raft;

import static io.tandem.raft.RaftTestCluster.log;
import static io.tandem.raft.RaftTestCluster.terms;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EntryLogTest {

    private static Entry e(long index, long term) {
        return new Entry(index, term, EntryType.NORMAL, index * 10, new byte[(int) index]);
    }

    /** Terms 1 1 2 2 3 at indexes 1..5, all stable. */
    private static EntryLog fiveEntries() {
        return new EntryLog(0, 0, log(1, 1, 2, 2, 3));
    }

    @Test
    @DisplayName("indexes and terms of an empty log, a restored log and a log after a snapshot")
    void indexesAndTerms() {
        EntryLog empty = new EntryLog(0, 0, List.of());
        assertEquals(0, empty.lastIndex());
        assertEquals(0, empty.lastTerm());
        assertEquals(1, empty.firstIndex());
        assertEquals(0, empty.term(0));
        assertEquals(EntryLog.UNKNOWN_TERM, empty.term(1));

        EntryLog l = fiveEntries();
        assertEquals(5, l.lastIndex());
        assertEquals(3, l.lastTerm());
        assertEquals(2, l.term(3));
        assertEquals(EntryLog.UNKNOWN_TERM, l.term(6));
        assertTrue(l.matchTerm(4, 2));
        assertFalse(l.matchTerm(4, 3));
        assertFalse(l.matchTerm(6, EntryLog.UNKNOWN_TERM), "an unknown term never matches");
        assertFalse(l.hasUnstable(), "restored entries are already durable");

        EntryLog snap = new EntryLog(10, 4, List.of(e(11, 4), e(12, 5)));
        assertEquals(11, snap.firstIndex());
        assertEquals(4, snap.term(10));
        assertEquals(EntryLog.UNKNOWN_TERM, snap.term(9));
        assertEquals(12, snap.lastIndex());
        assertEquals(120, snap.lastTimestamp());
    }

    @Test
    @DisplayName("a restored log with a gap, an append that skips or goes back in term, fail fast")
    void invariants() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new EntryLog(0, 0, List.of(e(1, 1), e(3, 1))));
        assertEquals("restored log has a gap: expected index 2, got 3", e.getMessage());
        EntryLog l = fiveEntries();
        e = assertThrows(IllegalStateException.class, () -> l.append(e(7, 3)));
        assertEquals("append of index 7, expected 6", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> l.append(e(6, 2)));
        assertEquals("append of term 2 after term 3", e.getMessage());
        assertThrows(IllegalStateException.class, () -> l.entry(0));
        assertThrows(IllegalStateException.class, () -> l.entry(6));
    }

    @ParameterizedTest(name = "candidate last ({0}, {1}) -> {2}")
    @CsvSource({"5, 3, true", "6, 3, true", "4, 3, false", "1, 4, true", "9, 2, false", "0, 0, false"})
    @DisplayName("§5.4.1 isUpToDate compares last terms first, then last indexes")
    void upToDate(long lastIndex, long lastTerm, boolean expected) {
        assertEquals(expected, fiveEntries().isUpToDate(lastIndex, lastTerm));
    }

    @Test
    @DisplayName("unstable entries are handed out once, and again after a truncation")
    void unstableTracking() {
        EntryLog l = fiveEntries();
        l.append(e(6, 3));
        l.append(e(7, 4));
        assertTrue(l.hasUnstable());
        assertEquals(List.of(e(6, 3), e(7, 4)), l.unstable());
        l.stableTo(7);
        assertFalse(l.hasUnstable());
        assertEquals(List.of(), l.unstable());

        l.truncateFrom(4);
        assertEquals(3, l.lastIndex());
        assertFalse(l.hasUnstable());
        l.append(e(4, 5));
        assertEquals(List.of(e(4, 5)), l.unstable(), "the replacement must be persisted");
        assertThrows(IllegalStateException.class, () -> l.truncateFrom(0));
    }

    @Test
    @DisplayName("slice honours the byte limit but always returns at least one entry")
    void sliceLimits() {
        EntryLog l = new EntryLog(0, 0, List.of(e(1, 1), e(2, 1), e(3, 1), e(4, 1)));
        // Entry sizes: payload index bytes + 32.
        assertEquals(List.of(e(1, 1)), l.slice(1, 5, 1));
        assertEquals(List.of(e(1, 1), e(2, 1)), l.slice(1, 5, 33 + 34));
        assertEquals(List.of(e(1, 1), e(2, 1), e(3, 1), e(4, 1)), l.slice(1, 99, Long.MAX_VALUE));
        assertEquals(List.of(), l.slice(3, 3, 100));
        assertEquals(List.of(), l.slice(5, 9, 100));
        EntryLog compacted = new EntryLog(2, 1, List.of(e(3, 1)));
        assertThrows(IllegalStateException.class, () -> compacted.slice(2, 4, 100));
    }

    @Test
    @DisplayName("conflict-hint helpers: last index of a term, first index of a run")
    void termSearch() {
        EntryLog l = fiveEntries(); // 1 1 2 2 3
        assertEquals(4, l.lastIndexOfTerm(2, 5));
        assertEquals(3, l.lastIndexOfTerm(2, 3));
        assertEquals(0, l.lastIndexOfTerm(2, 2), "below the run of term 2 the terms are smaller");
        assertEquals(5, l.lastIndexOfTerm(3, 9));
        assertEquals(0, l.lastIndexOfTerm(7, 5));
        assertEquals(3, l.firstIndexOfTerm(2, 4));
        assertEquals(1, l.firstIndexOfTerm(1, 2));
        assertEquals(5, l.firstIndexOfTerm(3, 5));
    }

    @Test
    @DisplayName("§7 compactTo drops entries and remembers the snapshot's term")
    void compaction() {
        EntryLog l = fiveEntries();
        l.compactTo(3);
        assertEquals(3, l.snapshotIndex());
        assertEquals(2, l.snapshotTerm());
        assertEquals(2, l.term(3));
        assertEquals(EntryLog.UNKNOWN_TERM, l.term(2));
        assertEquals(5, l.lastIndex());
        assertArrayEquals(new long[] {2, 3}, terms(l.slice(4, 6, Long.MAX_VALUE)));
        l.compactTo(2); // no-op
        assertEquals(3, l.snapshotIndex());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.compactTo(6));
        assertEquals("compact to 6 beyond last index 5", e.getMessage());
    }

    @Test
    @DisplayName("§7 restoreSnapshot keeps a matching suffix, otherwise discards the log")
    void restoreSnapshot() {
        EntryLog keep = fiveEntries();
        assertTrue(keep.restoreSnapshot(3, 2));
        assertEquals(3, keep.snapshotIndex());
        assertEquals(5, keep.lastIndex());

        EntryLog conflict = fiveEntries();
        assertFalse(conflict.restoreSnapshot(3, 9));
        assertEquals(3, conflict.snapshotIndex());
        assertEquals(3, conflict.lastIndex());
        assertEquals(9, conflict.lastTerm());

        EntryLog beyond = fiveEntries();
        assertFalse(beyond.restoreSnapshot(8, 3));
        assertEquals(8, beyond.lastIndex());
        assertFalse(beyond.hasUnstable());
        beyond.append(e(9, 3));
        assertEquals(List.of(e(9, 3)), beyond.unstable());
    }
}
