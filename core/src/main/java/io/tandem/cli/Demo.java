package io.tandem.cli;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.TandemException;
import io.tandem.leader.Leadership;
import io.tandem.lock.FencingGuard;
import io.tandem.lock.LockLease;
import io.tandem.lock.StaleTokenException;
import io.tandem.data.Record;
import io.tandem.node.NodeStatus;
import io.tandem.raft.Role;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/** {@code tandem demo}: a local 3-node cluster on loopback exercising every primitive. */
final class Demo {

    private Demo() {
    }

    // ------------------------------------------------------------------ demo

    static int run(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("tandem-demo-");
        List<String> ids = List.of("n1", "n2", "n3");
        List<String> seeds = new ArrayList<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        java.util.Set<Integer> distinct = new java.util.LinkedHashSet<>();
        while (distinct.size() < ids.size()) {
            distinct.add(freePort()); // a set: two probes may return the same port
        }
        java.util.Iterator<Integer> free = distinct.iterator();
        for (String id : ids) {
            int port = free.next();
            ports.put(id, port);
            seeds.add("127.0.0.1:" + port);
        }
        out.println("== Tandem demo: three nodes on loopback, data under " + dir);
        Map<String, Tandem> nodes = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(ids.size());
        try {
            List<CompletableFuture<Tandem>> starting = new ArrayList<>();
            for (String id : ids) {
                TandemConfig cfg = Tandem.builder().nodeId(id).bind("127.0.0.1:" + ports.get(id)).seeds(seeds)
                        .dataDir(dir.resolve(id)).clusterName("demo").clusterSecret("demo-secret-not-for-production")
                        .sessionTimeout(Duration.ofSeconds(2)).sessionSafetyMargin(Duration.ofMillis(600)).build();
                starting.add(CompletableFuture.supplyAsync(() -> Tandem.start(cfg), pool));
            }
            for (CompletableFuture<Tandem> f : starting) {
                Tandem t = f.get();
                nodes.put(t.nodeId(), t);
            }
            String leader = awaitLeader(nodes, out);
            out.println("-- cluster formed: voters " + nodes.get("n1").status().voters() + ", leader " + leader);

            Record r = nodes.get("n1").data().write("orders/42", "paid");
            out.println("-- n1 wrote orders/42=paid (version " + r.version() + ", revision " + r.modRevision() + ")");
            for (String id : ids) {
                out.println("   " + id + " reads orders/42 = "
                        + nodes.get(id).data().read("orders/42").map(Record::valueAsString).orElse("<missing>")
                        + " (linearizable)");
            }
            Record cas = nodes.get("n2").data().write("orders/42", "shipped".getBytes(),
                    io.tandem.data.WriteOptions.ifVersion(r.version()));
            out.println("-- n2 compare-and-wrote orders/42=shipped at version " + r.version() + " -> version "
                    + cas.version());

            io.tandem.time.ClusterTime time1 = nodes.get("n1").time();
            out.println("-- time: n1's hybrid logical clock reads " + time1.now() + " (ms.logical); NTP offset "
                    + time1.ntpOffsetMs() + " ms" + (time1.ntpStatus().enabled() ? "" : " (no NTP servers configured)"));
            StringBuilder ts = new StringBuilder();
            long lastTs = 0;
            for (String id : ids) {
                for (int i = 0; i < 2; i++) {
                    lastTs = nodes.get(id).time().nextTimestamp();
                    ts.append(ts.length() == 0 ? "" : ", ").append(id).append(' ').append(lastTs);
                }
            }
            out.println("-- timestamp oracle, one node after the other (strictly increasing): " + ts);

            lockHandover(nodes, out);

            // The Raft leader also leads the election "billing"; the other two queue as candidates.
            Leadership billing = nodes.get(leader).leader("billing").elect();
            List<CompletableFuture<Leadership>> candidates = new ArrayList<>();
            for (String id : ids) {
                if (!id.equals(leader)) {
                    candidates.add(nodes.get(id).leader("billing").electAsync());
                }
            }
            out.println("-- " + leader + " leads election 'billing' in term " + billing.term()
                    + "; the other nodes wait as candidates");

            out.println("-- killing the leader " + leader + " (no graceful leave)");
            long killed = System.nanoTime();
            nodes.remove(leader).runtime().close();
            Tandem survivor = nodes.values().iterator().next();
            survivor.data().write("orders/43", "new");
            long ms = (System.nanoTime() - killed) / 1_000_000;
            String next = awaitLeader(nodes, out);
            out.println("-- new Raft leader " + next + "; first write after the kill succeeded in " + ms + " ms");
            Leadership taken = (Leadership) CompletableFuture.anyOf(candidates.toArray(new CompletableFuture[0]))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            out.println("-- election 'billing' failed over to the next candidate in "
                    + (System.nanoTime() - killed) / 1_000_000 + " ms (the dead node's 2 s session expired): term "
                    + taken.term() + " > " + billing.term());
            for (Tandem t : nodes.values()) {
                out.println("   " + t.nodeId() + " reads orders/42 = "
                        + t.data().read("orders/42").map(Record::valueAsString).orElse("<missing>") + ", orders/43 = "
                        + t.data().read("orders/43").map(Record::valueAsString).orElse("<missing>"));
            }
            long afterKill = survivor.time().nextTimestamp();
            out.println("-- timestamp after the crash: " + afterKill + (afterKill > lastTs ? " (above every earlier one)"
                    : " (NOT above " + lastTs + ")"));
            TaskDemo.run(nodes, out);
            out.println("== demo finished: the data survived the leader's crash, the lock moved in order with"
                    + " increasing tokens, and leadership failed over");
            return 0;
        } finally {
            for (Tandem t : nodes.values()) {
                t.close();
            }
            pool.shutdown();
            deleteTree(dir);
        }
    }

    /** A lock passing between nodes in FIFO order, and a fenced store refusing the stale holder. */
    private static void lockHandover(Map<String, Tandem> nodes, PrintStream out) throws Exception {
        FencingGuard store = new FencingGuard("invoice-store");
        LockLease first = nodes.get("n1").lock("invoice-42").acquire();
        store.run(first.fencingToken(), () -> { });
        CompletableFuture<LockLease> waiting = nodes.get("n2").lock("invoice-42").acquireAsync();
        out.println("-- n1 holds lock invoice-42 (fencing token " + first.fencingToken()
                + ") and wrote the invoice; n2 waits in line");
        long t0 = System.nanoTime();
        first.release();
        LockLease second = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
        out.println("-- n1 released; n2 got the lock " + (System.nanoTime() - t0) / 1_000_000 + " ms later with token "
                + second.fencingToken());
        store.run(second.fencingToken(), () -> { });
        try {
            store.run(first.fencingToken(), () -> { });
            throw new TandemException("the fencing guard accepted a stale token");
        } catch (StaleTokenException e) {
            out.println("-- a late write with n1's old token " + first.fencingToken() + " is refused by the store: "
                    + "fencing token " + e.token() + " < " + e.highest());
        }
        second.release();
    }

    private static String awaitLeader(Map<String, Tandem> nodes, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (Tandem t : nodes.values()) {
                NodeStatus s = t.status();
                if (s.role() == Role.LEADER) {
                    return s.nodeId();
                }
            }
            Thread.sleep(20);
        }
        throw new TandemException("no leader elected within 10 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
