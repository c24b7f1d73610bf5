package io.tandem.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The atomix-raft baseline: the operations of {@link PrimitivesBenchmark}, same names, same
 * thread placement (thread {@code i} on member {@code i % 3}), on three Atomix 3.1.12 members in
 * this JVM (Raft partition group of 3, disk storage with flush-on-commit; {@code storage=memory}
 * for Atomix's in-memory log). Atomix runs in its own class loader ({@link AtomixBaseline}).
 *
 * <p>Mapping: lock = {@code AtomicLock.lock()+unlock()} (one handle and session per thread);
 * write = {@code AtomicMap.put}; compare-and-write = {@code AtomicMap.replace(key, old, new)};
 * linearizable read = {@code get} on a map with {@code ReadConsistency.LINEARIZABLE}; stale read
 * = {@code get} with {@code SEQUENTIAL} (Atomix's weakest); timestamp = {@code
 * AtomicCounter.incrementAndGet()}; elect/resign = {@code LeaderElection.run + withdraw}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g",
        // Atomix 3.1.12's Kryo 4 and Netty 4.1 reach into JDK internals.
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.time=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
        "-Dio.netty.tryReflectionSetAccessible=true",
        // Atomix scans for its primitive types with ClassGraph; only its own packages matter.
        "-Dio.atomix.whitelistPackages=io.atomix"})
public class AtomixBenchmark {

    @State(Scope.Benchmark)
    public static class Cluster {
        @Param({"disk"})
        public String storage;

        AtomixBaseline cluster;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() throws Exception {
            long t0 = System.nanoTime();
            cluster = Reuse.get("atomix-" + storage, () -> AtomixBaseline.start(storage.equals("memory")));
            System.out.printf("(cluster started in %d ms) ", (System.nanoTime() - t0) / 1_000_000);
            cluster.useCaller(0);
            cluster.put(0, PrimitivesBenchmark.READ_KEY, PrimitivesBenchmark.VALUE_128);
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
        AtomixBaseline atomix;
        int id;
        String key;

        @Setup(Level.Trial)
        public void pick(Cluster c) {
            atomix = c.cluster;
            Thread.currentThread().setContextClassLoader(atomix.loader());
            // Caller ids restart at 0 each trial, so a kept cluster reuses its sessions.
            id = c.threads.getAndIncrement();
            atomix.useCaller(id);
            key = "bench/key-" + id;
        }
    }

    @Benchmark
    public long lockDistinct(Caller c) {
        return c.atomix.lockDistinct(c.id);
    }

    @Benchmark
    public long lockShared(Caller c) {
        return c.atomix.lockShared(c.id);
    }

    @Benchmark
    public int write128(Caller c) {
        return c.atomix.put(c.id, c.key, PrimitivesBenchmark.VALUE_128);
    }

    @Benchmark
    public int write1k(Caller c) {
        return c.atomix.put(c.id, c.key, PrimitivesBenchmark.VALUE_1K);
    }

    @Benchmark
    public boolean compareAndWrite(Caller c) {
        return c.atomix.compareAndWrite(c.id);
    }

    @Benchmark
    public int readLinearizable(Caller c) {
        return c.atomix.read(c.id, PrimitivesBenchmark.READ_KEY, true);
    }

    @Benchmark
    public int readStale(Caller c) {
        return c.atomix.read(c.id, PrimitivesBenchmark.READ_KEY, false);
    }

    @Benchmark
    public long timestamp(Caller c) {
        return c.atomix.increment(c.id);
    }

    @Benchmark
    public long electResign(Caller c) {
        return c.atomix.electResign(c.id);
    }
}
