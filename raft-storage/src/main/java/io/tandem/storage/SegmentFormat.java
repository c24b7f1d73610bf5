package io.tandem.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Byte layout of a log segment file, format version {@value #VERSION}. All integers big-endian.
 *
 * <pre>
 * Segment header, {@value #HEADER_BYTES} bytes
 *   offset size  field
 *        0    4  magic            0x54444C47 ("TDLG")
 *        4    2  format version   1
 *        6    2  reserved         0
 *        8    8  generation       bumped by every reset(); only the highest generation is live
 *       16    8  first index      index of the first record in this segment
 *       24    4  header CRC32C    over bytes 0..23
 *
 * Records follow the header back to back until the end of the file.
 *   offset size  field
 *        0    4  length L         bytes after the CRC field = 25 + payload length
 *        4    4  CRC32C           over the L bytes that follow (index .. end of payload)
 *        8    8  index            first index of the segment + record position
 *       16    8  term
 *       24    1  type
 *       25    8  timestamp
 *       33  L-25 payload
 * </pre>
 *
 * A record occupies {@value #RECORD_OVERHEAD_BYTES} bytes plus its payload. There is no trailer
 * and no padding: the file ends after the last record.
 */
final class SegmentFormat {

    static final int MAGIC = 0x54444C47;
    static final short VERSION = 1;
    static final int HEADER_BYTES = 28;
    /** Length and CRC fields. */
    static final int FRAME_BYTES = 8;
    /** Index, term, type, timestamp: the smallest legal value of the length field. */
    static final int MIN_LENGTH = LogEntry.FIXED_BYTES;
    static final int RECORD_OVERHEAD_BYTES = FRAME_BYTES + LogEntry.FIXED_BYTES;

    private SegmentFormat() {
    }

    /** The encoded header of a segment. */
    static ByteBuffer header(long generation, long firstIndex) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(generation).putLong(firstIndex);
        b.putInt(crc(b, 0, HEADER_BYTES - 4));
        return b.flip();
    }

    /**
     * Checks the header at the start of {@code b} against the values the file name promises.
     *
     * @throws CorruptLogException naming the field, expected and actual values
     */
    static void checkHeader(ByteBuffer b, Path file, long generation, long firstIndex) {
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new CorruptLogException(file, 0, "bad segment magic (expected " + hex(MAGIC) + ", got " + hex(magic) + ")");
        }
        short version = b.getShort(4);
        if (version != VERSION) {
            throw new CorruptLogException(file, 4, "unsupported segment format version " + version
                    + " (this build reads " + VERSION + ")");
        }
        int storedCrc = b.getInt(HEADER_BYTES - 4);
        int actualCrc = crc(b, 0, HEADER_BYTES - 4);
        if (storedCrc != actualCrc) {
            throw new CorruptLogException(file, 0, "segment header CRC mismatch (expected "
                    + hex(storedCrc) + ", got " + hex(actualCrc) + ")");
        }
        checkField(file, 8, "generation", generation, b.getLong(8));
        checkField(file, 16, "first index", firstIndex, b.getLong(16));
    }

    private static void checkField(Path file, long offset, String name, long expected, long actual) {
        if (expected != actual) {
            throw new CorruptLogException(file, offset, "segment header " + name + " disagrees with the file name (expected "
                    + expected + ", got " + actual + ")");
        }
    }

    /** Appends the record of {@code e} to {@code dst}, which must have room for it. */
    static void encode(LogEntry e, ByteBuffer dst, CRC32C crc) {
        int start = dst.position();
        int length = MIN_LENGTH + e.payload().length;
        dst.putInt(length).putInt(0).putLong(e.index()).putLong(e.term()).put(e.type())
                .putLong(e.timestamp()).put(e.payload());
        crc.reset();
        crc.update(dst.duplicate().position(start + FRAME_BYTES).limit(start + FRAME_BYTES + length));
        dst.putInt(start + 4, (int) crc.getValue());
    }

    /**
     * Validates the record at {@code pos} of {@code b} (which ends at {@code b.limit()}): its size
     * if intact, else what is wrong.
     */
    static Check check(ByteBuffer b, int pos, long expectedIndex) {
        int remaining = b.limit() - pos;
        if (remaining < FRAME_BYTES) {
            return Check.damaged("record frame cut short (" + remaining + " of " + FRAME_BYTES + " bytes)", false);
        }
        int length = b.getInt(pos);
        if (length < MIN_LENGTH || length > remaining - FRAME_BYTES) {
            return Check.damaged("record length " + length + " is outside [" + MIN_LENGTH + ", "
                    + (remaining - FRAME_BYTES) + "] (the bytes left in the file)", false);
        }
        int stored = b.getInt(pos + 4);
        int actual = crc(b, pos + FRAME_BYTES, length);
        if (stored != actual) {
            return Check.damaged("record CRC mismatch (expected " + hex(stored) + ", got " + hex(actual) + ")", false);
        }
        long index = b.getLong(pos + FRAME_BYTES);
        if (index != expectedIndex) {
            return Check.damaged("record index out of sequence (expected " + expectedIndex + ", got " + index + ")", true);
        }
        return new Check(FRAME_BYTES + length, null, false);
    }

    /** Decodes a record already validated (or to be validated) starting at {@code pos}. */
    static LogEntry decode(ByteBuffer b, int pos) {
        int length = b.getInt(pos);
        byte[] payload = new byte[length - MIN_LENGTH];
        b.get(pos + RECORD_OVERHEAD_BYTES, payload);
        return new LogEntry(b.getLong(pos + 8), b.getLong(pos + 16), b.get(pos + 24), b.getLong(pos + 25), payload);
    }

    /** Term of the record at {@code pos}. */
    static long term(ByteBuffer b, int pos) {
        return b.getLong(pos + 16);
    }

    static int crc(ByteBuffer b, int from, int length) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate().limit(from + length).position(from));
        return (int) c.getValue();
    }

    static String hex(int v) {
        return String.format("0x%08x", v);
    }

    /**
     * The outcome of {@link #check}.
     *
     * @param sizeBytes total record size if intact
     * @param damage expected vs actual if not intact, for the exception or the log line
     * @param checksumValid true if the bytes are intact but out of place, which a torn write cannot cause
     */
    record Check(int sizeBytes, String damage, boolean checksumValid) {
        static Check damaged(String detail, boolean checksumValid) {
            return new Check(-1, detail, checksumValid);
        }

        boolean isIntact() {
            return damage == null;
        }
    }
}
