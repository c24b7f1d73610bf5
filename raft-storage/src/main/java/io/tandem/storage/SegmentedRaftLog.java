package io.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RaftLog} stored as a directory of segment files.
 *
 * <h2>Files</h2>
 * Segments are named {@code segment-<generation>-<firstIndex>.log} (10 and 20 zero-padded
 * digits). A segment is sealed when the next record would take it past
 * {@link SegmentedRaftLogConfig#segmentSizeBytes()}; the new one is created, its header forced
 * and the directory fsynced before the first record goes into it. Format version 1, all
 * integers big-endian (also in {@code docs/formats.md}):
 * <pre>
 * Segment header, 28 bytes
 *   0  int32  magic 0x54444C47 ("TDLG")
 *   4  int16  format version = 1
 *   6  int16  reserved = 0
 *   8  int64  generation (bumped by reset; only the highest generation is live)
 *  16  int64  first index
 *  24  int32  CRC32C of bytes 0..23
 * Record, 33 + P bytes, back to back after the header
 *   0  int32  length L = 25 + P
 *   4  int32  CRC32C of the L bytes that follow
 *   8  int64  index
 *  16  int64  term
 *  24  int8   type
 *  25  int64  timestamp
 *  33  P      payload
 * </pre>
 * A {@code .lock} file in the directory holds an OS file lock while the log is open, so two
 * processes cannot open the same log.
 *
 * <h2>FileChannel, not mmap</h2>
 * Appends are positional {@link FileChannel#write} calls and durability is
 * {@link FileChannel#force(boolean) force(false)} (fdatasync). This was chosen by measuring
 * ({@code SegmentWriteModeBenchmark.pairedSync} in module {@code jmh}; table and machine in
 * {@code docs/benchmarks.md}, "Storage: log append + fsync"). With a sync after every batch, a
 * mapping of a preallocated segment ran at 1.03x, 1.02x and 0.41x the throughput of a FileChannel
 * writing the same preallocated file, for 161 B, 16.5 KiB and 4 MiB batches: the device flush
 * dominates, and msync of a large range is slower than fdatasync. What helps small batches is
 * preallocation itself (1.29x over appending to a growing file at 161 B), not mapping. A mapping
 * would also cost a pre-sized file to trim, zero-filled tails for recovery to tell from records,
 * SIGBUS instead of an {@link IOException} when the disk is full, and unmapping left to the
 * garbage collector (a deleted segment that is still mapped keeps its disk space, which the
 * disk-full test caught when recovery still mapped segments). Reads also use positional
 * {@code FileChannel} reads, and each verifies its record's CRC. Recovery reads each segment into
 * the heap once, to scan it.
 *
 * <h2>Recovery on open</h2>
 * See {@link SegmentRecovery}: a torn or corrupt tail of the last segment is truncated and logged
 * at WARN with file, offset and dropped bytes; damage anywhere else, an intact record out of
 * sequence, or a gap between segments throws {@link CorruptLogException}. Open then fsyncs the
 * last segment, so {@link #durableIndex()} starts at {@link #lastIndex()}.
 *
 * <h2>Crash consistency of the mutations</h2>
 * <ul>
 *   <li>append: a record is published to readers only after it is fully written; a failed
 *       write is cut off the file again (if even that fails, the log is failed and recovery
 *       truncates it on the next open). A batch that fails part-way leaves a prefix of whole
 *       entries appended; {@link #lastIndex()} says how far.</li>
 *   <li>truncateSuffix: deletes whole segments from the newest down, fsyncing the directory after
 *       each, then truncates and forces the segment holding {@code fromIndex}; every intermediate
 *       state is a contiguous log that is a prefix of the old one.</li>
 *   <li>compactPrefix: deletes whole sealed segments from the oldest up, fsyncing the directory
 *       after each, so the survivors stay contiguous.</li>
 *   <li>reset: creates the first segment of a new generation and fsyncs the directory (the commit
 *       point), then deletes the old generation, which recovery would also delete.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Mutations are serialized by a writer lock; reads take a read lock on the segment list and may
 * run on any thread. {@link #sync()} futures complete on the log's syncer thread
 * {@code tandem-log-sync-<directory name>}; see {@link RaftLog} for the full contract.
 */
public final class SegmentedRaftLog implements RaftLog {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentedRaftLog.class);
    private static final int CHUNK_BYTES = 1 << 20;
    private static final String LOCK_FILE = ".lock";

    private final SegmentedRaftLogConfig config;
    private final ChannelOpener opener;
    private final Path dir;
    private final FileChannel lockChannel;
    private final GroupCommit groupCommit;

    /** Serializes mutations. Lock order: writerLock, then syncLock, then stateLock. */
    private final ReentrantLock writerLock = new ReentrantLock();
    /** Held by the syncer while it forces, and by mutations that close or delete segments. */
    private final ReentrantLock syncLock = new ReentrantLock();
    /** Guards {@link #segments} and {@link #terms} and each segment's offset index. */
    private final ReentrantReadWriteLock stateLock = new ReentrantReadWriteLock();

    private final List<Segment> segments;
    private final TermRuns terms;
    private long generation;
    private volatile long firstIndex;
    private volatile long lastIndex;
    private volatile long durableIndex;
    /** Count of truncations and resets, so that a sync racing with one cannot wait forever. */
    private volatile long epoch;
    private volatile StorageException failure;
    private volatile boolean closed;

    // Writer-only encoding state.
    private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(CHUNK_BYTES);
    private int[] recordSizes = new int[256];
    private final CRC32C crc = new CRC32C();

    private SegmentedRaftLog(SegmentedRaftLogConfig config, ChannelOpener opener, FileChannel lockChannel,
            SegmentRecovery.Result recovered) {
        this.config = config;
        this.opener = opener;
        this.dir = config.directory();
        this.lockChannel = lockChannel;
        this.segments = recovered.segments();
        this.terms = recovered.terms();
        this.generation = recovered.generation();
        this.firstIndex = segments.get(0).firstIndex();
        this.lastIndex = last().lastIndex();
        this.durableIndex = lastIndex;
        this.groupCommit = new GroupCommit("tandem-log-sync-" + dir.getFileName(), this::flush, this::fail);
    }

    /**
     * Opens the log in {@code config.directory()}, creating it if needed, and runs recovery.
     *
     * @throws CorruptLogException if recovery finds damage that is not a torn tail
     * @throws StorageException if the directory is in use by another process, or on an I/O error
     */
    public static SegmentedRaftLog open(SegmentedRaftLogConfig config) {
        return open(config, ChannelOpener.SYSTEM);
    }

    static SegmentedRaftLog open(SegmentedRaftLogConfig config, ChannelOpener opener) {
        Path dir = config.directory();
        FileChannel lock = lockDirectory(dir);
        try {
            SegmentRecovery.Result r = SegmentRecovery.recover(dir, opener);
            if (r.segments().isEmpty()) {
                r.segments().add(Segment.create(opener, dir, r.generation(), 1));
                DurableFiles.fsyncDirectory(dir);
            }
            r.segments().get(r.segments().size() - 1).force();
            SegmentedRaftLog log = new SegmentedRaftLog(config, opener, lock, r);
            LOG.info("opened log {}: generation {}, entries [{}, {}] in {} segment(s)", dir, log.generation,
                    log.firstIndex, log.lastIndex, r.segments().size());
            return log;
        } catch (IOException | RuntimeException e) {
            closeAfter(lock, e);
            throw e instanceof IOException io ? DurableFiles.wrap("open log " + dir, io) : (RuntimeException) e;
        }
    }

    private static FileChannel lockDirectory(Path dir) {
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                throw new StorageException("log directory " + dir + " is in use by another process");
            }
            return ch;
        } catch (OverlappingFileLockException e) {
            closeAfter(ch, e);
            throw new StorageException("log directory " + dir + " is already open in this process", e);
        } catch (IOException e) {
            closeAfter(ch, e);
            throw DurableFiles.wrap("lock log directory " + dir, e);
        } catch (RuntimeException e) {
            closeAfter(ch, e);
            throw e;
        }
    }

    /** The directory this log lives in. */
    public Path directory() {
        return dir;
    }

    @Override
    public long firstIndex() {
        return firstIndex;
    }

    @Override
    public long lastIndex() {
        return lastIndex;
    }

    @Override
    public long durableIndex() {
        return durableIndex;
    }

    @Override
    public long term(long index) {
        stateLock.readLock().lock();
        try {
            checkUsable();
            LogChecks.checkPresent(index, firstIndex, lastIndex);
            return terms.term(index);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    @Override
    public LogEntry entry(long index) {
        stateLock.readLock().lock();
        try {
            checkUsable();
            LogChecks.checkPresent(index, firstIndex, lastIndex);
            return segmentFor(index).read(index);
        } catch (IOException e) {
            throw DurableFiles.wrap("read index " + index + " of log " + dir, e);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    @Override
    public List<LogEntry> entries(long fromInclusive, long toExclusive, long maxBytes) {
        stateLock.readLock().lock();
        try {
            checkUsable();
            List<LogEntry> out = new ArrayList<>();
            if (LogChecks.checkRange(fromInclusive, toExclusive, maxBytes, firstIndex, lastIndex)) {
                readRange(fromInclusive, toExclusive, maxBytes, out);
            }
            return out;
        } catch (IOException e) {
            throw DurableFiles.wrap("read [" + fromInclusive + ", " + toExclusive + ") of log " + dir, e);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    private void readRange(long from, long to, long maxBytes, List<LogEntry> out) throws IOException {
        long[] budget = {maxBytes};
        long next = from;
        while (next < to) {
            Segment s = segmentFor(next);
            long end = Math.min(to, s.lastIndex() + 1);
            s.read(next, end, budget, out);
            long reached = from + out.size();
            if (reached < end) {
                return;
            }
            next = end;
        }
    }

    @Override
    public void append(List<LogEntry> entries) {
        writerLock.lock();
        try {
            checkUsable();
            LogChecks.checkBatch(entries, lastIndex + 1, config.maxEntryBytes());
            int next = 0;
            while (next < entries.size()) {
                next = appendChunk(entries, next);
            }
        } finally {
            writerLock.unlock();
        }
    }

    /** Writes and publishes as many entries from {@code from} as fit one buffer and one segment. */
    private int appendChunk(List<LogEntry> entries, int from) {
        Segment s = segmentWithRoomFor(entries.get(from));
        long room = config.segmentSizeBytes() - s.endPosition();
        writeBuffer.clear();
        int i = from;
        while (i < entries.size()) {
            int size = SegmentFormat.RECORD_OVERHEAD_BYTES + entries.get(i).payload().length;
            if (size > room || (size > writeBuffer.remaining() && i > from)) {
                break;
            }
            ensureBufferRoom(size);
            SegmentFormat.encode(entries.get(i), writeBuffer, crc);
            recordSize(i - from, size);
            room -= size;
            i++;
        }
        if (i == from) {
            // segmentWithRoomFor and the config's size check guarantee room for one record.
            throw new IllegalStateException("no room for entry " + entries.get(from).index() + " in " + s);
        }
        writeBuffer.flip();
        try {
            s.write(writeBuffer);
        } catch (IOException e) {
            throw rollback(s, e);
        }
        publish(s, entries, from, i);
        return i;
    }

    private void ensureBufferRoom(int size) {
        if (size > writeBuffer.capacity()) {
            writeBuffer = ByteBuffer.allocateDirect(size);
        }
    }

    private void recordSize(int k, int size) {
        if (k == recordSizes.length) {
            recordSizes = Arrays.copyOf(recordSizes, k * 2);
        }
        recordSizes[k] = size;
    }

    private void publish(Segment s, List<LogEntry> entries, int from, int to) {
        stateLock.writeLock().lock();
        try {
            s.publish(recordSizes, to - from);
            for (int i = from; i < to; i++) {
                terms.append(entries.get(i).index(), entries.get(i).term());
            }
            lastIndex = entries.get(to - 1).index();
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    private StorageException rollback(Segment s, IOException cause) {
        String what = "append at index " + (lastIndex + 1) + " to " + s.path() + " at offset " + s.endPosition();
        try {
            s.rollback();
        } catch (IOException e) {
            cause.addSuppressed(e);
            return fail(new IOException(what + " failed and could not be rolled back", cause));
        }
        return DurableFiles.wrap(what, cause);
    }

    private Segment segmentWithRoomFor(LogEntry e) {
        Segment s = last();
        long size = SegmentFormat.RECORD_OVERHEAD_BYTES + (long) e.payload().length;
        if (s.isEmpty() || s.endPosition() + size <= config.segmentSizeBytes()) {
            return s;
        }
        return roll(s);
    }

    /** Seals {@code full}: forces it, then creates the next segment and makes it durable. */
    private Segment roll(Segment full) {
        try {
            full.force();
        } catch (IOException e) {
            throw fail(e);
        }
        Segment next;
        try {
            next = Segment.create(opener, dir, generation, lastIndex + 1);
        } catch (IOException e) {
            throw DurableFiles.wrap("create segment " + Segment.fileName(generation, lastIndex + 1) + " in " + dir, e);
        }
        try {
            DurableFiles.fsyncDirectory(dir);
        } catch (IOException e) {
            closeAfter(next, e);
            throw fail(e);
        }
        stateLock.writeLock().lock();
        try {
            segments.add(next);
        } finally {
            stateLock.writeLock().unlock();
        }
        LOG.debug("sealed {}, started {}", full, next);
        return next;
    }

    @Override
    public CompletableFuture<Long> sync() {
        checkUsable();
        long requestEpoch = epoch;
        long target = lastIndex;
        long durable = durableIndex;
        if (target <= durable) {
            return CompletableFuture.completedFuture(durable);
        }
        return groupCommit.request(target, requestEpoch);
    }

    /** The syncer's fsync: forces the active segment (sealed ones were forced when sealed). */
    private GroupCommit.Flushed flush() throws IOException {
        syncLock.lock();
        try {
            checkUsable();
            Segment active;
            long target;
            stateLock.readLock().lock();
            try {
                active = last();
                target = lastIndex;
            } finally {
                stateLock.readLock().unlock();
            }
            if (target > durableIndex) {
                active.force();
                durableIndex = target;
            }
            return new GroupCommit.Flushed(durableIndex, epoch);
        } finally {
            syncLock.unlock();
        }
    }

    @Override
    public void truncateSuffix(long fromIndex) {
        writerLock.lock();
        try {
            checkUsable();
            LogChecks.checkTruncate(fromIndex, firstIndex);
            if (fromIndex > lastIndex) {
                return;
            }
            syncLock.lock();
            try {
                truncateFiles(fromIndex);
            } catch (IOException e) {
                throw fail(e);
            } finally {
                syncLock.unlock();
            }
            groupCommit.completeAll(durableIndex);
            LOG.info("log {}: truncated entries >= {}", dir, fromIndex);
        } finally {
            writerLock.unlock();
        }
    }

    private void truncateFiles(long fromIndex) throws IOException {
        stateLock.writeLock().lock();
        try {
            while (segments.size() > 1 && last().firstIndex() >= fromIndex) {
                Segment s = segments.remove(segments.size() - 1);
                s.delete();
                DurableFiles.fsyncDirectory(dir);
            }
            last().truncateFrom(fromIndex);
            terms.truncateFrom(fromIndex);
            lastIndex = fromIndex - 1;
            durableIndex = lastIndex;
            epoch++;
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    @Override
    public void compactPrefix(long upToIndexInclusive) {
        writerLock.lock();
        try {
            checkUsable();
            List<Segment> removed = new ArrayList<>();
            stateLock.writeLock().lock();
            try {
                while (segments.size() > 1 && segments.get(0).lastIndex() <= upToIndexInclusive) {
                    removed.add(segments.remove(0));
                }
                firstIndex = segments.get(0).firstIndex();
                terms.compactBefore(firstIndex);
            } finally {
                stateLock.writeLock().unlock();
            }
            deleteInOrder(removed);
        } finally {
            writerLock.unlock();
        }
    }

    private void deleteInOrder(List<Segment> removed) {
        try {
            for (Segment s : removed) {
                s.delete();
                DurableFiles.fsyncDirectory(dir);
                LOG.debug("compacted {}", s);
            }
        } catch (IOException e) {
            throw fail(e);
        }
    }

    @Override
    public void reset(long nextIndex) {
        writerLock.lock();
        try {
            checkUsable();
            LogChecks.checkReset(nextIndex);
            syncLock.lock();
            try {
                resetFiles(nextIndex);
            } finally {
                syncLock.unlock();
            }
            groupCommit.completeAll(durableIndex);
            LOG.info("log {}: reset to next index {} (generation {})", dir, nextIndex, generation);
        } finally {
            writerLock.unlock();
        }
    }

    private void resetFiles(long nextIndex) {
        Segment fresh;
        try {
            fresh = Segment.create(opener, dir, generation + 1, nextIndex);
        } catch (IOException e) {
            throw DurableFiles.wrap("reset log " + dir + ": create " + Segment.fileName(generation + 1, nextIndex), e);
        }
        try {
            DurableFiles.fsyncDirectory(dir); // the commit point of the reset
        } catch (IOException e) {
            closeAfter(fresh, e);
            throw fail(e);
        }
        List<Segment> old;
        stateLock.writeLock().lock();
        try {
            old = new ArrayList<>(segments);
            segments.clear();
            segments.add(fresh);
            terms.clear();
            generation++;
            firstIndex = nextIndex;
            lastIndex = nextIndex - 1;
            durableIndex = lastIndex;
            epoch++;
        } finally {
            stateLock.writeLock().unlock();
        }
        deleteObsolete(old);
    }

    private void deleteObsolete(List<Segment> old) {
        for (Segment s : old) {
            try {
                s.delete();
            } catch (IOException e) {
                LOG.warn("log {}: could not delete {} of the superseded generation; the next open deletes it",
                        dir, s.path(), e);
            }
        }
    }

    @Override
    public void close() {
        writerLock.lock();
        try {
            if (closed) {
                return;
            }
            IOException finalSync = finalSync();
            closed = true;
            groupCommit.completeAll(durableIndex);
            groupCommit.stop();
            closeFiles();
            if (finalSync != null) {
                throw DurableFiles.wrap("final sync of log " + dir, finalSync);
            }
            LOG.info("closed log {} at index {}", dir, lastIndex);
        } finally {
            writerLock.unlock();
        }
    }

    private IOException finalSync() {
        if (failure != null) {
            return null;
        }
        syncLock.lock();
        try {
            last().force();
            durableIndex = lastIndex;
            return null;
        } catch (IOException e) {
            fail(e);
            return e;
        } finally {
            syncLock.unlock();
        }
    }

    private void closeFiles() {
        for (Segment s : segments) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.warn("log {}: closing {} failed", dir, s.path(), e);
            }
        }
        try {
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("log {}: releasing the directory lock failed", dir, e);
        }
    }

    /** Marks the log failed: it can no longer vouch for its files until reopened. */
    private StorageException fail(Exception cause) {
        if (closed && cause instanceof StorageClosedException closedException) {
            return closedException; // a sync that raced with close(): not a failure of the files
        }
        StorageException e = cause instanceof StorageException se ? se
                : cause instanceof IOException io ? DurableFiles.wrap("log " + dir, io)
                : new StorageException("log " + dir + ": " + cause, cause);
        if (failure == null) {
            failure = e;
            LOG.error("log {} failed; it refuses further calls until reopened", dir, cause);
        }
        groupCommit.failAll(e);
        return e;
    }

    private void checkUsable() {
        if (closed) {
            throw new StorageClosedException("log " + dir);
        }
        StorageException f = failure;
        if (f != null) {
            throw new StorageException("log " + dir + " failed earlier (" + f.getMessage() + "); close and reopen it", f);
        }
    }

    private Segment last() {
        return segments.get(segments.size() - 1);
    }

    private Segment segmentFor(long index) {
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).firstIndex() <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return segments.get(lo);
    }

    private static void closeAfter(AutoCloseable c, Exception primary) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }

    private static void closeAfter(Segment s, Exception primary) {
        try {
            s.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }
}
