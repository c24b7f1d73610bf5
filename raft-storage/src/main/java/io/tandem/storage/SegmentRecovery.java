package io.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the segments of a log directory and rebuilds their offset indexes, applying the recovery
 * rules of {@link SegmentedRaftLog}:
 * <ol>
 *   <li>Only the highest generation is live. If its last segment is shorter than a header or has
 *       an all-zero header, its creation was torn; it is deleted and the rule applies again.
 *       Segments of older generations are deleted once the live generation has been read.</li>
 *   <li>Every record of a sealed (non-last) segment must be intact and in sequence, and the
 *       file must end exactly after its last record; consecutive segments must be contiguous.</li>
 *   <li>In the last segment, the first damaged record starts the tail, which is truncated, unless
 *       an intact record follows it with no zero-filled 4 KiB page in between: writes lost in a
 *       crash read back as zeros, so damage followed by intact data without such a page is not a
 *       torn write. An intact record out of sequence is never a torn write either.</li>
 * </ol>
 * Violations throw {@link CorruptLogException} naming the file, the offset, expected and actual.
 *
 * <p>Each segment is read into the heap once, one at a time, so opening needs
 * {@link SegmentedRaftLogConfig#segmentSizeBytes()} of free heap.
 */
final class SegmentRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);
    private static final int PAGE_BYTES = 4096;

    /** The live segments in index order, the terms of their entries, and their generation. */
    record Result(List<Segment> segments, TermRuns terms, long generation) {
    }

    private SegmentRecovery() {
    }

    /** Recovers {@code dir}; the result has no segments if the directory holds no live log. */
    static Result recover(Path dir, ChannelOpener opener) throws IOException {
        NavigableMap<Long, NavigableMap<Long, Path>> generations = listSegments(dir);
        while (!generations.isEmpty()) {
            Map.Entry<Long, NavigableMap<Long, Path>> live = generations.lastEntry();
            Path last = live.getValue().lastEntry().getValue();
            if (isTornCreation(last)) {
                LOG.warn("{}: deleting segment whose creation was torn ({} bytes, header missing)", last, Files.size(last));
                DurableFiles.deleteDurably(last);
                live.getValue().pollLastEntry();
                if (live.getValue().isEmpty()) {
                    generations.pollLastEntry();
                }
                continue;
            }
            Result result = openGeneration(live.getKey(), live.getValue(), opener);
            deleteObsolete(generations.headMap(live.getKey(), false));
            return result;
        }
        return new Result(new ArrayList<>(), new TermRuns(), 0);
    }

    private static NavigableMap<Long, NavigableMap<Long, Path>> listSegments(Path dir) throws IOException {
        NavigableMap<Long, NavigableMap<Long, Path>> generations = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (f.getFileName().toString().startsWith(".")) {
                    continue;
                }
                if (!Segment.looksLikeSegment(f)) {
                    LOG.warn("{}: ignoring a file that is not a log segment", f);
                    continue;
                }
                long[] name = Segment.parseName(f);
                generations.computeIfAbsent(name[0], g -> new TreeMap<>()).put(name[1], f);
            }
        }
        return generations;
    }

    private static boolean isTornCreation(Path file) throws IOException {
        long size = Files.size(file);
        if (size < SegmentFormat.HEADER_BYTES) {
            return true;
        }
        if (size > SegmentFormat.HEADER_BYTES) {
            return false;
        }
        byte[] header = Files.readAllBytes(file);
        for (byte b : header) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static Result openGeneration(long generation, NavigableMap<Long, Path> files, ChannelOpener opener)
            throws IOException {
        List<Segment> segments = new ArrayList<>();
        TermRuns terms = new TermRuns();
        try {
            for (Map.Entry<Long, Path> f : files.entrySet()) {
                boolean isLast = f.getKey().equals(files.lastKey());
                Segment s = openSegment(f.getValue(), generation, f.getKey(), isLast, terms, opener);
                segments.add(s);
                checkContiguous(segments);
            }
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments) {
                closeAfter(s, e);
            }
            throw e;
        }
        return new Result(segments, terms, generation);
    }

    private static void checkContiguous(List<Segment> segments) {
        if (segments.size() < 2) {
            return;
        }
        Segment prev = segments.get(segments.size() - 2);
        Segment next = segments.get(segments.size() - 1);
        if (next.firstIndex() != prev.lastIndex() + 1) {
            throw new CorruptLogException(next.path(), 16, "gap between segments: expected first index "
                    + (prev.lastIndex() + 1) + " after " + prev.path().getFileName() + ", got " + next.firstIndex());
        }
    }

    private static Segment openSegment(Path file, long generation, long firstIndex, boolean isLast,
            TermRuns terms, ChannelOpener opener) throws IOException {
        FileChannel ch = opener.open(file, DurableFiles.READ_WRITE);
        try {
            long size = ch.size();
            if (size < SegmentFormat.HEADER_BYTES) {
                throw new CorruptLogException(file, size, "sealed segment is shorter than its header ("
                        + size + " of " + SegmentFormat.HEADER_BYTES + " bytes)");
            }
            // Read into the heap, not mapped: a mapping outlives the channel until the garbage
            // collector unmaps it, and a deleted (compacted) segment would keep its disk space.
            ByteBuffer b = ByteBuffer.allocate((int) size);
            DurableFiles.readFully(ch, b, 0, file);
            b.flip();
            SegmentFormat.checkHeader(b, file, generation, firstIndex);
            LongList offsets = new LongList(1024);
            long end = scanRecords(file, b, firstIndex, isLast, offsets, terms);
            if (end < size) {
                ch.truncate(end);
                ch.force(true);
            }
            return new Segment(file, generation, firstIndex, ch, offsets, end);
        } catch (IOException | RuntimeException e) {
            closeAfter(ch, e);
            throw e;
        }
    }

    /** Indexes the intact records and returns where the valid part of the file ends. */
    private static long scanRecords(Path file, ByteBuffer b, long firstIndex, boolean isLast,
            LongList offsets, TermRuns terms) {
        int pos = SegmentFormat.HEADER_BYTES;
        long expected = firstIndex;
        while (pos < b.limit()) {
            SegmentFormat.Check check = SegmentFormat.check(b, pos, expected);
            if (!check.isIntact()) {
                if (!isLast || check.checksumValid()) {
                    throw new CorruptLogException(file, pos, check.damage()
                            + (isLast ? "" : " in a sealed segment"));
                }
                checkTornTail(file, b, pos, expected, check.damage());
                return pos;
            }
            offsets.add(pos);
            terms.append(expected, SegmentFormat.term(b, pos));
            pos += check.sizeBytes();
            expected++;
        }
        return pos;
    }

    private static void checkTornTail(Path file, ByteBuffer b, int damageAt, long expected, String damage) {
        int next = findIntactRecord(b, damageAt + 1, expected);
        if (next >= 0 && !hasZeroPage(b, damageAt, next)) {
            throw new CorruptLogException(file, damageAt, damage + "; an intact record (index "
                    + b.getLong(next + SegmentFormat.FRAME_BYTES) + ") follows at offset " + next
                    + " with no zero-filled page between, so this is not a torn tail");
        }
        LOG.warn("{}: truncating torn tail at offset {} ({}); dropping {} bytes, first lost index {}{}",
                file, damageAt, damage, b.limit() - damageAt, expected,
                next >= 0 ? " (zero-filled page before intact record at offset " + next + ")" : "");
    }

    /** Offset of the first intact record at or after {@code from} that could follow {@code expected}, or -1. */
    private static int findIntactRecord(ByteBuffer b, int from, long expected) {
        int limit = b.limit();
        long maxIndex = expected + (limit - from) / SegmentFormat.RECORD_OVERHEAD_BYTES + 1;
        for (int y = from; y <= limit - SegmentFormat.RECORD_OVERHEAD_BYTES; y++) {
            int length = b.getInt(y);
            if (length < SegmentFormat.MIN_LENGTH || length > limit - y - SegmentFormat.FRAME_BYTES) {
                continue;
            }
            long index = b.getLong(y + SegmentFormat.FRAME_BYTES);
            if (index < expected || index > maxIndex) {
                continue;
            }
            if (SegmentFormat.crc(b, y + SegmentFormat.FRAME_BYTES, length) == b.getInt(y + 4)) {
                return y;
            }
        }
        return -1;
    }

    private static boolean hasZeroPage(ByteBuffer b, int from, int to) {
        for (int page = (from + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES; page + PAGE_BYTES <= to; page += PAGE_BYTES) {
            if (isZero(b, page, PAGE_BYTES)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isZero(ByteBuffer b, int from, int length) {
        for (int i = from; i < from + length; i += Long.BYTES) {
            if (b.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void deleteObsolete(NavigableMap<Long, NavigableMap<Long, Path>> older) throws IOException {
        for (NavigableMap<Long, Path> generation : older.values()) {
            for (Path f : generation.values()) {
                LOG.info("{}: deleting segment of an older generation (superseded by a reset)", f);
                DurableFiles.deleteDurably(f);
            }
        }
    }

    private static void closeAfter(Segment s, Exception primary) {
        try {
            s.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    private static void closeAfter(FileChannel ch, Exception primary) {
        try {
            ch.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }
}
