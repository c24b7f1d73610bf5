package io.tandem.jmh;

import io.tandem.lock.DistributedLock;
import io.tandem.lock.LockLease;
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
 * Lock acquire + release round trips on a 3-node cluster in this JVM (loopback Netty, fsync on
 * unless {@code storage=memory}). One operation = {@code acquire()} then {@code release()}: two
 * commands, each committed by a majority and applied on the caller's node. Threads spread over
 * the three nodes (so two thirds of the calls are forwarded by a follower). {@code distinct}: each
 * thread its own lock; {@code shared}: every thread the same lock (FIFO hand-over). Run with
 * {@code -t 1} and {@code -t 8}.
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LockBenchmark {

    @State(Scope.Benchmark)
    public static class Cluster {
        @Param({"disk"})
        String storage;

        BenchCluster cluster;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() throws Exception {
            cluster = BenchCluster.start(storage.equals("memory"));
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            cluster.close();
        }
    }

    @State(Scope.Thread)
    public static class Caller {
        DistributedLock own;
        DistributedLock shared;

        @Setup(Level.Trial)
        public void pick(Cluster c) {
            int i = c.threads.getAndIncrement();
            own = c.cluster.node(i).lock("bench/thread-" + i);
            shared = c.cluster.node(i).lock("bench/shared");
        }
    }

    @Benchmark
    public long distinct(Caller caller) {
        try (LockLease lease = caller.own.acquire()) {
            return lease.fencingToken();
        }
    }

    @Benchmark
    public long shared(Caller caller) {
        try (LockLease lease = caller.shared.acquire()) {
            return lease.fencingToken();
        }
    }
}
