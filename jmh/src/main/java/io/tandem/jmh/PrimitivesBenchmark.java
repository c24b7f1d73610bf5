package io.tandem.jmh;

import io.tandem.data.DataStore;
import io.tandem.data.ReadConsistency;
import io.tandem.data.Record;
import io.tandem.data.WriteOptions;
import io.tandem.leader.LeaderElection;
import io.tandem.leader.Leadership;
import io.tandem.lock.DistributedLock;
import io.tandem.lock.LockLease;
import io.tandem.task.TaskQueue;
import io.tandem.time.ClusterTime;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Tandem's primitives on a 3-node cluster in this JVM: loopback Netty, segmented logs with fsync
 * ({@code storage=disk}, the default) or in memory ({@code storage=memory}, labelled as such in
 * reports). The cluster starts once per trial. Thread {@code i} calls node {@code i % 3}, so two
 * thirds of the calls go through a follower, exactly as {@link AtomixBenchmark} does with the
 * baseline; the two classes have the same method names and the report pairs them by name and
 * thread count. Thread counts come from the run ({@code -t}, or {@link Suite}).
 *
 * <ul>
 *   <li>{@code lockDistinct} / {@code lockShared}: acquire + release (two commands) of the
 *       thread's own lock / of one lock all threads share (FIFO hand-over);</li>
 *   <li>{@code write128} / {@code write1k}: unconditional write of 128 B / 1 KiB to the thread's key;</li>
 *   <li>{@code compareAndWrite}: write 128 B if the thread's key is still at the version it last wrote;</li>
 *   <li>{@code readLinearizable} / {@code readStale}: read of one 128 B record (ReadIndex / local replica);</li>
 *   <li>{@code timestamp}: {@code time().nextTimestamp()} (Atomix: {@code AtomicCounter.incrementAndGet});</li>
 *   <li>{@code electResign}: elect in the thread's own election group, then resign;</li>
 *   <li>{@code timeNow}: {@code time().now()}, the node's hybrid logical clock (no baseline);</li>
 *   <li>{@code taskSubmitCompleted}: submit task {@code echo} (128 B) on the thread's node and wait
 *       for its result: submit, claim (in apply), complete, each through the log, handled by
 *       whichever node's worker the cluster assigns (no baseline).</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class PrimitivesBenchmark {

    static final byte[] VALUE_128 = new byte[128];
    static final byte[] VALUE_1K = new byte[1024];
    static final String READ_KEY = "bench/read";

    @State(Scope.Benchmark)
    public static class Cluster {
        @Param({"disk"})
        public String storage;

        BenchCluster cluster;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() throws Exception {
            long t0 = System.nanoTime();
            cluster = Reuse.get("tandem-" + storage, () -> BenchCluster.start(storage.equals("memory")));
            System.out.printf("(cluster started in %d ms) ", (System.nanoTime() - t0) / 1_000_000);
            cluster.node(0).data().write(READ_KEY, VALUE_128);
            cluster.startEchoWorkers();
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            long t0 = System.nanoTime();
            Reuse.release(cluster);
            System.out.printf("(trial teardown %d ms)%n", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    @State(Scope.Thread)
    public static class Caller {
        DistributedLock own;
        DistributedLock shared;
        DataStore data;
        ClusterTime time;
        LeaderElection election;
        TaskQueue tasks;
        String key;
        long version;

        @Setup(Level.Trial)
        public void pick(Cluster c) {
            int i = c.threads.getAndIncrement();
            var node = c.cluster.node(i);
            own = node.lock("bench/thread-" + i);
            shared = node.lock("bench/shared");
            data = node.data();
            time = node.time();
            election = node.leader("bench/election-" + i);
            tasks = node.tasks("bench");
            key = "bench/key-" + i;
            version = data.write(key, VALUE_128).version();
        }
    }

    @Benchmark
    public long lockDistinct(Caller caller) {
        try (LockLease lease = caller.own.acquire()) {
            return lease.fencingToken();
        }
    }

    @Benchmark
    public long lockShared(Caller caller) {
        try (LockLease lease = caller.shared.acquire()) {
            return lease.fencingToken();
        }
    }

    @Benchmark
    public long write128(Caller caller) {
        return caller.data.write(caller.key, VALUE_128).version();
    }

    @Benchmark
    public long write1k(Caller caller) {
        return caller.data.write(caller.key, VALUE_1K).version();
    }

    @Benchmark
    public long compareAndWrite(Caller caller) {
        Record r = caller.data.write(caller.key, VALUE_128, WriteOptions.ifVersion(caller.version));
        caller.version = r.version();
        return r.version();
    }

    @Benchmark
    public int readLinearizable(Caller caller) {
        return caller.data.read(READ_KEY).orElseThrow().value().length;
    }

    @Benchmark
    public int readStale(Caller caller) {
        return caller.data.read(READ_KEY, ReadConsistency.STALE).orElseThrow().value().length;
    }

    @Benchmark
    public long timestamp(Caller caller) {
        return caller.time.nextTimestamp();
    }

    @Benchmark
    public long electResign(Caller caller) {
        Leadership l = caller.election.elect();
        l.resign();
        return l.term();
    }

    @Benchmark
    public int taskSubmitCompleted(Caller caller) throws Exception {
        return caller.tasks.run("echo", VALUE_128).get(30, TimeUnit.SECONDS).length;
    }

    @Benchmark
    public long timeNow(Caller caller) {
        return caller.time.nowPacked();
    }
}
