package io.tandem.jmh;

import io.tandem.storage.LogEntry;
import io.tandem.storage.SegmentedRaftLog;
import io.tandem.storage.SegmentedRaftLogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
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
 * Append + sync throughput of {@link SegmentedRaftLog} beside the physical floor: a raw
 * {@link FileChannel#write} + {@link FileChannel#force force(false)} loop on the same disk writing,
 * per operation, exactly the bytes the log writes for one batch (payload plus 33 bytes of
 * framing per entry). One operation = one batch appended and made durable. Bytes per second =
 * ops/s x batchSize x entryBytes (payload bytes).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar LogAppend -f 1 -wi 2 -i 3 -w 2s -r 3s
 * </pre>
 * Scratch files go to {@code -Dtandem.bench.dir} (default {@code java.io.tmpdir}), fresh per iteration.
 *
 * <p>The disk's fsync latency drifts by multiples within seconds on a shared virtual machine, so
 * two benchmarks measured minutes apart cannot be compared. {@link #paired} therefore runs one
 * log operation and one raw operation back to back in every invocation (alternating which goes
 * first) and accumulates the time spent in each: {@code rawNanos / logNanos} is the log's
 * throughput as a fraction of the floor, measured under the same conditions.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class LogAppendBenchmark {

    /** Framing per record in segment format 1: length, CRC, index, term, type, timestamp. */
    private static final int RECORD_OVERHEAD_BYTES = 33;

    @Param({"128", "1024", "16384"})
    public int entryBytes;

    @Param({"1", "16", "256"})
    public int batchSize;

    private Path dir;
    private SegmentedRaftLog log;
    private FileChannel raw;
    private long rawPosition;
    private ByteBuffer rawBatch;
    private byte[] payload;

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = BenchFiles.newDirectory("tandem-log-append-");
        log = SegmentedRaftLog.open(SegmentedRaftLogConfig.builder(dir.resolve("log")).maxEntryBytes(1 << 20).build());
        raw = FileChannel.open(dir.resolve("raw.bin"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        rawPosition = 0;
        rawBatch = ByteBuffer.allocateDirect(batchSize * (entryBytes + RECORD_OVERHEAD_BYTES));
        for (int i = 0; i < rawBatch.capacity(); i++) {
            rawBatch.put(i, (byte) (i * 31));
        }
        payload = new byte[entryBytes];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 17);
        }
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        log.close();
        raw.close();
        BenchFiles.deleteRecursively(dir);
    }

    /** Time spent in each half of {@link #paired}, reported per second of measurement. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class PairedTimes {
        public long logNanos;
        public long rawNanos;
        private boolean logFirst;

        @Setup(Level.Iteration)
        public void reset() {
            logNanos = 0;
            rawNanos = 0;
        }
    }

    /** One log operation and one floor operation, timed separately; see the class comment. */
    @Benchmark
    public long paired(PairedTimes times) throws IOException {
        times.logFirst = !times.logFirst;
        long t0 = System.nanoTime();
        long r = times.logFirst ? logAppendSync() : rawWriteForce();
        long t1 = System.nanoTime();
        r += times.logFirst ? rawWriteForce() : logAppendSync();
        long t2 = System.nanoTime();
        times.logNanos += times.logFirst ? t1 - t0 : t2 - t1;
        times.rawNanos += times.logFirst ? t2 - t1 : t1 - t0;
        return r;
    }

    /** One batch through the log: encode, CRC, write, group-commit fsync on the syncer thread. */
    @Benchmark
    public long logAppendSync() {
        long next = log.lastIndex() + 1;
        List<LogEntry> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            batch.add(new LogEntry(next + i, 1, (byte) 0, next + i, payload));
        }
        log.append(batch);
        return log.sync().join();
    }

    /** The floor: the same number of bytes written and fdatasync'ed, nothing else. */
    @Benchmark
    public long rawWriteForce() throws IOException {
        rawBatch.clear();
        while (rawBatch.hasRemaining()) {
            rawPosition += raw.write(rawBatch, rawPosition);
        }
        raw.force(false);
        return rawPosition;
    }
}
