package io.tandem.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/** A committed snapshot file open for reading; layout in {@link FileSnapshotStore}. */
final class FileSnapshot implements Snapshot {

    private static final int VERIFY_CHUNK_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final SnapshotMeta meta;
    private final long dataStart;

    private FileSnapshot(Path file, FileChannel channel, SnapshotMeta meta, long dataStart) {
        this.file = file;
        this.channel = channel;
        this.meta = meta;
        this.dataStart = dataStart;
    }

    /**
     * Opens {@code file}, checking its header, trailer and size, and with {@code verifyData} its data CRC.
     *
     * @throws CorruptStorageException naming the file, offset, expected and actual values
     */
    static FileSnapshot open(Path file, boolean verifyData) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long[] indexAndTerm = FileSnapshotStore.parseName(file);
            Header h = readHeader(ch, file, indexAndTerm);
            SnapshotMeta meta = readTrailer(ch, file, h);
            if (verifyData) {
                verifyData(ch, file, h.dataStart, meta);
            }
            return new FileSnapshot(file, ch, meta, h.dataStart);
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    private record Header(long index, long term, byte[] configuration, long dataStart) {
    }

    private static Header readHeader(FileChannel ch, Path file, long[] indexAndTerm) throws IOException {
        long size = ch.size();
        if (size < FileSnapshotStore.FIXED_HEADER_BYTES + FileSnapshotStore.TRAILER_BYTES) {
            throw new CorruptStorageException(file, 0, "snapshot file is " + size + " bytes, shorter than an empty snapshot");
        }
        ByteBuffer fixed = read(ch, file, 0, FileSnapshotStore.FIXED_HEADER_BYTES - 4);
        checkInt(file, 0, "snapshot magic", FileSnapshotStore.MAGIC, fixed.getInt(0));
        checkInt(file, 4, "snapshot format version", FileSnapshotStore.VERSION, fixed.getShort(4));
        int configLength = fixed.getInt(24);
        if (configLength < 0 || configLength > SnapshotMeta.MAX_CONFIGURATION_BYTES
                || FileSnapshotStore.FIXED_HEADER_BYTES + (long) configLength + FileSnapshotStore.TRAILER_BYTES > size) {
            throw new CorruptStorageException(file, 24, "configuration length " + configLength + " does not fit a "
                    + size + "-byte file");
        }
        ByteBuffer header = read(ch, file, 0, FileSnapshotStore.FIXED_HEADER_BYTES + configLength);
        int headerEnd = FileSnapshotStore.FIXED_HEADER_BYTES - 4 + configLength;
        checkInt(file, headerEnd, "snapshot header CRC", header.getInt(headerEnd), SegmentFormat.crc(header, 0, headerEnd));
        checkLong(file, 8, "lastIncludedIndex (from the file name)", indexAndTerm[0], header.getLong(8));
        checkLong(file, 16, "lastIncludedTerm (from the file name)", indexAndTerm[1], header.getLong(16));
        byte[] configuration = new byte[configLength];
        header.get(28, configuration);
        return new Header(indexAndTerm[0], indexAndTerm[1], configuration, headerEnd + 4L);
    }

    private static SnapshotMeta readTrailer(FileChannel ch, Path file, Header h) throws IOException {
        long size = ch.size();
        long at = size - FileSnapshotStore.TRAILER_BYTES;
        ByteBuffer t = read(ch, file, at, FileSnapshotStore.TRAILER_BYTES);
        checkInt(file, at + 12, "snapshot end magic", FileSnapshotStore.END_MAGIC, t.getInt(12));
        long dataBytes = t.getLong(0);
        checkLong(file, at, "data length (file size minus header and trailer)", at - h.dataStart, dataBytes);
        return new SnapshotMeta(h.index, h.term, h.configuration, dataBytes, t.getInt(8));
    }

    private static void verifyData(FileChannel ch, Path file, long dataStart, SnapshotMeta meta) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(VERIFY_CHUNK_BYTES, Math.max(1, meta.sizeBytes())));
        for (long done = 0; done < meta.sizeBytes(); ) {
            b.clear().limit((int) Math.min(b.capacity(), meta.sizeBytes() - done));
            DurableFiles.readFully(ch, b, dataStart + done, file);
            crc.update(b.flip());
            done += b.limit();
        }
        checkInt(file, dataStart, "snapshot data CRC", meta.dataCrc32c(), (int) crc.getValue());
    }

    private static ByteBuffer read(FileChannel ch, Path file, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        DurableFiles.readFully(ch, b, position, file);
        return b.flip();
    }

    private static void checkInt(Path file, long offset, String what, int expected, int actual) {
        if (expected != actual) {
            throw new CorruptStorageException(file, offset, what + " mismatch (expected " + SegmentFormat.hex(expected)
                    + ", got " + SegmentFormat.hex(actual) + ")");
        }
    }

    private static void checkLong(Path file, long offset, String what, long expected, long actual) {
        if (expected != actual) {
            throw new CorruptStorageException(file, offset, what + " mismatch (expected " + expected + ", got " + actual + ")");
        }
    }

    @Override
    public SnapshotMeta meta() {
        return meta;
    }

    @Override
    public byte[] read(long offset, int maxBytes) {
        SnapshotChecks.checkRead(offset, maxBytes, meta.sizeBytes());
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(maxBytes, meta.sizeBytes() - offset));
        try {
            DurableFiles.readFully(channel, b, dataStart + offset, file);
        } catch (IOException e) {
            throw DurableFiles.wrap("read snapshot " + file + " at data offset " + offset, e);
        }
        return b.array();
    }

    @Override
    public InputStream openStream() {
        return new SnapshotInputStream(this);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw DurableFiles.wrap("close snapshot " + file, e);
        }
    }

    /** Streams a snapshot's data through {@link Snapshot#read}, chunk by chunk. */
    static final class SnapshotInputStream extends InputStream {
        private static final int CHUNK_BYTES = 64 * 1024;
        private final Snapshot snapshot;
        private long position;
        private byte[] chunk = new byte[0];
        private int chunkPos;

        SnapshotInputStream(Snapshot snapshot) {
            this.snapshot = snapshot;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (chunkPos == chunk.length) {
                if (position == snapshot.meta().sizeBytes()) {
                    return -1;
                }
                chunk = snapshot.read(position, CHUNK_BYTES);
                position += chunk.length;
                chunkPos = 0;
            }
            int n = Math.min(len, chunk.length - chunkPos);
            System.arraycopy(chunk, chunkPos, b, off, n);
            chunkPos += n;
            return n;
        }
    }

    @Override
    public String toString() {
        return "FileSnapshot[" + file + ", " + meta + "]";
    }
}
