package io.tandem.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileMetaStoreTest extends MetaStoreContractTest {

    @TempDir
    Path dir;

    @Override
    protected MetaStore newStore() {
        return FileMetaStore.open(dir);
    }

    MetaStore reopen() {
        store.close();
        store = FileMetaStore.open(dir);
        return store;
    }

    @Test
    void roundTripsAcrossReopen() {
        store.save(new TermAndVote(7, "nœud-β"));
        assertEquals(new TermAndVote(7, "nœud-β"), reopen().load());
        store.save(new TermAndVote(Long.MAX_VALUE, null));
        assertEquals(new TermAndVote(Long.MAX_VALUE, null), reopen().load());
        store.save(new TermAndVote(8, ""));
        assertEquals(new TermAndVote(8, ""), reopen().load());
    }

    @Test
    void everyFlippedBitIsDetectedAndNamesTheFile() throws IOException {
        store.save(new TermAndVote(42, "node-a"));
        store.close();
        Path file = dir.resolve(FileMetaStore.FILE);
        byte[] good = Files.readAllBytes(file);
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = Arrays.copyOf(good, good.length);
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(file, bad);
            CorruptStorageException e = assertThrows(CorruptStorageException.class, () -> FileMetaStore.open(dir),
                    "bit " + bit);
            assertEquals(file, e.file());
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        }
        Files.write(file, good);
        store = FileMetaStore.open(dir);
        assertEquals(new TermAndVote(42, "node-a"), store.load());
    }

    @Test
    void aTruncatedFileIsDetected() throws IOException {
        store.save(new TermAndVote(42, "node-a"));
        store.close();
        Path file = dir.resolve(FileMetaStore.FILE);
        byte[] good = Files.readAllBytes(file);
        for (int length = 0; length < good.length; length++) {
            Files.write(file, Arrays.copyOf(good, length));
            assertThrows(CorruptStorageException.class, () -> FileMetaStore.open(dir), "length " + length);
        }
        Files.write(file, good);
        store = FileMetaStore.open(dir);
    }

    @Test
    void aLeftoverTempFileIsIgnoredAndRemoved() throws IOException {
        store.save(new TermAndVote(5, "node-b"));
        store.close();
        Path temp = dir.resolve(FileMetaStore.TEMP);
        Files.write(temp, new byte[] {1, 2, 3}); // a save that crashed before its rename
        store = FileMetaStore.open(dir);
        assertEquals(new TermAndVote(5, "node-b"), store.load());
        assertFalse(Files.exists(temp));
        store.save(new TermAndVote(6, null));
        assertEquals(new TermAndVote(6, null), reopen().load());
    }

    @Test
    void aLeftoverCompleteTempFileIsNotMistakenForTheState() throws IOException {
        store.save(new TermAndVote(5, "node-b"));
        Files.write(dir.resolve(FileMetaStore.TEMP), FileMetaStore.encode(new TermAndVote(9, "node-z")).array());
        assertEquals(new TermAndVote(5, "node-b"), reopen().load());
    }
}
