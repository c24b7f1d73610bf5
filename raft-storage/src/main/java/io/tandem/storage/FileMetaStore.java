package io.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MetaStore} kept in one small file, {@code meta.bin}, replaced atomically on every save:
 * write {@code meta.bin.tmp}, fsync it, rename it over {@code meta.bin}, fsync the directory. A
 * crash at any point leaves either the old or the new file; a leftover temp file is deleted on open.
 *
 * <p>Format version 1, integers big-endian (also in {@code docs/formats.md}):
 * <pre>
 *   offset  size  field
 *        0     4  magic 0x54444D54 ("TDMT")
 *        4     2  format version = 1
 *        6     2  reserved = 0
 *        8     8  currentTerm
 *       16     4  votedFor length N in bytes, -1 for none
 *       20     N  votedFor, UTF-8
 *     20+N     4  CRC32C of bytes 0 .. 19+N
 * </pre>
 * Give the store its own directory (the log warns about files it does not know).
 */
public final class FileMetaStore implements MetaStore {

    static final String FILE = "meta.bin";
    static final String TEMP = "meta.bin.tmp";
    static final int MAGIC = 0x54444D54;
    static final short VERSION = 1;
    private static final int FIXED_BYTES = 24;
    private static final Logger LOG = LoggerFactory.getLogger(FileMetaStore.class);

    private final Path dir;
    private final Path file;
    private TermAndVote state;
    private boolean closed;

    private FileMetaStore(Path dir, TermAndVote state) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.state = state;
    }

    /**
     * Opens the store in {@code dir}, creating the directory if needed.
     *
     * @throws CorruptStorageException if {@code meta.bin} is damaged
     * @throws StorageException on an I/O error
     */
    public static FileMetaStore open(Path dir) {
        try {
            Files.createDirectories(dir);
            Path temp = dir.resolve(TEMP);
            if (Files.deleteIfExists(temp)) {
                LOG.info("{}: deleted a temp file left by an interrupted save", temp);
            }
            Path file = dir.resolve(FILE);
            TermAndVote state = Files.exists(file) ? decode(Files.readAllBytes(file), file) : TermAndVote.INITIAL;
            return new FileMetaStore(dir, state);
        } catch (IOException e) {
            throw DurableFiles.wrap("open meta store " + dir, e);
        }
    }

    @Override
    public synchronized TermAndVote load() {
        checkOpen();
        return state;
    }

    @Override
    public synchronized void save(TermAndVote newState) {
        checkOpen();
        Objects.requireNonNull(newState, "state");
        Path temp = dir.resolve(TEMP);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            DurableFiles.writeFully(ch, encode(newState), 0);
            ch.force(true);
        } catch (IOException e) {
            throw DurableFiles.wrap("save term " + newState.currentTerm() + " to " + temp, e);
        }
        try {
            DurableFiles.atomicReplace(temp, file);
        } catch (IOException e) {
            throw DurableFiles.wrap("save term " + newState.currentTerm() + ": rename " + temp + " to " + file, e);
        }
        state = newState;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    static ByteBuffer encode(TermAndVote s) {
        byte[] vote = s.votedFor() == null ? new byte[0] : s.votedFor().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(FIXED_BYTES + vote.length);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(s.currentTerm())
                .putInt(s.votedFor() == null ? -1 : vote.length).put(vote);
        b.putInt(crc(b.array(), b.position()));
        return b.flip();
    }

    static TermAndVote decode(byte[] bytes, Path file) {
        if (bytes.length < FIXED_BYTES) {
            throw new CorruptStorageException(file, 0, "meta file is " + bytes.length + " bytes, shorter than "
                    + FIXED_BYTES);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new CorruptStorageException(file, 0, "bad meta magic (expected " + SegmentFormat.hex(MAGIC)
                    + ", got " + SegmentFormat.hex(magic) + ")");
        }
        short version = b.getShort(4);
        if (version != VERSION) {
            throw new CorruptStorageException(file, 4, "unsupported meta format version " + version
                    + " (this build reads " + VERSION + ")");
        }
        int voteLength = b.getInt(16);
        int expectedSize = FIXED_BYTES + Math.max(voteLength, 0);
        if (voteLength < -1 || voteLength > TermAndVote.MAX_VOTED_FOR_BYTES || bytes.length != expectedSize) {
            throw new CorruptStorageException(file, 16, "votedFor length " + voteLength + " does not match the file size "
                    + bytes.length);
        }
        int stored = b.getInt(bytes.length - 4);
        int actual = crc(bytes, bytes.length - 4);
        if (stored != actual) {
            throw new CorruptStorageException(file, bytes.length - 4, "meta CRC mismatch (expected "
                    + SegmentFormat.hex(stored) + ", got " + SegmentFormat.hex(actual) + ")");
        }
        String vote = voteLength < 0 ? null : new String(bytes, 20, voteLength, StandardCharsets.UTF_8);
        return new TermAndVote(b.getLong(8), vote);
    }

    private static int crc(byte[] bytes, int length) {
        CRC32C c = new CRC32C();
        c.update(bytes, 0, length);
        return (int) c.getValue();
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageClosedException("meta store " + dir);
        }
    }
}
