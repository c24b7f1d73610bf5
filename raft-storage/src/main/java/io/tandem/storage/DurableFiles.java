package io.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** Small durable-file helpers shared by the stores: positional full writes, fsyncs, atomic replace. */
final class DurableFiles {

    static final Set<StandardOpenOption> CREATE_NEW_WRITE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    static final Set<StandardOpenOption> READ_WRITE = Set.of(StandardOpenOption.WRITE, StandardOpenOption.READ);

    private DurableFiles() {
    }

    /** Writes all of {@code b} at {@code position}. */
    static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    /** Reads {@code b.remaining()} bytes at {@code position}, failing on end of file. */
    static void readFully(FileChannel ch, ByteBuffer b, long position, Path file) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new CorruptStorageException(file, p, "unexpected end of file (" + b.remaining() + " bytes missing)");
            }
            p += n;
        }
    }

    /** Makes the directory's entries (creations, renames, deletions) durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Renames {@code from} over {@code to} atomically, then makes the rename durable. */
    static void atomicReplace(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(to.toAbsolutePath().getParent());
    }

    /** Deletes {@code file} and makes the deletion durable before returning. */
    static void deleteDurably(Path file) throws IOException {
        Files.deleteIfExists(file);
        fsyncDirectory(file.toAbsolutePath().getParent());
    }

    /** Maps an I/O failure to the storage hierarchy, singling out a full device. */
    static StorageException wrap(String what, IOException e) {
        if (isDiskFull(e)) {
            return new DiskFullException(what + ": no space left on device", e);
        }
        return new StorageException(what + ": " + e, e);
    }

    static boolean isDiskFull(IOException e) {
        String m = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"));
    }
}
