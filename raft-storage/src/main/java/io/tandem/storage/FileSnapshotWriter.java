package io.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes a snapshot into a temp file of a {@link FileSnapshotStore}; layout documented there. */
final class FileSnapshotWriter implements SnapshotWriter {

    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotWriter.class);
    private static final int BUFFER_BYTES = 64 * 1024;

    private final FileSnapshotStore store;
    private final Path temp;
    private final SnapshotMeta header;
    private final FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    private long position;
    private long dataBytes;
    private boolean finished;

    FileSnapshotWriter(FileSnapshotStore store, Path temp, SnapshotMeta header) throws IOException {
        this.store = store;
        this.temp = temp;
        this.header = header;
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
        try {
            ByteBuffer h = encodeHeader(header);
            DurableFiles.writeFully(channel, h, 0);
            position = h.limit();
        } catch (IOException e) {
            abandon(e);
            throw e;
        }
    }

    static ByteBuffer encodeHeader(SnapshotMeta m) {
        byte[] config = m.configuration();
        ByteBuffer b = ByteBuffer.allocate(FileSnapshotStore.FIXED_HEADER_BYTES + config.length);
        b.putInt(FileSnapshotStore.MAGIC).putShort(FileSnapshotStore.VERSION).putShort((short) 0)
                .putLong(m.lastIncludedIndex()).putLong(m.lastIncludedTerm()).putInt(config.length).put(config);
        b.putInt(SegmentFormat.crc(b, 0, b.position()));
        return b.flip();
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        checkWritable();
        Objects.checkFromIndexSize(offset, length, bytes.length);
        crc.update(bytes, offset, length);
        dataBytes += length;
        int done = 0;
        while (done < length) {
            int n = Math.min(buffer.remaining(), length - done);
            buffer.put(bytes, offset + done, n);
            done += n;
            if (!buffer.hasRemaining()) {
                flushBuffer();
            }
        }
    }

    @Override
    public void writeChunk(long offset, byte[] chunk) {
        SnapshotChecks.checkChunkOffset(offset, dataBytes);
        write(chunk, 0, chunk.length);
    }

    @Override
    public long bytesWritten() {
        return dataBytes;
    }

    @Override
    public int dataCrc32c() {
        return (int) crc.getValue();
    }

    @Override
    public Snapshot commit() {
        checkWritable();
        SnapshotMeta meta = new SnapshotMeta(header.lastIncludedIndex(), header.lastIncludedTerm(),
                header.configuration(), dataBytes, dataCrc32c());
        try {
            flushBuffer();
            ByteBuffer trailer = ByteBuffer.allocate(FileSnapshotStore.TRAILER_BYTES);
            trailer.putLong(dataBytes).putInt(meta.dataCrc32c()).putInt(FileSnapshotStore.END_MAGIC).flip();
            DurableFiles.writeFully(channel, trailer, position);
            channel.force(true);
            channel.close();
            finished = true;
            Path published = store.publish(temp, meta);
            return FileSnapshot.open(published, false);
        } catch (IOException e) {
            abandon(e);
            throw DurableFiles.wrap("commit snapshot " + header.lastIncludedIndex() + " (" + temp + ")", e);
        }
    }

    @Override
    public void close() {
        if (!finished) {
            abandon(null);
        }
    }

    private void flushBuffer() {
        buffer.flip();
        try {
            DurableFiles.writeFully(channel, buffer, position);
        } catch (IOException e) {
            abandon(e);
            throw DurableFiles.wrap("write snapshot " + temp + " at offset " + position, e);
        }
        position += buffer.limit();
        buffer.clear();
    }

    /** Closes and deletes the temp file; failures of the cleanup are attached to {@code cause} or logged. */
    private void abandon(Exception cause) {
        finished = true;
        try {
            channel.close();
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                LOG.warn("could not delete abandoned snapshot {}; the next open deletes it", temp, e);
            }
        }
    }

    private void checkWritable() {
        if (finished) {
            throw new IllegalStateException("snapshot writer for " + temp + " is already committed or abandoned");
        }
    }
}
