package io.tandem.time;

import io.tandem.TandemException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The HLC high-water mark in the data directory, replaced atomically like the term/vote file:
 * write {@code hlc.bin.tmp}, fsync, rename over {@code hlc.bin}, fsync the directory.
 *
 * <pre>
 * hlc.bin, format version 1, 20 bytes, big-endian
 *  offset size field
 *       0    4 magic          0x5444484C ("TDHL")
 *       4    2 format version 1
 *       6    2 reserved       0
 *       8    8 bound (ms)     no timestamp with physical part &gt;= bound was handed out
 *      16    4 CRC32C         over bytes 0..15
 * </pre>
 *
 * A damaged file stops start-up ({@link TandemException} naming the file): silently starting
 * from 0 could hand out timestamps that went backwards.
 */
public final class HlcFile implements HybridClock.HighWaterMark {

    static final int MAGIC = 0x5444484C;
    static final short VERSION = 1;
    static final int SIZE = 20;

    private final Path file;
    private final Path tmp;
    private final Path dir;

    public HlcFile(Path dir) {
        this.dir = dir;
        this.file = dir.resolve("hlc.bin");
        this.tmp = dir.resolve("hlc.bin.tmp");
    }

    @Override
    public long load() {
        try {
            Files.deleteIfExists(tmp);
            if (!Files.exists(file)) {
                return 0;
            }
            byte[] b = Files.readAllBytes(file);
            if (b.length != SIZE) {
                throw corrupt("size " + b.length + " (expected " + SIZE + ")");
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            int magic = buf.getInt(0);
            short version = buf.getShort(4);
            long bound = buf.getLong(8);
            int crc = buf.getInt(16);
            if (magic != MAGIC) {
                throw corrupt("magic 0x" + Integer.toHexString(magic) + " at offset 0 (expected 0x5444484c)");
            }
            if (version != VERSION) {
                throw corrupt("format version " + version + " at offset 4 (this build reads " + VERSION + ")");
            }
            int actual = crc(b);
            if (crc != actual) {
                throw corrupt("CRC mismatch at offset 16 (expected 0x" + Integer.toHexString(crc) + ", got 0x"
                        + Integer.toHexString(actual) + ")");
            }
            return bound;
        } catch (IOException e) {
            throw new TandemException("cannot read the HLC high-water mark " + file.toAbsolutePath() + ": " + e, e);
        }
    }

    @Override
    public void store(long boundMs) {
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        buf.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(boundMs);
        buf.putInt(crc(buf.array()));
        buf.flip();
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new TandemException("cannot write the HLC high-water mark " + file.toAbsolutePath() + ": " + e
                    + "; check that the data directory is writable", e);
        }
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 0, 16);
        return (int) c.getValue();
    }

    private TandemException corrupt(String what) {
        return new TandemException("HLC high-water mark " + file.toAbsolutePath() + " is damaged: " + what
                + "; restore it from a backup, or delete it only if this node's clock is certainly past every"
                + " timestamp it handed out before");
    }
}
