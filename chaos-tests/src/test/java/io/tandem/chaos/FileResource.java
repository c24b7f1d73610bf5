package io.tandem.chaos;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The "protected resource" of the fenced-lock workload: an 8-byte file holding the highest
 * fencing token accepted so far, shared by every client process (the file system is not subject
 * to the network faults, as a real store reached over another path would not be). A write is
 * accepted iff its token is at least the highest seen, decided under an exclusive OS file lock,
 * so the check and the update are atomic across processes — the {@code WHERE fence <= :token} of
 * docs/guarantees.md.
 */
final class FileResource implements AutoCloseable {

    /** The decision: when it was made (inside the file lock) and whether it was accepted. */
    record Decision(long decidedNanos, boolean accepted, long highestBefore) {
    }

    private final FileChannel channel;

    FileResource(Path file) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    synchronized Decision write(long token) throws IOException {
        FileLock lock = channel.lock();
        try {
            ByteBuffer buf = ByteBuffer.allocate(8);
            long highest = channel.read(buf, 0) == 8 ? buf.flip().getLong() : Long.MIN_VALUE;
            long decided = HistoryWriter.now();
            if (token < highest) {
                return new Decision(decided, false, highest);
            }
            channel.write(ByteBuffer.allocate(8).putLong(0, token), 0);
            return new Decision(decided, true, highest);
        } finally {
            lock.release();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
