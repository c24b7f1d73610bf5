package io.tandem.jmh;

import io.tandem.testing.TestPorts;
import io.tandem.Tandem;
import io.tandem.TandemConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A 3-node Tandem cluster in this JVM: real Netty over loopback, real segmented logs with fsync
 * under {@code -Dtandem.bench.dir} (or the temp directory), or in memory when asked. Started once
 * per trial; {@link #close()} leaves gracefully and deletes the files.
 */
final class BenchCluster implements AutoCloseable {

    final List<Tandem> nodes = new ArrayList<>();
    private final Path dir;
    private boolean echoWorkers;

    private BenchCluster(Path dir) {
        this.dir = dir;
    }

    static BenchCluster start(boolean inMemory) throws Exception {
        Path dir = inMemory ? null : BenchFiles.newDirectory("tandem-cluster-");
        BenchCluster c = new BenchCluster(dir);
        List<String> seeds = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ports.add(TestPorts.next());
            seeds.add("127.0.0.1:" + ports.get(i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<Tandem>> starting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                TandemConfig.Builder b = Tandem.builder().nodeId("b" + (i + 1)).bind(seeds.get(i)).seeds(seeds)
                        .clusterName("bench").clusterSecret("bench-secret-0123456789abcdef");
                b = inMemory ? b.inMemory() : b.dataDir(dir.resolve("b" + (i + 1)));
                TandemConfig cfg = b.build();
                starting.add(CompletableFuture.supplyAsync(() -> Tandem.start(cfg), pool));
            }
            for (CompletableFuture<Tandem> f : starting) {
                c.nodes.add(f.get());
            }
        } finally {
            pool.shutdown();
        }
        return c;
    }

    /**
     * Registers task {@code echo} (returns its payload) on queue {@code bench} on every node, 16
     * workers each; once per cluster, since quick mode keeps a cluster across trials.
     */
    synchronized void startEchoWorkers() {
        if (!echoWorkers) {
            for (Tandem t : nodes) {
                t.tasks("bench").handle("echo", ctx -> ctx.payload(), 16);
            }
            echoWorkers = true;
        }
    }

    Tandem node(int i) {
        return nodes.get(Math.floorMod(i, nodes.size()));
    }

    @Override
    public void close() throws IOException {
        for (Tandem t : nodes) {
            t.close();
        }
        BenchFiles.deleteRecursively(dir);
    }
}
