package io.tandem.storage;

import static io.tandem.storage.Entries.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Recovery of damaged segment files: what is a torn tail (truncated) and what is corruption (reported). */
class SegmentRecoveryTest {

    static final int PAYLOAD = 100;
    static final int RECORD = SegmentFormat.RECORD_OVERHEAD_BYTES + PAYLOAD;
    static final int SEGMENT = 16384;

    @TempDir
    Path tmp;

    static SegmentedRaftLogConfig config(Path dir) {
        return SegmentedRaftLogConfig.builder(dir).segmentSizeBytes(SEGMENT).maxEntryBytes(4096).build();
    }

    /** Writes {@code count} entries of {@link #PAYLOAD} bytes and closes the log. */
    static void writeLog(Path dir, int count) {
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            log.append(batch(1, count, 1, PAYLOAD));
        }
    }

    static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Segment::looksLikeSegment).sorted().toList();
        }
    }

    static Path copyOf(Path dir, Path to) throws IOException {
        Files.createDirectories(to);
        for (Path f : segments(dir)) {
            Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    static void writeAt(Path file, long position, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            DurableFiles.writeFully(ch, ByteBuffer.wrap(bytes), position);
        }
    }

    static void flipBit(Path file, long position, int bit) throws IOException {
        byte[] all = Files.readAllBytes(file);
        all[(int) position] ^= (byte) (1 << bit);
        Files.write(file, all);
    }

    static void assertRecoversTo(Path dir, long lastIndex) {
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            assertEquals(lastIndex, log.lastIndex(), dir.toString());
            assertEquals(batch(1, (int) lastIndex, 1, PAYLOAD), log.entries(1, lastIndex + 1, Long.MAX_VALUE));
            log.append(batch(lastIndex + 1, 1, 2));
        }
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            assertEquals(lastIndex + 1, log.lastIndex());
        }
    }

    @Test
    void cuttingTheLastRecordAtEveryByteRecoversToThePreviousRecord() throws IOException {
        Path pristine = tmp.resolve("pristine");
        writeLog(pristine, 150);
        Path last = segments(pristine).get(segments(pristine).size() - 1);
        long size = Files.size(last);
        assertTrue(size > SegmentFormat.HEADER_BYTES + RECORD, "the last segment must hold several records");
        for (long cut = size - RECORD; cut < size; cut++) {
            Path dir = copyOf(pristine, tmp.resolve("cut-" + cut));
            truncate(dir.resolve(last.getFileName()), cut);
            assertRecoversTo(dir, 149);
        }
    }

    @Test
    void cuttingANewSegmentAnywhereRecoversToTheEndOfThePreviousOne() throws IOException {
        Path pristine = tmp.resolve("pristine");
        int perSegment = (SEGMENT - SegmentFormat.HEADER_BYTES) / RECORD;
        writeLog(pristine, perSegment + 1);
        List<Path> files = segments(pristine);
        assertEquals(2, files.size());
        Path last = files.get(1);
        for (long cut = 0; cut < Files.size(last); cut++) {
            Path dir = copyOf(pristine, tmp.resolve("cut-" + cut));
            truncate(dir.resolve(last.getFileName()), cut);
            assertRecoversTo(dir, perSegment);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
    void randomGarbageAfterTheLastRecordIsTruncated(long seed) throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 100);
        Path last = segments(dir).get(segments(dir).size() - 1);
        SplittableRandom r = new SplittableRandom(seed);
        byte[] garbage = new byte[1 + r.nextInt(10_000)];
        r.nextBytes(garbage);
        writeAt(last, Files.size(last), garbage);
        assertRecoversTo(dir, 100);
    }

    @Test
    void aZeroFilledTailIsTruncated() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 100);
        Path last = segments(dir).get(segments(dir).size() - 1);
        writeAt(last, Files.size(last), new byte[5000]);
        assertRecoversTo(dir, 100);
    }

    @Test
    void aFlippedBitInASealedSegmentIsReportedWithFileAndOffset() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 150);
        Path sealed = segments(dir).get(0);
        long recordStart = SegmentFormat.HEADER_BYTES + 5L * RECORD;
        flipBit(sealed, recordStart + 40, 3);
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> SegmentedRaftLog.open(config(dir)));
        assertEquals(sealed, e.file());
        assertEquals(recordStart, e.offset());
        assertTrue(e.getMessage().contains(sealed.toString()) && e.getMessage().contains("offset " + recordStart)
                && e.getMessage().contains("CRC mismatch (expected 0x"), e.getMessage());
        assertTrue(e.getMessage().contains("sealed segment"), e.getMessage());
    }

    @Test
    void aFlippedBitInASegmentHeaderIsReported() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 150);
        Path sealed = segments(dir).get(1);
        flipBit(sealed, 17, 0);
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> SegmentedRaftLog.open(config(dir)));
        assertEquals(sealed, e.file());
        assertTrue(e.getMessage().contains("segment header CRC mismatch"), e.getMessage());
    }

    @Test
    void damageInTheMiddleOfTheLastSegmentIsNotMistakenForATornTail() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 150);
        Path last = segments(dir).get(segments(dir).size() - 1);
        long recordStart = SegmentFormat.HEADER_BYTES + 3L * RECORD;
        flipBit(last, recordStart + 60, 0);
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> SegmentedRaftLog.open(config(dir)));
        assertEquals(recordStart, e.offset());
        assertTrue(e.getMessage().contains("not a torn tail"), e.getMessage());
    }

    @Test
    void aLostPageInTheLastSegmentIsATornWriteAndIsTruncated() throws IOException {
        Path dir = tmp.resolve("log");
        int perSegment = (SEGMENT - SegmentFormat.HEADER_BYTES) / RECORD;
        writeLog(dir, perSegment + 100);
        Path last = segments(dir).get(1);
        assertTrue(Files.size(last) > 2 * 4096);
        writeAt(last, 4096, new byte[4096]); // page 1 never reached the disk, page 2 did
        long firstDamaged = (4096 - SegmentFormat.HEADER_BYTES) / RECORD;
        assertRecoversTo(dir, perSegment + firstDamaged);
    }

    @Test
    void anIntactRecordOutOfSequenceIsCorruption() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 10);
        Path last = segments(dir).get(0);
        ByteBuffer foreign = ByteBuffer.allocate(RECORD);
        SegmentFormat.encode(Entries.entry(99, 1, PAYLOAD), foreign, new java.util.zip.CRC32C());
        writeAt(last, Files.size(last), foreign.array());
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> SegmentedRaftLog.open(config(dir)));
        assertTrue(e.getMessage().contains("expected 11, got 99"), e.getMessage());
    }

    @Test
    void aMissingMiddleSegmentIsReportedAsAGap() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 300);
        List<Path> files = segments(dir);
        assertTrue(files.size() >= 3);
        Files.delete(files.get(1));
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> SegmentedRaftLog.open(config(dir)));
        assertEquals(files.get(2), e.file());
        assertTrue(e.getMessage().contains("gap between segments: expected first index"), e.getMessage());
    }

    @Test
    void trailingBytesAfterTheLastRecordOfASealedSegmentAreCorruption() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 150);
        Path sealed = segments(dir).get(0);
        writeAt(sealed, Files.size(sealed), new byte[] {1, 2, 3});
        assertThrows(CorruptLogException.class, () -> SegmentedRaftLog.open(config(dir)));
    }

    @Test
    void aTornResetFallsBackToTheOldGeneration() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 100);
        Path torn = dir.resolve(Segment.fileName(1, 5000));
        Files.write(torn, new byte[10]);
        assertRecoversTo(dir, 100);
        assertFalse(Files.exists(torn));
    }

    @Test
    void segmentsOfAnOlderGenerationAreDeletedOnOpen() throws IOException {
        Path dir = tmp.resolve("log");
        writeLog(dir, 100);
        Path stale = dir.resolve(Segment.fileName(0, 1));
        Files.copy(segments(dir).get(0), tmp.resolve("stale"));
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            log.reset(7);
        }
        Files.copy(tmp.resolve("stale"), stale); // as if the deletion after the reset was lost
        try (SegmentedRaftLog log = SegmentedRaftLog.open(config(dir))) {
            assertEquals(7, log.firstIndex());
            assertEquals(6, log.lastIndex());
        }
        assertFalse(Files.exists(stale));
    }
}
