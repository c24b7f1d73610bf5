package io.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One segment file of a {@link SegmentedRaftLog} (layout in {@link SegmentFormat}) and its offset
 * index: the file position of each record, rebuilt by {@link SegmentRecovery} on open.
 *
 * <p>Not thread-safe by itself: {@link SegmentedRaftLog} publishes writes and changes the index
 * under its state lock, and reads only the part of the file that the index covers.
 */
final class Segment {

    private static final Pattern NAME = Pattern.compile("segment-(\\d{10})-(\\d{20})\\.log");

    private final Path path;
    private final long generation;
    private final long firstIndex;
    private final FileChannel channel;
    private final LongList offsets;
    private long endPosition;

    Segment(Path path, long generation, long firstIndex, FileChannel channel, LongList offsets, long endPosition) {
        this.path = path;
        this.generation = generation;
        this.firstIndex = firstIndex;
        this.channel = channel;
        this.offsets = offsets;
        this.endPosition = endPosition;
    }

    /** File name of the segment starting at {@code firstIndex} in {@code generation}. */
    static String fileName(long generation, long firstIndex) {
        return String.format("segment-%010d-%020d.log", generation, firstIndex);
    }

    /** Parses a segment file name into {generation, firstIndex}; rejects other names. */
    static long[] parseName(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new CorruptLogException(file, -1, "not a segment file name (expected segment-<generation>-<firstIndex>.log)");
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    static boolean looksLikeSegment(Path file) {
        String n = file.getFileName().toString();
        return n.startsWith("segment-") && n.endsWith(".log");
    }

    /**
     * Creates an empty segment: writes its header and forces it. The caller makes the directory
     * entry durable before any record in it can count as durable.
     */
    static Segment create(ChannelOpener opener, Path dir, long generation, long firstIndex) throws IOException {
        Path path = dir.resolve(fileName(generation, firstIndex));
        FileChannel ch = opener.open(path, DurableFiles.CREATE_NEW_WRITE);
        try {
            DurableFiles.writeFully(ch, SegmentFormat.header(generation, firstIndex), 0);
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            closeQuietlyAfter(ch, e);
            Files.deleteIfExists(path);
            throw e;
        }
        return new Segment(path, generation, firstIndex, ch, new LongList(1024), SegmentFormat.HEADER_BYTES);
    }

    Path path() {
        return path;
    }

    long generation() {
        return generation;
    }

    long firstIndex() {
        return firstIndex;
    }

    long lastIndex() {
        return firstIndex + offsets.size() - 1;
    }

    boolean isEmpty() {
        return offsets.size() == 0;
    }

    long endPosition() {
        return endPosition;
    }

    /** Writes encoded records at the end of the file, without publishing them. */
    void write(ByteBuffer records) throws IOException {
        DurableFiles.writeFully(channel, records, endPosition);
    }

    /** Publishes records written by {@link #write}: {@code sizes[i]} is the size of record i. */
    void publish(int[] sizes, int count) {
        for (int i = 0; i < count; i++) {
            offsets.add(endPosition);
            endPosition += sizes[i];
        }
    }

    /** Cuts the file back to what is published, after a failed {@link #write}. */
    void rollback() throws IOException {
        channel.truncate(endPosition);
    }

    /** Reads and verifies the entry at {@code index}, which the caller knows to be here. */
    LogEntry read(long index) throws IOException {
        int k = (int) (index - firstIndex);
        long start = offsets.get(k);
        ByteBuffer b = readBytes(start, end(k) - start);
        return verified(b, 0, index, start);
    }

    /**
     * Appends entries {@code [from, to)} of this segment to {@code out} while their total
     * {@link LogEntry#sizeBytes()} stays within {@code budget[0]}, which it lowers; the first entry
     * of the whole read is taken whatever its size ({@code out} empty).
     */
    void read(long from, long to, long[] budget, List<LogEntry> out) throws IOException {
        int k0 = (int) (from - firstIndex);
        int k1 = k0;
        long bytes = 0;
        while (k1 < (int) (to - firstIndex)) {
            long size = end(k1) - offsets.get(k1) - SegmentFormat.FRAME_BYTES;
            if (bytes + size > budget[0] && (k1 > k0 || !out.isEmpty())) {
                break;
            }
            bytes += size;
            k1++;
        }
        long start = offsets.get(k0);
        ByteBuffer b = readBytes(start, (k1 > k0 ? end(k1 - 1) : start) - start);
        for (int k = k0; k < k1; k++) {
            out.add(verified(b, (int) (offsets.get(k) - start), firstIndex + k, offsets.get(k)));
        }
        budget[0] -= bytes;
    }

    private LogEntry verified(ByteBuffer b, int pos, long index, long filePosition) {
        SegmentFormat.Check check = SegmentFormat.check(b, pos, index);
        if (!check.isIntact()) {
            throw new CorruptLogException(path, filePosition, check.damage());
        }
        return SegmentFormat.decode(b, pos);
    }

    private long end(int k) {
        return k + 1 < offsets.size() ? offsets.get(k + 1) : endPosition;
    }

    private ByteBuffer readBytes(long position, long length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) length);
        DurableFiles.readFully(channel, b, position, path);
        return b.flip();
    }

    /** Removes entries {@code >= fromIndex} from the file and the index, and forces the file. */
    void truncateFrom(long fromIndex) throws IOException {
        int k = (int) (fromIndex - firstIndex);
        long position = k < offsets.size() ? offsets.get(k) : endPosition;
        channel.truncate(position);
        channel.force(true);
        offsets.truncate(k);
        endPosition = position;
    }

    /** Forces written records to disk (fdatasync). */
    void force() throws IOException {
        channel.force(false);
    }

    void close() throws IOException {
        channel.close();
    }

    /** Closes and deletes the file; the caller makes the deletion durable. */
    void delete() throws IOException {
        channel.close();
        Files.deleteIfExists(path);
    }

    private static void closeQuietlyAfter(FileChannel ch, Exception primary) {
        try {
            ch.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return path.getFileName() + "[" + firstIndex + ".." + lastIndex() + "]";
    }
}
