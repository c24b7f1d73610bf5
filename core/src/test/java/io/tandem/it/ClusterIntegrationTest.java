package io.tandem.it;

import io.tandem.testing.TestPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.CompactedException;
import io.tandem.Tandem;
import io.tandem.VersionConflictException;
import io.tandem.data.ReadConsistency;
import io.tandem.data.Record;
import io.tandem.data.WatchEvent;
import io.tandem.data.WriteOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real nodes in one JVM over real Netty and real files. */
// Real sockets, processes and timeouts: never share the CPU with the parallel simulations.
@org.junit.jupiter.api.parallel.Isolated
@org.junit.jupiter.api.Timeout(90)
class ClusterIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void threeNodesFormWriteAndReadLinearizablyEverywhere() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            Record r = c.node("n1").data().write("orders/1", "paid");
            assertEquals(1, r.version());
            for (String id : List.of("n1", "n2", "n3")) {
                assertEquals("paid", c.node(id).data().read("orders/1").orElseThrow().valueAsString(),
                        "linearizable read on " + id);
            }
            Record r2 = c.node("n2").data().write("orders/1", "shipped".getBytes(), WriteOptions.ifVersion(1));
            assertEquals(2, r2.version());
            assertThrows(VersionConflictException.class,
                    () -> c.node("n3").data().write("orders/1", "lost".getBytes(), WriteOptions.ifVersion(1)));
            assertTrue(c.node("n3").data().delete("orders/1", 2));
            assertTrue(c.node("n1").data().read("orders/1").isEmpty());
            assertEquals(3, c.node("n1").status().voters().size());
        }
    }

    @Test
    void leaderCrashLosesNoAcknowledgedWrite() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(LocalCluster.PATIENCE);
            List<String> acked = new ArrayList<>();
            String writer = leader.equals("n1") ? "n2" : "n1";
            for (int i = 0; i < 50; i++) {
                c.node(writer).data().write("k" + i, "v" + i);
                acked.add("k" + i);
            }
            long killedAt = System.nanoTime();
            c.kill(leader);
            c.node(writer).data().write("after-failover", "x");
            long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("failover: leader " + leader + " killed -> first successful write after " + failoverMs
                    + " ms");
            String newLeader = c.awaitLeader(LocalCluster.PATIENCE);
            assertNotEquals(leader, newLeader);
            for (String k : acked) {
                assertTrue(c.node(writer).data().read(k).isPresent(), "acknowledged write " + k + " lost");
            }
        }
    }

    @Test
    void aLinearizableReadOnAFollowerIsServedWhenTheLeaderDiesUnderIt() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(LocalCluster.PATIENCE);
            String follower = leader.equals("n1") ? "n2" : "n1";
            c.node(follower).data().write("k", "v"); // the follower knows the leader and forwards reads to it
            c.kill(leader);
            long started = System.nanoTime();
            // The ReadIndex request goes to the dead leader and is never answered; the read must be re-asked
            // of the next leader instead of waiting out the request timeout (5 s here, which would throw).
            assertEquals("v", c.node(follower).data().read("k").orElseThrow().valueAsString());
            System.out.println("read on " + follower + " after the leader died: " + (System.nanoTime() - started)
                    / 1_000_000 + " ms");
        }
    }

    /**
     * A snapshot waits until the commands since the last one add up to its size: with a large
     * state, many small writes past {@code snapshotEveryEntries} (200 here) take none; enough
     * bytes do.
     */
    @Test
    void aLargeStateIsNotSnapshottedEveryFewSmallWrites() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(LocalCluster.PATIENCE);
            Tandem n = c.node(leader);
            byte[] big = new byte[16 * 1024];
            // The state holds each record and, in the watch history, each change: ~6.5 MB at the first
            // snapshot, which comes after 200 entries.
            for (int i = 0; i < 250; i++) {
                n.data().write("big" + i, big);
            }
            LocalCluster.await(LocalCluster.PATIENCE, () -> n.status().snapshotIndex() > 0, "a first snapshot");
            long first = n.status().snapshotIndex();
            for (int i = 0; i < 1000; i++) { // 1,000 entries of ~100 bytes: far less than the snapshot
                n.data().write("small" + (i % 10), "v" + i);
            }
            assertEquals(first, n.status().snapshotIndex(), "100 KB of commands must not rewrite a 6 MB state");
            for (int i = 0; i < 600; i++) { // ~9.8 MB of commands: more than the snapshot
                n.data().write("big" + (i % 250), big);
            }
            LocalCluster.await(LocalCluster.PATIENCE, () -> n.status().snapshotIndex() > first, "a second snapshot");
        }
    }

    @Test
    void stoppedFollowerRestartsAndCatchesUpThroughSnapshot() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(LocalCluster.PATIENCE);
            String follower = leader.equals("n3") ? "n2" : "n3";
            String writer = leader;
            c.kill(follower);
            for (int i = 0; i < 600; i++) {
                c.node(writer).data().write("key" + (i % 50), "value" + i);
            }
            long snapshotIndex = c.node(leader).status().snapshotIndex();
            assertTrue(snapshotIndex > 0, "leader must have compacted its log");
            // Every write above is committed: the follower must apply up to here before the stale read
            // below can see the last one (it once waited for "commit - 5" and could miss it).
            long committed = c.node(leader).status().commitIndex();
            Tandem back = c.start(follower);
            LocalCluster.await(LocalCluster.PATIENCE, () -> back.status().appliedIndex() >= committed,
                    follower + " catching up");
            assertEquals("value599", back.data().read("key49", ReadConsistency.STALE).orElseThrow().valueAsString());
            assertTrue(back.status().snapshotIndex() > 0, "the follower must have installed a snapshot");
        }
    }

    @Test
    void aFourthNodeJoinsAsLearnerAndServesLinearizableReads() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            c.node("n1").data().write("shared", "before-join");
            Tandem n4 = c.start("n4");
            assertTrue(n4.status().learners().contains("n4"), "with voterCount 3 the fourth node stays a learner");
            assertEquals("before-join", n4.data().read("shared").orElseThrow().valueAsString());
            n4.data().write("shared", "from-learner");
            assertEquals("from-learner", c.node("n2").data().read("shared").orElseThrow().valueAsString());
        }
    }

    @Test
    void fiveVotersTolerateTwoFailuresIncludingTheLeader() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 5)) {
            c.tuning = b -> b.voterCount(5);
            c.startFounders();
            assertEquals(5, c.node("n1").status().voters().size());
            String leader = c.awaitLeader(LocalCluster.PATIENCE);
            String other = leader.equals("n5") ? "n4" : "n5";
            String writer = List.of("n1", "n2", "n3").stream().filter(n -> !n.equals(leader)).findFirst().get();
            c.node(writer).data().write("before", "1");
            c.kill(leader);
            c.kill(other);
            c.node(writer).data().write("after", "2");
            for (Tandem t : c.nodes.values()) {
                assertEquals("1", t.data().read("before").orElseThrow().valueAsString());
                assertEquals("2", t.data().read("after").orElseThrow().valueAsString());
            }
        }
    }

    @Test
    void aLeaderThatClosesHandsOverLeadership() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(LocalCluster.PATIENCE);
            long term = c.node(leader).status().term();
            long start = System.nanoTime();
            c.node(leader).close();
            c.nodes.remove(leader);
            String next = c.awaitLeader(LocalCluster.PATIENCE);
            System.out.println("graceful close of leader " + leader + " -> new leader " + next + " after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms (close included)");
            assertNotEquals(leader, next);
            assertTrue(c.node(next).status().term() > term, "the new leader leads a later term");
        }
    }

    @Test
    void foundersWithDifferentSeedListsRefuseToFormACluster() throws Exception {
        int p1 = TestPorts.next();
        int p2 = TestPorts.next();
        int p3 = TestPorts.next();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> Tandem.builder().nodeId("n1")
                    .bind("127.0.0.1:" + p1).seeds("127.0.0.1:" + p1, "127.0.0.1:" + p2).inMemory()
                    .clusterSecret(LocalCluster.SECRET).requestTimeout(Duration.ofMillis(500)).start(), pool);
            var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> Tandem.builder().nodeId("n2")
                    .bind("127.0.0.1:" + p2).seeds("127.0.0.1:" + p1, "127.0.0.1:" + p2, "127.0.0.1:" + p3)
                    .inMemory().clusterSecret(LocalCluster.SECRET).requestTimeout(Duration.ofMillis(500)).start(), pool);
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> first.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("every founder must list the same seeds"),
                    e.getCause().getMessage());
            assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> second.get(30, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void joinersArePromotedUntilTheVoterTargetIsReached() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders()) {
            assertEquals(List.of("n1"), c.node("n1").status().voters());
            c.node("n1").data().write("seeded", "1");
            c.start("n2");
            c.start("n3");
            Tandem n4 = c.start("n4");
            LocalCluster.await(LocalCluster.PATIENCE, () -> c.node("n1").status().voters().size() == 3,
                    "two learners promoted to voters");
            LocalCluster.await(LocalCluster.PATIENCE, () -> c.node("n1").status().learners().size() == 1,
                    "the fourth node kept as a learner");
            assertEquals("1", n4.data().read("seeded").orElseThrow().valueAsString());
        }
    }

    @Test
    void ephemeralRecordsGoWithTheirSessionAndTtlsExpire() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.SHORT_SESSION).startFounders()) {
            c.node("n3").data().write("lease/n3", "alive".getBytes(), WriteOptions.NONE.ephemeral());
            c.node("n2").data().write("crash/n2", "alive".getBytes(), WriteOptions.NONE.ephemeral());
            c.node("n1").data().write("ttl", "short".getBytes(), WriteOptions.withTtl(Duration.ofMillis(300)));
            c.node("n3").close(); // graceful: the session closes at once
            c.nodes.remove("n3");
            assertTrue(c.node("n1").data().read("lease/n3").isEmpty(), "graceful close must release at once");
            c.start("n3"); // back from its data directory, so n1 + n3 keep a majority below
            c.kill("n2");
            LocalCluster.await(LocalCluster.PATIENCE, () -> c.node("n1").data().read("crash/n2").isEmpty()
                    && c.node("n1").data().read("ttl").isEmpty(), "session expiry and ttl");
        }
    }

    @Test
    void watchDeliversInOrderFromARevisionAndReportsCompaction() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3)) {
            c.tuning = b -> b.watchHistoryEvents(100);
            c.startFounders();
            long start = c.node("n1").data().write("w/a", "1").modRevision();
            c.node("n1").data().write("other", "x");
            c.node("n1").data().write("w/b", "2");
            List<WatchEvent> seen = Collections.synchronizedList(new ArrayList<>());
            try (var w = c.node("n2").data().watch("w/", start, seen::add)) {
                c.node("n3").data().write("w/a", "3");
                c.node("n3").data().delete("w/b");
                LocalCluster.await(LocalCluster.PATIENCE, () -> seen.size() >= 4, "4 watch events");
            }
            List<String> got = seen.stream().map(e -> e.type() + " " + e.key()).toList();
            assertEquals(List.of("PUT w/a", "PUT w/b", "PUT w/a", "DELETE w/b"), got);
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i).revision() > seen.get(i - 1).revision());
            }
            for (int i = 0; i < 150; i++) {
                c.node("n1").data().write("filler", "v" + i);
            }
            assertThrows(CompactedException.class, () -> c.node("n1").data().watch("w/", start, e -> { }));
        }
    }

    @Test
    void restartedClusterKeepsItsData() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            c.node("n1").data().write("durable", "yes");
            for (int i = 0; i < 300; i++) { // past snapshotEveryEntries (200): restart goes through a snapshot
                c.node("n1").data().write("bulk/" + (i % 20), "v" + i);
            }
            assertTrue(c.node("n1").status().snapshotIndex() > 0, "n1 must have taken a snapshot");
            c.close();
            c.startFounders();
            assertEquals("yes", c.node("n2").data().read("durable").orElseThrow().valueAsString());
            assertEquals("v299", c.node("n1").data().read("bulk/19", ReadConsistency.STALE).orElseThrow()
                    .valueAsString(), "state restored from the snapshot plus the log after it");
            assertFalse(c.node("n3").status().voters().isEmpty());
            assertNotNull(c.awaitLeader(LocalCluster.PATIENCE));
        }
    }
}
