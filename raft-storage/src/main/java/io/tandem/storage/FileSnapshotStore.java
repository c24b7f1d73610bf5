package io.tandem.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SnapshotStore} keeping each snapshot in one file,
 * {@code snapshot-<lastIncludedIndex>-<lastIncludedTerm>.snap} (20 zero-padded digits each).
 *
 * <p>A snapshot is written to a uniquely named {@code *.tmp} file, forced, renamed to its final
 * name atomically, and the directory is fsynced; only then is it visible and are older snapshots
 * beyond the retention count deleted. A crash leaves at worst a {@code *.tmp} file, which the next
 * open deletes. Opening the store verifies the newest snapshot completely, data CRC included.
 *
 * <p>Format version 1, integers big-endian (also in {@code docs/formats.md}):
 * <pre>
 * Header, 32 + C bytes
 *   0  int32  magic 0x54445353 ("TDSS")
 *   4  int16  format version = 1
 *   6  int16  reserved = 0
 *   8  int64  lastIncludedIndex
 *  16  int64  lastIncludedTerm
 *  24  int32  configuration length C
 *  28  C      configuration (opaque)
 * 28+C int32  CRC32C of bytes 0 .. 27+C
 * Data, D bytes, from offset H = 32 + C
 * Trailer, 16 bytes, at H + D
 *   0  int64  data length D
 *   8  int32  CRC32C of the data
 *  12  int32  end magic 0x54445345 ("TDSE")
 * </pre>
 */
public final class FileSnapshotStore implements SnapshotStore {

    static final int MAGIC = 0x54445353;
    static final int END_MAGIC = 0x54445345;
    static final short VERSION = 1;
    static final int FIXED_HEADER_BYTES = 32;
    static final int TRAILER_BYTES = 16;
    static final String TEMP_SUFFIX = ".tmp";
    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})-(\\d{20})\\.snap");
    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

    private final Path dir;
    private final int retain;
    private final Set<Path> verified = new HashSet<>();
    private boolean closed;

    private FileSnapshotStore(Path dir, int retain) {
        this.dir = dir;
        this.retain = retain;
    }

    /**
     * Opens the store in {@code dir} (created if missing), deletes leftovers of interrupted writes,
     * and verifies the newest snapshot.
     *
     * @param retain how many snapshots to keep, {@code >= 1}
     * @throws CorruptStorageException if the newest snapshot is damaged
     */
    public static FileSnapshotStore open(Path dir, int retain) {
        SnapshotChecks.checkRetain(retain);
        try {
            Files.createDirectories(dir);
            deleteLeftovers(dir);
        } catch (IOException e) {
            throw DurableFiles.wrap("open snapshot store " + dir, e);
        }
        FileSnapshotStore store = new FileSnapshotStore(dir, retain);
        store.latest().ifPresent(Snapshot::close);
        return store;
    }

    private static void deleteLeftovers(Path dir) throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, "*" + TEMP_SUFFIX)) {
            for (Path t : temps) {
                LOG.info("{}: deleting the leftover of an interrupted snapshot write ({} bytes)", t, Files.size(t));
                Files.delete(t);
            }
        }
    }

    static String fileName(long index, long term) {
        return String.format("snapshot-%020d-%020d.snap", index, term);
    }

    static long[] parseName(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new CorruptStorageException(file, -1, "not a snapshot file name (expected snapshot-<index>-<term>.snap)");
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    @Override
    public synchronized SnapshotWriter create(long lastIncludedIndex, long lastIncludedTerm, byte[] configuration) {
        checkOpen();
        SnapshotMeta header = new SnapshotMeta(lastIncludedIndex, lastIncludedTerm, configuration, 0, 0);
        try {
            Path temp = Files.createTempFile(dir, "snapshot-" + lastIncludedIndex + "-", TEMP_SUFFIX);
            return new FileSnapshotWriter(this, temp, header);
        } catch (IOException e) {
            throw DurableFiles.wrap("create snapshot " + lastIncludedIndex + " in " + dir, e);
        }
    }

    @Override
    public synchronized Optional<Snapshot> latest() {
        checkOpen();
        List<Path> files = snapshotFiles();
        if (files.isEmpty()) {
            return Optional.empty();
        }
        Path newest = files.get(0);
        try {
            FileSnapshot s = FileSnapshot.open(newest, !verified.contains(newest));
            verified.add(newest);
            return Optional.of(s);
        } catch (IOException e) {
            throw DurableFiles.wrap("open snapshot " + newest, e);
        }
    }

    @Override
    public synchronized List<SnapshotMeta> list() {
        checkOpen();
        List<SnapshotMeta> out = new ArrayList<>();
        for (Path f : snapshotFiles()) {
            try (FileSnapshot s = FileSnapshot.open(f, false)) {
                out.add(s.meta());
            } catch (IOException e) {
                throw DurableFiles.wrap("read snapshot header " + f, e);
            }
        }
        return out;
    }

    /** Publishes a finished temp file under its final name, then applies retention. */
    synchronized Path publish(Path temp, SnapshotMeta meta) throws IOException {
        checkOpen();
        Path target = dir.resolve(fileName(meta.lastIncludedIndex(), meta.lastIncludedTerm()));
        DurableFiles.atomicReplace(temp, target);
        verified.add(target);
        LOG.info("committed snapshot {} ({} bytes)", target, meta.sizeBytes());
        applyRetention();
        return target;
    }

    private void applyRetention() throws IOException {
        List<Path> files = snapshotFiles();
        if (files.size() <= retain) {
            return;
        }
        for (Path old : files.subList(retain, files.size())) {
            Files.delete(old);
            verified.remove(old);
            LOG.info("deleted snapshot {} (retaining {})", old, retain);
        }
        DurableFiles.fsyncDirectory(dir);
    }

    /** Final snapshot files, newest first. */
    private List<Path> snapshotFiles() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, "snapshot-*.snap")) {
            all.forEach(files::add);
        } catch (IOException e) {
            throw DurableFiles.wrap("list snapshots in " + dir, e);
        }
        files.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return files;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageClosedException("snapshot store " + dir);
        }
    }
}
