package io.tandem.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@link SnapshotStore} contract, run against every implementation. */
abstract class SnapshotStoreContractTest {

    static final int RETAIN = 2;

    protected SnapshotStore store;

    /** A new, empty store keeping {@link #RETAIN} snapshots. */
    protected abstract SnapshotStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    Snapshot write(long index, long term) {
        try (SnapshotWriter w = store.create(index, term, SnapshotData.configuration(index))) {
            byte[] data = SnapshotData.forIndex(index);
            w.write(data, 0, data.length);
            return w.commit();
        }
    }

    static int crc(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data);
        return (int) c.getValue();
    }

    static byte[] readAll(Snapshot s) throws IOException {
        try (InputStream in = s.openStream()) {
            return in.readAllBytes();
        }
    }

    @Test
    void emptyStoreHasNoSnapshot() {
        assertTrue(store.latest().isEmpty());
        assertEquals(List.of(), store.list());
    }

    @Test
    void committedSnapshotIsTheLatestWithItsMetadata() throws IOException {
        byte[] data = SnapshotData.forIndex(100);
        try (Snapshot s = write(100, 4)) {
            assertEquals(new SnapshotMeta(100, 4, SnapshotData.configuration(100), data.length, crc(data)), s.meta());
        }
        try (Snapshot latest = store.latest().orElseThrow()) {
            assertEquals(100, latest.meta().lastIncludedIndex());
            assertEquals(4, latest.meta().lastIncludedTerm());
            assertArrayEquals(SnapshotData.configuration(100), latest.meta().configuration());
            assertArrayEquals(data, readAll(latest));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void chunkedReadsReassembleByteIdentically(long seed) {
        byte[] data = SnapshotData.forIndex(41);
        write(41, 2).close();
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Snapshot s = store.latest().orElseThrow()) {
            while (out.size() < data.length) {
                byte[] chunk = s.read(out.size(), 1 + r.nextInt(70_000));
                assertTrue(chunk.length > 0);
                out.write(chunk, 0, chunk.length);
            }
            assertEquals(0, s.read(data.length, 10).length);
            assertThrows(IllegalArgumentException.class, () -> s.read(data.length + 1, 10));
            assertThrows(IllegalArgumentException.class, () -> s.read(0, 0));
        }
        assertArrayEquals(data, out.toByteArray());
    }

    @Test
    void aFollowerWritesChunksAtOffsets() throws IOException {
        byte[] data = SnapshotData.forIndex(83);
        SnapshotWriter w = store.create(83, 3, SnapshotData.configuration(83));
        int offset = 0;
        for (int size : new int[] {1, 1000, 65_536, 70_000}) {
            w.writeChunk(offset, java.util.Arrays.copyOfRange(data, offset, offset + size));
            offset += size;
        }
        int written = offset;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.writeChunk(written - 5, new byte[5]));
        assertEquals("snapshot chunk at offset " + (written - 5) + ", expected offset " + written
                + " (the bytes written so far)", e.getMessage());
        w.writeChunk(offset, java.util.Arrays.copyOfRange(data, offset, data.length));
        assertEquals(crc(data), w.dataCrc32c());
        assertEquals(data.length, w.bytesWritten());
        try (Snapshot s = w.commit()) {
            assertArrayEquals(data, readAll(s));
        }
        assertThrows(IllegalStateException.class, () -> w.write(new byte[1], 0, 1));
    }

    @Test
    void anAbandonedWriterLeavesThePreviousSnapshotIntact() throws IOException {
        write(10, 1).close();
        SnapshotWriter w = store.create(20, 1, new byte[0]);
        try (OutputStream out = w.asOutputStream()) {
            out.write(SnapshotData.forIndex(20));
        }
        w.close();
        assertEquals(1, store.list().size());
        try (Snapshot s = store.latest().orElseThrow()) {
            assertEquals(10, s.meta().lastIncludedIndex());
            assertArrayEquals(SnapshotData.forIndex(10), readAll(s));
        }
    }

    @Test
    void onlyTheNewestAreRetained() {
        for (long index : new long[] {5, 9, 7, 30}) {
            write(index, 1).close();
        }
        List<SnapshotMeta> kept = store.list();
        assertEquals(RETAIN, kept.size());
        assertEquals(30, kept.get(0).lastIncludedIndex());
        assertEquals(9, kept.get(1).lastIncludedIndex());
    }

    @Test
    void anEmptySnapshotIsValid() throws IOException {
        try (SnapshotWriter w = store.create(3, 1, new byte[0])) {
            w.commit().close();
        }
        try (Snapshot s = store.latest().orElseThrow()) {
            assertEquals(0, s.meta().sizeBytes());
            assertEquals(0, readAll(s).length);
        }
    }

    @Test
    void invalidMetadataIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> store.create(-1, 0, new byte[0]));
        assertThrows(NullPointerException.class, () -> store.create(1, 0, null));
    }
}
