package io.tandem.jmh;

import io.tandem.Tandem;
import io.tandem.lock.LockLease;
import io.tandem.raft.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The runtime's thread model measured where it shows (issue #17): a 3-node cluster in one JVM
 * with the leader found and pinned, every call made either on the leader ({@code side=leader})
 * or on one follower, so every call is forwarded ({@code side=follower}); disk with fsync or
 * memory. Uses the public API only, so the same file measures an older build too. After each
 * iteration it prints the JVM's context switches (all threads, from /proc) per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PinnedLeaderBenchmark {

    @Param({"leader", "follower"})
    public String side;

    @Param({"memory", "disk"})
    public String storage;

    private BenchCluster cluster;
    private Tandem target;
    private final AtomicLong ops = new AtomicLong();
    private long switchesAtStart;
    private long opsAtStart;
    private final byte[] value = new byte[128];

    @Setup(Level.Trial)
    public void start() throws Exception {
        cluster = BenchCluster.start(storage.equals("memory"));
        int leader = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (leader < 0 && System.nanoTime() < deadline) {
            for (int i = 0; i < 3; i++) {
                if (cluster.node(i).status().role() == Role.LEADER) {
                    leader = i;
                }
            }
        }
        if (leader < 0) {
            throw new IllegalStateException("no leader within 30 s");
        }
        target = cluster.node(side.equals("leader") ? leader : leader + 1);
        target.data().write("read-key", value);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        cluster.close();
    }

    @Setup(Level.Iteration)
    public void countFrom() {
        switchesAtStart = contextSwitches();
        opsAtStart = ops.get();
    }

    @TearDown(Level.Iteration)
    public void report(BenchmarkParams params) {
        long n = ops.get() - opsAtStart;
        long cs = contextSwitches() - switchesAtStart;
        System.out.printf("%nCTXSW %s side=%s storage=%s threads=%d: %d ops, %d context switches, %.1f per op%n",
                params.getBenchmark().replaceAll(".*\\.", ""), side, storage, params.getThreads(), n, cs,
                n == 0 ? 0.0 : (double) cs / n);
    }

    /** Voluntary + involuntary context switches of every thread of this JVM. */
    static long contextSwitches() {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (java.io.IOException gone) {
                    // the thread ended while we listed them: its switches are simply not counted
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return total;
    }

    @Benchmark
    public long lockAcquireRelease(ThreadParams t) {
        try (LockLease l = target.lock("pinned-" + t.getThreadIndex()).acquire()) {
            ops.incrementAndGet();
            return l.fencingToken();
        }
    }

    @Benchmark
    public Object write128(ThreadParams t) {
        ops.incrementAndGet();
        return target.data().write("pinned-" + t.getThreadIndex(), value);
    }

    @Benchmark
    public Object readLinearizable() {
        ops.incrementAndGet();
        return target.data().read("read-key");
    }
}
