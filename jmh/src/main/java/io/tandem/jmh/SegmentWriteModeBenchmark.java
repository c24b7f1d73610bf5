package io.tandem.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FileChannel versus memory-mapped segment writes, the measurement behind the choice documented
 * in {@code SegmentedRaftLog}. Each operation appends {@code batchBytes} at the end of a segment
 * and, in the {@code ...Sync} variants, makes them durable: {@code force(false)} (fdatasync) for
 * the channel, {@code MappedByteBuffer.force(index, length)} (msync of the touched range) for the
 * mapping. The mapped file is pre-sized to one 64 MiB segment, as a mapped log would have to be;
 * both modes wrap to the start of their 64 MiB file when it is full, so both overwrite after the
 * first pass and neither fills the disk.
 *
 * <p>{@link #pairedSync} times, inside every invocation, one durable append in each of three
 * modes, so that they share the disk's conditions of the moment: a FileChannel appending to a
 * growing file (what {@code SegmentedRaftLog} does), a FileChannel overwriting a preallocated,
 * zero-filled file, and a mapping of such a file. The nanosecond counters it reports compare
 * the three directly; the separate benchmarks give absolute numbers only.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar SegmentWriteMode -f 1 -wi 2 -i 3 -w 2s -r 3s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class SegmentWriteModeBenchmark {

    private static final int SEGMENT_BYTES = 64 << 20;

    /** One 128-byte entry, 16 one-KiB entries, 256 sixteen-KiB entries, framing included. */
    @Param({"161", "16912", "4202752"})
    public int batchBytes;

    private Path dir;
    private FileChannel channel;
    private long channelPosition;
    private FileChannel mappedChannel;
    private MappedByteBuffer mapped;
    private ByteBuffer batch;
    private byte[] batchArray;

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = BenchFiles.newDirectory("tandem-write-mode-");
        channel = FileChannel.open(dir.resolve("channel.seg"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        channelPosition = 0;
        mappedChannel = FileChannel.open(dir.resolve("mapped.seg"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        mapped = mappedChannel.map(FileChannel.MapMode.READ_WRITE, 0, SEGMENT_BYTES);
        batchArray = new byte[batchBytes];
        for (int i = 0; i < batchArray.length; i++) {
            batchArray[i] = (byte) (i * 31);
        }
        batch = ByteBuffer.allocateDirect(batchBytes).put(batchArray);
        openPaired();
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        closePaired();
        channel.close();
        mappedChannel.close();
        mapped = null;
        BenchFiles.deleteRecursively(dir);
    }

    /** Time spent in each mode by {@link #pairedSync}, reported per second of measurement. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class PairedTimes {
        public long appendNanos;
        public long preallocatedNanos;
        public long mappedNanos;
        private int turn;

        @Setup(Level.Iteration)
        public void reset() {
            appendNanos = 0;
            preallocatedNanos = 0;
            mappedNanos = 0;
        }
    }

    private FileChannel growing;
    private long growingPosition;
    private FileChannel preallocated;
    private long preallocatedPosition;

    private void openPaired() throws IOException {
        growing = FileChannel.open(dir.resolve("growing.seg"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        growingPosition = 0;
        preallocated = FileChannel.open(dir.resolve("preallocated.seg"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        preallocatedPosition = 0;
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long p = 0; p < SEGMENT_BYTES; p += zeros.capacity()) {
            zeros.clear();
            preallocated.write(zeros, p);
            mapped.put((int) p, new byte[zeros.capacity()]);
        }
        preallocated.force(true);
        mapped.force();
        mapped.position(0);
    }

    private void closePaired() throws IOException {
        growing.close();
        preallocated.close();
    }

    /** One durable append per mode, rotating which goes first; see the class comment. */
    @Benchmark
    public long pairedSync(PairedTimes t) throws IOException {
        long r = 0;
        for (int k = 0; k < 3; k++) {
            int mode = (t.turn + k) % 3;
            long t0 = System.nanoTime();
            if (mode == 0) {
                growingPosition = writeAt(growing, growingPosition, false);
                growing.force(false);
            } else if (mode == 1) {
                preallocatedPosition = writeAt(preallocated, preallocatedPosition, true);
                preallocated.force(false);
            } else {
                r += mappedPutSync();
            }
            long nanos = System.nanoTime() - t0;
            if (mode == 0) {
                t.appendNanos += nanos;
            } else if (mode == 1) {
                t.preallocatedNanos += nanos;
            } else {
                t.mappedNanos += nanos;
            }
        }
        t.turn++;
        return r + growingPosition + preallocatedPosition;
    }

    private long writeAt(FileChannel ch, long position, boolean wrap) throws IOException {
        long p = wrap && position + batchBytes > SEGMENT_BYTES ? 0 : position;
        batch.clear();
        while (batch.hasRemaining()) {
            p += ch.write(batch, p);
        }
        return p;
    }

    @Benchmark
    public long channelWriteSync() throws IOException {
        long p = channelWrite();
        channel.force(false);
        return p;
    }

    @Benchmark
    public long mappedPutSync() {
        int start = mappedPut();
        mapped.force(start, batchBytes);
        return start;
    }

    /** Page-cache cost only: how much each mode spends per write before any flush. */
    @Benchmark
    public long channelWrite() throws IOException {
        if (channelPosition + batchBytes > SEGMENT_BYTES) {
            channelPosition = 0;
        }
        batch.clear();
        while (batch.hasRemaining()) {
            channelPosition += channel.write(batch, channelPosition);
        }
        return channelPosition;
    }

    @Benchmark
    public int mappedPut() {
        int start = mapped.position();
        if (start + batchBytes > SEGMENT_BYTES) {
            start = 0;
        }
        mapped.put(start, batchArray);
        mapped.position(start + batchBytes);
        return start;
    }
}
