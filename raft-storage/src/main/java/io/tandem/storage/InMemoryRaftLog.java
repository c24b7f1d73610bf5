package io.tandem.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A {@link RaftLog} held in memory, for tests and the deterministic simulator. Same contract as
 * {@link SegmentedRaftLog}, with these differences:
 * <ul>
 *   <li>"Durable" means "covered by a completed sync". {@link #sync()} runs its completion on the
 *       {@link Executor} given at construction (the caller's thread by default), so a simulator can
 *       delay, reorder or drop it; {@link #durableIndex()} advances when that task runs.</li>
 *   <li>{@link #crash()} models a process crash: every entry above {@link #durableIndex()} is lost.</li>
 *   <li>{@link #compactPrefix(long)} discards exactly the entries asked for.</li>
 * </ul>
 * All methods are {@code synchronized}; the class is safe for any thread.
 */
public final class InMemoryRaftLog implements RaftLog {

    private final Executor syncExecutor;
    private final int maxEntryBytes;
    private final List<LogEntry> entries = new ArrayList<>();
    private long firstIndex = 1;
    private long durableIndex;
    /** Bumped by truncate and reset, so that a sync scheduled before them cannot vouch for newer entries. */
    private long epoch;
    private boolean closed;

    /** A log whose syncs complete on the calling thread, with the default entry size limit. */
    public InMemoryRaftLog() {
        this(Runnable::run, SegmentedRaftLogConfig.DEFAULT_MAX_ENTRY_BYTES);
    }

    /**
     * @param syncExecutor runs the completion of each {@link #sync()}
     * @param maxEntryBytes largest payload {@link #append} accepts
     */
    public InMemoryRaftLog(Executor syncExecutor, int maxEntryBytes) {
        if (maxEntryBytes < 0) {
            throw new IllegalArgumentException("maxEntryBytes (" + maxEntryBytes + ") must be >= 0");
        }
        this.syncExecutor = syncExecutor;
        this.maxEntryBytes = maxEntryBytes;
    }

    @Override
    public synchronized long firstIndex() {
        return firstIndex;
    }

    @Override
    public synchronized long lastIndex() {
        return firstIndex + entries.size() - 1;
    }

    @Override
    public synchronized long durableIndex() {
        return durableIndex;
    }

    @Override
    public synchronized long term(long index) {
        return entry(index).term();
    }

    @Override
    public synchronized void append(List<LogEntry> batch) {
        checkOpen();
        LogChecks.checkBatch(batch, lastIndex() + 1, maxEntryBytes);
        entries.addAll(batch);
    }

    @Override
    public synchronized CompletableFuture<Long> sync() {
        checkOpen();
        CompletableFuture<Long> done = new CompletableFuture<>();
        long target = lastIndex();
        if (target <= durableIndex) {
            done.complete(durableIndex);
            return done;
        }
        long scheduledEpoch = epoch;
        syncExecutor.execute(() -> done.complete(completeSync(target, scheduledEpoch)));
        return done;
    }

    private synchronized long completeSync(long target, long scheduledEpoch) {
        if (scheduledEpoch == epoch) {
            durableIndex = Math.max(durableIndex, Math.min(target, lastIndex()));
        }
        return durableIndex;
    }

    @Override
    public synchronized LogEntry entry(long index) {
        checkOpen();
        LogChecks.checkPresent(index, firstIndex, lastIndex());
        return entries.get((int) (index - firstIndex));
    }

    @Override
    public synchronized List<LogEntry> entries(long fromInclusive, long toExclusive, long maxBytes) {
        checkOpen();
        List<LogEntry> out = new ArrayList<>();
        if (!LogChecks.checkRange(fromInclusive, toExclusive, maxBytes, firstIndex, lastIndex())) {
            return out;
        }
        long bytes = 0;
        for (long i = fromInclusive; i < toExclusive; i++) {
            LogEntry e = entries.get((int) (i - firstIndex));
            bytes += e.sizeBytes();
            if (bytes > maxBytes && !out.isEmpty()) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    @Override
    public synchronized void truncateSuffix(long fromIndex) {
        checkOpen();
        LogChecks.checkTruncate(fromIndex, firstIndex);
        if (fromIndex > lastIndex()) {
            return;
        }
        entries.subList((int) (fromIndex - firstIndex), entries.size()).clear();
        markAllDurable();
    }

    @Override
    public synchronized void compactPrefix(long upToIndexInclusive) {
        checkOpen();
        long upTo = Math.min(upToIndexInclusive, lastIndex());
        if (upTo < firstIndex) {
            return;
        }
        entries.subList(0, (int) (upTo - firstIndex + 1)).clear();
        firstIndex = upTo + 1;
    }

    @Override
    public synchronized void reset(long nextIndex) {
        checkOpen();
        LogChecks.checkReset(nextIndex);
        entries.clear();
        firstIndex = nextIndex;
        markAllDurable();
    }

    /**
     * Simulates a crash and restart: entries above {@link #durableIndex()} are lost, and pending
     * syncs will not advance the durable index.
     */
    public synchronized void crash() {
        checkOpen();
        // Entries below firstIndex were compacted under a snapshot; they cannot be lost again.
        long keepUpTo = Math.max(durableIndex, firstIndex - 1);
        entries.subList((int) (keepUpTo + 1 - firstIndex), entries.size()).clear();
        epoch++;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            markAllDurable();
            closed = true;
        }
    }

    private void markAllDurable() {
        epoch++;
        durableIndex = lastIndex();
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageClosedException("InMemoryRaftLog");
        }
    }
}
