package io.tandem.storage;

/**
 * The term of every index in the log, stored as runs: terms change rarely, so the log keeps one
 * (start index, term) pair per run instead of one term per entry. Not thread-safe.
 */
final class TermRuns {

    private final LongList starts = new LongList(16);
    private final LongList terms = new LongList(16);

    /** Records that {@code index}, the next index of the log, has {@code term}. */
    void append(long index, long term) {
        if (terms.size() == 0 || terms.last() != term) {
            starts.add(index);
            terms.add(term);
        }
    }

    /** The term of {@code index}, which the caller knows to be present. */
    long term(long index) {
        int run = starts.floor(index);
        if (run < 0) {
            throw new IllegalStateException("no term run covers index " + index);
        }
        return terms.get(run);
    }

    /** Forgets every index {@code >= fromIndex}. */
    void truncateFrom(long fromIndex) {
        int keep = starts.floor(fromIndex - 1) + 1;
        starts.truncate(keep);
        terms.truncate(keep);
    }

    /** Forgets runs that end before {@code firstIndex}. */
    void compactBefore(long firstIndex) {
        int run = starts.floor(firstIndex);
        if (run > 0) {
            starts.dropFirst(run);
            terms.dropFirst(run);
        }
    }

    void clear() {
        starts.truncate(0);
        terms.truncate(0);
    }
}
