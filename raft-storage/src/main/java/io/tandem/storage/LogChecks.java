package io.tandem.storage;

import java.util.List;

/** Argument checks shared by the {@link RaftLog} implementations, so both reject the same input. */
final class LogChecks {

    private LogChecks() {
    }

    /** Checks that {@code entries} start at {@code nextIndex}, are contiguous and within size. */
    static void checkBatch(List<LogEntry> entries, long nextIndex, int maxEntryBytes) {
        long expected = nextIndex;
        for (LogEntry e : entries) {
            if (e.index() != expected) {
                throw new IllegalArgumentException("append: expected index " + expected
                        + " but got " + e.index() + " (lastIndex is " + (nextIndex - 1) + ")");
            }
            if (e.payload().length > maxEntryBytes) {
                throw new IllegalArgumentException("append: entry " + e.index() + " payload is "
                        + e.payload().length + " bytes, above maxEntryBytes (" + maxEntryBytes + ")");
            }
            expected++;
        }
    }

    /** Throws unless {@code index} lies in {@code [firstIndex, lastIndex]}. */
    static void checkPresent(long index, long firstIndex, long lastIndex) {
        if (index < firstIndex || index > lastIndex) {
            throw new EntryUnavailableException(index, firstIndex, lastIndex);
        }
    }

    /** Checks a read range; returns false if it is empty (and valid). */
    static boolean checkRange(long from, long toExclusive, long maxBytes, long firstIndex, long lastIndex) {
        if (from > toExclusive) {
            throw new IllegalArgumentException("entries: fromInclusive (" + from
                    + ") must be <= toExclusive (" + toExclusive + ")");
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("entries: maxBytes (" + maxBytes + ") must be >= 0");
        }
        if (from == toExclusive) {
            return false;
        }
        checkPresent(from, firstIndex, lastIndex);
        checkPresent(toExclusive - 1, firstIndex, lastIndex);
        return true;
    }

    /** Checks the argument of {@code truncateSuffix}. */
    static void checkTruncate(long fromIndex, long firstIndex) {
        if (fromIndex < firstIndex) {
            throw new IllegalArgumentException("truncateSuffix: fromIndex (" + fromIndex
                    + ") is below firstIndex (" + firstIndex + "); compacted entries cannot be truncated");
        }
    }

    /** Checks the argument of {@code reset}. */
    static void checkReset(long nextIndex) {
        if (nextIndex < 1) {
            throw new IllegalArgumentException("reset: nextIndex (" + nextIndex + ") must be >= 1");
        }
    }
}
