package io.tandem.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest extends SnapshotStoreContractTest {

    @TempDir
    Path tmp;

    Path dir() {
        return tmp.resolve("snapshots");
    }

    @Override
    protected SnapshotStore newStore() {
        return FileSnapshotStore.open(dir(), RETAIN);
    }

    SnapshotStore reopen() {
        store.close();
        store = FileSnapshotStore.open(dir(), RETAIN);
        return store;
    }

    List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir())) {
            return s.sorted().toList();
        }
    }

    @Test
    void survivesReopen() throws IOException {
        write(12, 3).close();
        try (Snapshot s = reopen().latest().orElseThrow()) {
            assertEquals(12, s.meta().lastIncludedIndex());
            assertArrayEquals(SnapshotData.forIndex(12), readAll(s));
        }
    }

    @Test
    void leftoverTempFilesOfACrashedWriteAreDeletedOnOpen() throws IOException {
        write(10, 1).close();
        SnapshotWriter abandoned = store.create(20, 1, new byte[0]);
        abandoned.write(new byte[100_000], 0, 100_000); // never committed nor closed: as if the process died
        Files.write(dir().resolve("snapshot-30-123.tmp"), new byte[] {1, 2, 3});
        assertEquals(3, files().size());
        try (Snapshot s = reopen().latest().orElseThrow()) {
            assertEquals(10, s.meta().lastIncludedIndex());
        }
        assertEquals(List.of(dir().resolve(FileSnapshotStore.fileName(10, 1))), files());
    }

    @Test
    void aDamagedDataByteIsDetectedOnOpen() throws IOException {
        write(10, 1).close();
        Path file = dir().resolve(FileSnapshotStore.fileName(10, 1));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        store.close();
        CorruptStorageException e = assertThrows(CorruptStorageException.class, () -> FileSnapshotStore.open(dir(), RETAIN));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains("snapshot data CRC mismatch (expected 0x"), e.getMessage());
        store = FileSnapshotStore.open(tmp.resolve("other"), RETAIN);
    }

    @Test
    void aTruncatedSnapshotIsDetected() throws IOException {
        write(10, 1).close();
        Path file = dir().resolve(FileSnapshotStore.fileName(10, 1));
        byte[] bytes = Files.readAllBytes(file);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 40; i++) {
            int length = r.nextInt(bytes.length);
            Files.write(file, java.util.Arrays.copyOf(bytes, length));
            assertThrows(CorruptStorageException.class, () -> FileSnapshotStore.open(dir(), RETAIN), "length " + length);
        }
        Files.write(file, bytes);
    }

    @Test
    void aHandleStaysReadableAfterRetentionDeletesItsFile() throws IOException {
        write(1, 1).close();
        try (Snapshot old = store.latest().orElseThrow()) {
            write(2, 1).close();
            write(3, 1).close();
            assertTrue(Files.notExists(dir().resolve(FileSnapshotStore.fileName(1, 1))));
            assertArrayEquals(SnapshotData.forIndex(1), readAll(old));
        }
    }

    /** Real processes: a child commits snapshots in a loop and is SIGKILLed at random moments. */
    @Test
    void sigkillDuringWritesLeavesTheLastCommittedSnapshotIntact() throws Exception {
        store.close();
        long seed = Long.getLong("tandem.seed", new SplittableRandom().nextLong());
        System.out.println("FileSnapshotStoreTest seed=" + seed);
        SplittableRandom random = new SplittableRandom(seed);
        long committed = 0;
        for (int kill = 1; kill <= 8; kill++) {
            String where = "seed=" + seed + " kill " + kill;
            ChildJvm child = ChildJvm.start(SnapshotWriterChild.class, tmp.resolve("stderr-" + kill + ".txt"),
                    dir().toString(), String.valueOf(random.nextLong()));
            assertTrue(child.nextLine(Duration.ofSeconds(60)).startsWith("OPEN "), where);
            for (int i = random.nextInt(6); i > 0; i--) {
                committed = Math.max(committed, Long.parseLong(child.nextLine(Duration.ofSeconds(60)).substring(2)));
            }
            for (String line : child.kill()) {
                committed = Math.max(committed, Long.parseLong(line.substring(2)));
            }
            store = FileSnapshotStore.open(dir(), 3);
            java.util.Optional<Snapshot> latest = store.latest();
            if (latest.isEmpty()) {
                // Killed before its first commit returned: nothing may be there, nothing was promised.
                assertTrue(committed == 0, where + ": no snapshot although " + committed + " was committed");
            } else {
                try (Snapshot s = latest.get()) {
                    long index = s.meta().lastIncludedIndex();
                    assertTrue(index == committed || index == committed + 1, where + ": latest " + index
                            + ", committed " + committed);
                    assertArrayEquals(SnapshotData.forIndex(index), readAll(s), where);
                    assertArrayEquals(SnapshotData.configuration(index), s.meta().configuration(), where);
                }
            }
            for (Path f : files()) {
                assertTrue(f.getFileName().toString().endsWith(".snap"), where + ": leftover " + f);
            }
            store.close();
        }
        store = newStore();
    }
}
