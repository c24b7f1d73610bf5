package io.tandem.jmh;

import io.tandem.testing.TestPorts;
import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.task.TaskQueue;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Submit → completed throughput of distributed tasks: three real nodes in this JVM (segmented
 * logs with fsync under {@code -Dtandem.bench.dir}, Netty over loopback), every node handling
 * task {@code echo} with 16 workers. One operation = one task submitted on n1 with
 * {@link TaskQueue#run}, claimed by some node's worker through the log, completed through the log,
 * and its result delivered to n1 by n1's own apply: five log entries' worth of work (submit,
 * claim happens in apply, complete, plus batched lease extensions). {@value #WINDOW} tasks are in
 * flight per invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TaskBenchmark {

    static final int WINDOW = 256;

    private final List<Tandem> nodes = new ArrayList<>();
    private Path dir;
    private TaskQueue queue;
    private final byte[] payload = new byte[128];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = BenchFiles.newDirectory("tandem-task-bench-");
        List<String> seeds = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ports.add(TestPorts.next());
            seeds.add("127.0.0.1:" + ports.get(i));
        }
        List<CompletableFuture<Tandem>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TandemConfig cfg = Tandem.builder().nodeId("n" + (i + 1)).bind(seeds.get(i)).seeds(seeds)
                    .dataDir(dir.resolve("n" + (i + 1))).clusterName("bench").clusterSecret("bench-secret-0123456789")
                    .requestTimeout(Duration.ofSeconds(10)).build();
            starting.add(CompletableFuture.supplyAsync(() -> Tandem.start(cfg)));
        }
        for (CompletableFuture<Tandem> f : starting) {
            nodes.add(f.get(60, TimeUnit.SECONDS));
        }
        for (Tandem t : nodes) {
            t.tasks("bench").handle("echo", ctx -> ctx.payload(), 16);
        }
        queue = nodes.get(0).tasks("bench");
    }

    @Benchmark
    @OperationsPerInvocation(WINDOW)
    public int submitToCompleted() throws Exception {
        List<CompletableFuture<byte[]>> running = new ArrayList<>(WINDOW);
        for (int i = 0; i < WINDOW; i++) {
            running.add(queue.run("echo", payload));
        }
        int bytes = 0;
        for (CompletableFuture<byte[]> f : running) {
            bytes += f.get(60, TimeUnit.SECONDS).length;
        }
        return bytes;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        for (Tandem t : nodes) {
            t.close();
        }
        BenchFiles.deleteRecursively(dir);
    }
}
