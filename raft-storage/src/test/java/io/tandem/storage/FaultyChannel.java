package io.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileChannel} that delegates to a real one and injects failures where a test asks:
 * a write that stops part-way with ENOSPC, a failing truncate, a failing or gated force.
 */
final class FaultyChannel extends FileChannel {

    /** Shared switches; a test flips them while a log is using the channels. */
    static final class Faults {
        volatile long writeBytesLeft = Long.MAX_VALUE;
        volatile boolean failTruncate;
        volatile boolean failForce;
        volatile CountDownLatch forceGate;
        /** Counted down when a force reaches the gate. */
        final CountDownLatch forceArrived = new CountDownLatch(1);
        final AtomicInteger forces = new AtomicInteger();

        ChannelOpener opener() {
            return (path, options) -> new FaultyChannel(FileChannel.open(path, options), this);
        }
    }

    private final FileChannel real;
    private final Faults faults;

    FaultyChannel(FileChannel real, Faults faults) {
        this.real = real;
        this.faults = faults;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        long left = faults.writeBytesLeft;
        if (left <= 0) {
            throw new IOException("No space left on device");
        }
        if (src.remaining() > left) {
            ByteBuffer part = src.duplicate().limit(src.position() + (int) left);
            int n = real.write(part, position);
            src.position(src.position() + n);
            faults.writeBytesLeft = 0;
            return n;
        }
        int n = real.write(src, position);
        faults.writeBytesLeft = left - n;
        return n;
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (faults.failTruncate) {
            throw new IOException("injected truncate failure");
        }
        real.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        CountDownLatch gate = faults.forceGate;
        if (gate != null) {
            faults.forceArrived.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("force gate not opened within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted at force gate", e);
            }
        }
        if (faults.failForce) {
            throw new IOException("injected fsync failure (EIO)");
        }
        real.force(metaData);
        faults.forces.incrementAndGet();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return real.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        throw new UnsupportedOperationException("the log writes positionally only");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new UnsupportedOperationException("the log writes positionally only");
    }

    @Override
    public long position() throws IOException {
        return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        real.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return real.size();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return real.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return real.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return real.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        real.close();
    }
}
