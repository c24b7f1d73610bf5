package io.tandem.it;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import java.io.IOException;
import io.tandem.testing.TestPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** N real nodes in this JVM: real Netty on loopback, real segmented logs under a temp dir. */
final class LocalCluster implements AutoCloseable {

    static final String SECRET = "integration-test-secret-0123456789";
    /**
     * How long a test waits for something that takes well under a second on an idle machine: a
     * leader, a replicated write, a queued waiter. Only a failing test waits this long, so it is
     * generous on purpose: beside a CPU hog on a shared 2-core machine the same step can take 50x
     * longer (docs/testing.md).
     */
    static final Duration PATIENCE = Duration.ofSeconds(30);
    /**
     * The session timeout of a test that does not test expiry: long enough that a JVM starved of CPU
     * for seconds (a loaded 2-core machine) does not lose its sessions, and with them its locks,
     * leaderships and ephemeral records, in the middle of a test about something else.
     */
    static final Duration SESSION = Duration.ofSeconds(10);
    /** The session timeout of a test that waits for a session to expire, so that it waits 2 s, not 10. */
    static final Duration SHORT_SESSION = Duration.ofSeconds(2);

    final Path root;
    final List<String> seeds = new ArrayList<>();
    final Map<String, Integer> ports = new LinkedHashMap<>();
    final Map<String, Tandem> nodes = new LinkedHashMap<>();
    UnaryOperator<TandemConfig.Builder> tuning = b -> b;
    /** Disk-less nodes: each start is a new member (id.incarnation); the map keys stay the plain ids. */
    boolean inMemory;
    Duration sessionTimeout;

    LocalCluster(Path root, int founders) throws IOException {
        this(root, founders, SESSION);
    }

    LocalCluster(Path root, int founders, Duration sessionTimeout) throws IOException {
        this.root = root;
        this.sessionTimeout = sessionTimeout;
        for (int i = 1; i <= founders; i++) {
            ports.put("n" + i, 0);
        }
        assignFounderPorts();
    }

    /** Fresh ports for every founder: the seed list names them, so they change together. */
    private void assignFounderPorts() {
        seeds.clear();
        for (String id : new ArrayList<>(ports.keySet())) {
            ports.put(id, TestPorts.next());
            seeds.add("127.0.0.1:" + ports.get(id));
        }
    }

    TandemConfig.Builder config(String id) throws IOException {
        ports.computeIfAbsent(id, k -> TestPorts.next());
        TandemConfig.Builder b = Tandem.builder().nodeId(id).bind("127.0.0.1:" + ports.get(id))
                .seeds(seeds).dataDir(inMemory ? null : root.resolve(id)).clusterName("it").clusterSecret(SECRET)
                .tick(Duration.ofMillis(20)).electionTimeoutTicks(10).sessionTimeout(sessionTimeout)
                .requestTimeout(Duration.ofSeconds(5)).snapshotEveryEntries(200)
                .autopilotStabilization(Duration.ofMillis(300));
        if (inMemory) {
            b.inMemory();
        }
        return tuning.apply(b);
    }

    /**
     * Starts the founders (formation waits for every seed). Each binds its port as it starts; if one
     * finds its port taken (by a process outside this JVM), all start over on fresh ports.
     */
    LocalCluster startFounders() throws Exception {
        List<String> ids = seedIds();
        return TestPorts.retryOnBindFailure(() -> {
            try {
                for (String id : ids) {
                    nodes.put(id, Tandem.startAsync(config(id).build())); // returns once bound
                }
                for (String id : ids) {
                    Tandem t = nodes.get(id);
                    long waitMs = t.config().requestTimeout().toMillis() * 20; // as Tandem.start
                    t.ready().get(waitMs, TimeUnit.MILLISECONDS);
                }
                return this;
            } catch (Exception e) {
                close(); // the caller's try-with-resources never sees this cluster: stop what started
                if (TestPorts.isBindFailure(e)) {
                    for (String id : ids) {
                        deleteTree(root.resolve(id)); // the next founders must start empty
                    }
                    assignFounderPorts();
                }
                throw e;
            }
        });
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

    /**
     * Starts node {@code id}: a restart keeps the node's port (its address is in the configuration);
     * a new node whose port turns out taken tries again on a fresh one.
     */
    Tandem start(String id) throws Exception {
        boolean isNew = !ports.containsKey(id);
        Tandem t = isNew ? TestPorts.retryOnBindFailure(() -> {
            try {
                return Tandem.start(config(id).build());
            } catch (RuntimeException e) {
                ports.remove(id);
                throw e;
            }
        }) : Tandem.start(config(id).build());
        nodes.put(id, t);
        return t;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
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
