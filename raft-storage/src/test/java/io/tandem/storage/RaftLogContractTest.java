package io.tandem.storage;

import static io.tandem.storage.Entries.batch;
import static io.tandem.storage.Entries.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@link RaftLog} contract, run against every implementation. */
abstract class RaftLogContractTest {

    protected RaftLog log;

    /** A new, empty log. */
    protected abstract RaftLog newLog();

    /** The payload limit of the logs {@link #newLog()} makes. */
    protected abstract int maxEntryBytes();

    @BeforeEach
    void openLog() {
        log = newLog();
    }

    @AfterEach
    void closeLog() {
        log.close();
    }

    @Test
    void newLogIsEmpty() {
        assertEquals(1, log.firstIndex());
        assertEquals(0, log.lastIndex());
        assertEquals(0, log.durableIndex());
        assertEquals(List.of(), log.entries(1, 1, Long.MAX_VALUE));
        assertThrows(EntryUnavailableException.class, () -> log.entry(1));
    }

    @Test
    void appendedEntriesAreReadableRightAway() {
        List<LogEntry> b = batch(1, 20, 3);
        log.append(b);
        assertEquals(1, log.firstIndex());
        assertEquals(20, log.lastIndex());
        for (LogEntry e : b) {
            assertEquals(e, log.entry(e.index()));
            assertEquals(3, log.term(e.index()));
        }
        assertEquals(b, log.entries(1, 21, Long.MAX_VALUE));
    }

    @Test
    void emptyBatchChangesNothing() {
        log.append(List.of());
        assertEquals(0, log.lastIndex());
    }

    @Test
    void appendMustStartAtLastIndexPlusOne() {
        log.append(batch(1, 5, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.append(batch(7, 2, 1)));
        assertTrue(e.getMessage().contains("expected index 6 but got 7"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> log.append(batch(5, 2, 1)));
        assertEquals(5, log.lastIndex());
    }

    @Test
    void appendRejectsAGapInsideTheBatchAndWritesNothing() {
        List<LogEntry> b = new ArrayList<>(batch(1, 3, 1));
        b.add(entry(5, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.append(b));
        assertTrue(e.getMessage().contains("expected index 4 but got 5"), e.getMessage());
        assertEquals(0, log.lastIndex());
        log.append(batch(1, 1, 1));
        assertEquals(1, log.lastIndex());
    }

    @Test
    void entrySizeLimitIsEnforced() {
        log.append(List.of(entry(1, 1, maxEntryBytes())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.append(List.of(entry(2, 1, maxEntryBytes() + 1))));
        assertTrue(e.getMessage().contains("above maxEntryBytes (" + maxEntryBytes() + ")"), e.getMessage());
        assertEquals(1, log.lastIndex());
        assertEquals(maxEntryBytes(), log.entry(1).payload().length);
    }

    @Test
    void readsOutsideTheLogSayWhichSide() {
        log.append(batch(1, 10, 1));
        EntryUnavailableException beyond = assertThrows(EntryUnavailableException.class, () -> log.term(11));
        assertFalse(beyond.isCompacted());
        assertEquals(11, beyond.index());
        assertThrows(EntryUnavailableException.class, () -> log.term(0));
        assertThrows(EntryUnavailableException.class, () -> log.entry(11));
        assertThrows(EntryUnavailableException.class, () -> log.entries(5, 12, Long.MAX_VALUE));
    }

    @Test
    void rangeReadsHonourBounds() {
        log.append(batch(1, 30, 2));
        assertEquals(batch(10, 5, 2), log.entries(10, 15, Long.MAX_VALUE));
        assertEquals(List.of(), log.entries(31, 31, Long.MAX_VALUE));
        assertEquals(List.of(), log.entries(7, 7, 0));
        assertThrows(IllegalArgumentException.class, () -> log.entries(8, 7, 10));
        assertThrows(IllegalArgumentException.class, () -> log.entries(1, 2, -1));
    }

    @Test
    void maxBytesStopsBeforeTheLimitButReturnsAtLeastOneEntry() {
        log.append(batch(1, 10, 1, 100));
        int size = entry(1, 1, 100).sizeBytes();
        assertEquals(1, log.entries(1, 11, 0).size());
        assertEquals(1, log.entries(1, 11, size).size());
        assertEquals(2, log.entries(1, 11, 2L * size + size / 2).size());
        assertEquals(batch(3, 3, 1, 100), log.entries(3, 11, 3L * size));
        assertEquals(10, log.entries(1, 11, 10L * size).size());
    }

    @Test
    void truncateSuffixDropsTheTailAndIsDurable() {
        log.append(batch(1, 20, 1));
        log.truncateSuffix(15);
        assertEquals(14, log.lastIndex());
        assertEquals(14, log.durableIndex());
        assertThrows(EntryUnavailableException.class, () -> log.entry(15));
        log.append(batch(15, 3, 2));
        assertEquals(2, log.term(15));
        assertEquals(1, log.term(14));
        assertEquals(entry(16, 2), log.entry(16));
    }

    @Test
    void truncateSuffixAboveTheEndChangesNothingAndBelowFirstIndexIsRejected() {
        log.append(batch(1, 5, 1));
        log.truncateSuffix(6);
        assertEquals(5, log.lastIndex());
        log.reset(100);
        assertThrows(IllegalArgumentException.class, () -> log.truncateSuffix(99));
    }

    @Test
    void truncateEverything() {
        log.append(batch(1, 5, 1));
        log.truncateSuffix(1);
        assertEquals(1, log.firstIndex());
        assertEquals(0, log.lastIndex());
        log.append(batch(1, 2, 4));
        assertEquals(4, log.term(2));
    }

    @Test
    void compactPrefixKeepsWhatItReportsAndTheTail() {
        log.append(batch(1, 200, 1, 100));
        log.compactPrefix(120);
        long first = log.firstIndex();
        assertTrue(first >= 1 && first <= 121, "firstIndex " + first);
        assertEquals(200, log.lastIndex());
        for (long i = first; i <= 200; i++) {
            assertEquals(entry(i, 1, 100), log.entry(i));
        }
        if (first > 1) {
            EntryUnavailableException e = assertThrows(EntryUnavailableException.class, () -> log.entry(first - 1));
            assertTrue(e.isCompacted());
        }
        log.append(batch(201, 1, 1, 100));
        assertEquals(201, log.lastIndex());
    }

    @Test
    void compactBeyondTheEndKeepsLastIndex() {
        log.append(batch(1, 10, 1));
        log.compactPrefix(1_000);
        assertEquals(10, log.lastIndex());
        assertTrue(log.firstIndex() <= 11);
    }

    @Test
    void resetStartsOverAtTheGivenIndex() {
        log.append(batch(1, 10, 1));
        log.reset(500);
        assertEquals(500, log.firstIndex());
        assertEquals(499, log.lastIndex());
        assertEquals(499, log.durableIndex());
        assertThrows(EntryUnavailableException.class, () -> log.entry(5));
        assertThrows(IllegalArgumentException.class, () -> log.append(batch(11, 1, 1)));
        log.append(batch(500, 3, 7));
        assertEquals(7, log.term(502));
        assertThrows(IllegalArgumentException.class, () -> log.reset(0));
    }

    @Test
    void resetBackwardsAlsoWorks() {
        log.append(batch(1, 10, 1));
        log.reset(3);
        assertEquals(3, log.firstIndex());
        assertEquals(2, log.lastIndex());
        log.append(batch(3, 1, 9));
        assertEquals(entry(3, 9), log.entry(3));
    }

    @Test
    void syncMakesEverythingAppendedBeforeItDurable() throws Exception {
        log.append(batch(1, 10, 1));
        long synced = log.sync().get(30, TimeUnit.SECONDS);
        assertTrue(synced >= 10, "synced " + synced);
        assertTrue(log.durableIndex() >= 10);
        assertEquals(log.durableIndex(), log.sync().get(30, TimeUnit.SECONDS));
    }

    @Test
    void manySyncsAllComplete() throws Exception {
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            log.append(batch(log.lastIndex() + 1, 3, 1));
            futures.add(log.sync());
        }
        for (int i = 0; i < futures.size(); i++) {
            assertTrue(futures.get(i).get(30, TimeUnit.SECONDS) >= 3L * (i + 1));
        }
        assertEquals(150, log.durableIndex());
    }

    @Test
    void closedLogRefusesCalls() {
        log.append(batch(1, 3, 1));
        log.close();
        assertThrows(StorageClosedException.class, () -> log.entry(1));
        assertThrows(StorageClosedException.class, () -> log.append(batch(4, 1, 1)));
        assertThrows(StorageClosedException.class, () -> log.sync());
        log.close();
    }

    /** A random walk over every mutation, checked against a plain list after each step. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomOperationsMatchAReferenceModel(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Model model = new Model();
        for (int step = 0; step < 300; step++) {
            int op = r.nextInt(100);
            if (op < 60) {
                List<LogEntry> b = batch(model.last() + 1, 1 + r.nextInt(20), model.term + r.nextInt(2), r.nextInt(400));
                log.append(b);
                model.entries.addAll(b);
                model.term = b.get(0).term();
            } else if (op < 75 && model.last() >= model.first) {
                long from = model.first + r.nextLong(model.last() - model.first + 2);
                log.truncateSuffix(from);
                model.truncate(from);
            } else if (op < 85) {
                log.compactPrefix(model.first + r.nextInt(100));
                model.compact(log.firstIndex());
            } else if (op < 88) {
                long next = 1 + r.nextInt(2_000);
                log.reset(next);
                model.reset(next);
            } else {
                assertTrue(log.sync().get(30, TimeUnit.SECONDS) >= model.last());
            }
            model.check(log, seed, step);
        }
    }

    private static final class Model {
        long first = 1;
        long term = 1;
        final List<LogEntry> entries = new ArrayList<>();

        long last() {
            return first + entries.size() - 1;
        }

        void truncate(long from) {
            entries.subList((int) (from - first), entries.size()).clear();
        }

        void compact(long newFirst) {
            entries.subList(0, (int) (newFirst - first)).clear();
            first = newFirst;
        }

        void reset(long next) {
            entries.clear();
            first = next;
        }

        void check(RaftLog log, long seed, int step) {
            String where = "seed " + seed + " step " + step;
            assertEquals(last(), log.lastIndex(), where);
            assertEquals(first, log.firstIndex(), where);
            if (!entries.isEmpty()) {
                assertEquals(entries, log.entries(first, last() + 1, Long.MAX_VALUE), where);
                LogEntry lastEntry = entries.get(entries.size() - 1);
                assertEquals(lastEntry.term(), log.term(lastEntry.index()), where);
            }
        }
    }
}
