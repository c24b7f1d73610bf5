package io.tandem.jmh;

import io.tandem.testing.TestPorts;
import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.raft.Role;
import io.tandem.time.ClusterTime;
import io.tandem.time.HybridClock;
import io.tandem.time.PhysicalClock;
import io.tandem.time.SlewedClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The clocks of {@code io.tandem.time}:
 * <ul>
 *   <li>{@code hlcNow}: one {@link HybridClock#now()} over the NTP-corrected clock (ns/op); the
 *       floor {@code currentTimeMillis} is the raw clock read it contains;</li>
 *   <li>{@code nextTimestamp1/8}: oracle throughput with 1 and 8 calling threads against a
 *       3-node in-JVM cluster over loopback, calling on the leader ({@code where=leader}: served
 *       from memory out of a committed window under the leader lease) or on a follower
 *       ({@code where=follower}: each batch of concurrent callers costs one round trip).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class TimeBenchmark {

    @Param({"leader", "follower"})
    public String where;

    private final List<Tandem> nodes = new ArrayList<>();
    private ClusterTime time;
    private HybridClock hlc;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        hlc = new HybridClock(new SlewedClock(PhysicalClock.SYSTEM, 50_000), 500);
        List<String> seeds = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ports.add(TestPorts.next());
            seeds.add("127.0.0.1:" + ports.get(i));
        }
        List<CompletableFuture<Tandem>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TandemConfig cfg = Tandem.builder().nodeId("b" + (i + 1)).bind(seeds.get(i)).seeds(seeds).inMemory()
                    .clusterName("bench").clusterSecret("time-benchmark-secret-0123456789")
                    .requestTimeout(Duration.ofSeconds(10)).build();
            starting.add(CompletableFuture.supplyAsync(() -> Tandem.start(cfg)));
        }
        for (CompletableFuture<Tandem> f : starting) {
            nodes.add(f.get(60, TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Tandem chosen = null;
        while (chosen == null && System.nanoTime() < deadline) {
            for (Tandem t : nodes) {
                boolean leads = t.status().role() == Role.LEADER;
                if (leads == where.equals("leader")) {
                    chosen = t;
                    break;
                }
            }
            Thread.sleep(20);
        }
        if (chosen == null) {
            throw new IllegalStateException("no " + where + " found");
        }
        time = chosen.time();
        for (int i = 0; i < 1000; i++) {
            time.nextTimestamp(); // the first call waits for the lease and the first window
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tandem t : nodes) {
            t.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long hlcNow() {
        return hlc.now();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public long nextTimestamp1() {
        return time.nextTimestamp();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(8)
    public long nextTimestamp8() {
        return time.nextTimestamp();
    }
}
