package io.tandem.it;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** N real nodes in this JVM: real Netty on loopback, real segmented logs under a temp dir. */
final class LocalCluster implements AutoCloseable {

    static final String SECRET = "integration-test-secret-0123456789";

    final Path root;
    final List<String> seeds = new ArrayList<>();
    final Map<String, Integer> ports = new LinkedHashMap<>();
    final Map<String, Tandem> nodes = new LinkedHashMap<>();
    UnaryOperator<TandemConfig.Builder> tuning = b -> b;
    /** Disk-less nodes: each start is a new member (id.incarnation); the map keys stay the plain ids. */
    boolean inMemory;

    LocalCluster(Path root, int founders) throws IOException {
        this.root = root;
        for (int i = 1; i <= founders; i++) {
            String id = "n" + i;
            ports.put(id, freePort());
            seeds.add("127.0.0.1:" + ports.get(id));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    TandemConfig.Builder config(String id) throws IOException {
        ports.computeIfAbsent(id, k -> {
            try {
                return freePort();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        TandemConfig.Builder b = Tandem.builder().nodeId(id).bind("127.0.0.1:" + ports.get(id))
                .seeds(seeds).dataDir(inMemory ? null : root.resolve(id)).clusterName("it").clusterSecret(SECRET)
                .tick(Duration.ofMillis(20)).electionTimeoutTicks(10).sessionTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(5)).snapshotEveryEntries(200)
                .autopilotStabilization(Duration.ofMillis(300));
        if (inMemory) {
            b.inMemory();
        }
        return tuning.apply(b);
    }

    /** Starts the founders concurrently (formation waits for every seed). */
    LocalCluster startFounders() throws Exception {
        List<CompletableFuture<Tandem>> starting = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        for (String id : seedIds()) {
            TandemConfig cfg = config(id).build();
            starting.add(CompletableFuture.supplyAsync(() -> Tandem.start(cfg), pool));
        }
        pool.shutdown();
        List<String> ids = seedIds();
        for (int i = 0; i < starting.size(); i++) {
            nodes.put(ids.get(i), starting.get(i).get());
        }
        return this;
    }

    private List<String> seedIds() {
        List<String> ids = new ArrayList<>();
        ports.forEach((id, port) -> {
            if (seeds.contains("127.0.0.1:" + port)) {
                ids.add(id);
            }
        });
        return ids;
    }

    Tandem start(String id) throws IOException {
        Tandem t = Tandem.start(config(id).build());
        nodes.put(id, t);
        return t;
    }

    Tandem node(String id) {
        return nodes.get(id);
    }

    String leader() {
        for (Tandem t : nodes.values()) {
            var s = t.status();
            if (s.role() == io.tandem.raft.Role.LEADER) {
                return plainId(s.nodeId());
            }
        }
        return null;
    }

    String awaitLeader(Duration timeout) {
        String[] found = new String[1];
        await(timeout, () -> (found[0] = leader()) != null, "a leader");
        return found[0];
    }

    /** The id a test uses for a member: without the incarnation suffix of a disk-less node. */
    String plainId(String memberId) {
        for (Map.Entry<String, Tandem> e : nodes.entrySet()) {
            if (e.getValue().nodeId().equals(memberId)) {
                return e.getKey();
            }
        }
        return memberId;
    }

    /** Stops a node abruptly: no leadership hand-over, no session close (like a crash, but in-process). */
    void kill(String id) {
        Tandem t = nodes.remove(id);
        t.runtime().close();
        // A crashed node's clock upkeep stops with it; left running, it rewrites hlc.bin in the
        // node's directory and races the temp directory's cleanup at the end of the test.
        t.time().close();
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
    }

    @Override
    public void close() {
        for (Tandem t : nodes.values()) {
            try {
                t.close();
            } catch (RuntimeException e) {
                // best effort during teardown; the test's own assertions already ran
                System.err.println("close of " + t.nodeId() + " failed: " + e);
            }
        }
        nodes.clear();
    }
}
