package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import io.tandem.data.ReadConsistency;
import io.tandem.lock.LockLease;
import io.tandem.node.NodeStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rolling deploys: 5 nodes (3 voters + 2 learners) under continuous writes and lock traffic;
 * every node is restarted one after another (graceful close, start again), three full rounds —
 * with data directories, and disk-less (each start is a new member). Nothing acknowledged is
 * lost, the longest pause between two successful writes is measured and bounded, and the voter
 * count is back at its target after every step.
 */
@org.junit.jupiter.api.parallel.Isolated
@org.junit.jupiter.api.Timeout(300)
class RollingDeployTest {

    private static final int ROUNDS = Integer.getInteger("tandem.rollingRounds", 3);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "disk-less={0}")
    @ValueSource(booleans = {false, true})
    void threeRoundsOfRestartsLoseNothingAndKeepWritesFlowing(boolean inMemory) throws Exception {
        // Dead members are replaced after 4 s, which needs sessions of at most 2 s.
        try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.SHORT_SESSION)) {
            c.inMemory = inMemory;
            c.tuning = b -> b.autopilotDeadServerAfter(Duration.ofSeconds(4));
            c.startFounders();
            c.start("n4");
            c.start("n5");
            awaitShape(c, "initial");

            Map<String, String> acknowledged = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong lastWrite = new AtomicLong(System.nanoTime());
            AtomicLong longestGap = new AtomicLong();
            AtomicLong longestGapEndedAt = new AtomicLong();
            AtomicLong locks = new AtomicLong();
            ConcurrentHashMap<String, Boolean> restarting = new ConcurrentHashMap<>();
            Thread writer = new Thread(() -> {
                long seq = 0;
                while (running.get()) {
                    Tandem t = pick(c, restarting, seq);
                    if (t == null) {
                        continue;
                    }
                    String key = "deploy/" + seq;
                    try {
                        t.data().write(key, "v" + seq);
                        acknowledged.put(key, "v" + seq);
                        long now = System.nanoTime();
                        long gap = now - lastWrite.getAndSet(now);
                        if (gap > longestGap.get()) {
                            longestGap.set(gap);
                            longestGapEndedAt.set(now);
                        }
                        seq++;
                    } catch (RuntimeException e) {
                        seq++; // outcome unknown: not counted as acknowledged; try another node
                    }
                }
            }, "deploy-writer");
            Thread locker = new Thread(() -> {
                long n = 0;
                while (running.get()) {
                    Tandem t = pick(c, restarting, n++);
                    if (t == null) {
                        continue;
                    }
                    try {
                        Optional<LockLease> l = t.lock("deploy-lock").tryAcquire(Duration.ofMillis(500));
                        if (l.isPresent()) {
                            locks.incrementAndGet();
                            l.get().release();
                        }
                    } catch (RuntimeException e) {
                        // the node closed under us or the cluster was busy electing; try again
                    }
                }
            }, "deploy-locker");
            writer.start();
            locker.start();

            List<Long> stepGaps = new ArrayList<>();
            List<String> where = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                for (String id : List.of("n1", "n2", "n3", "n4", "n5")) {
                    longestGap.set(0);
                    restarting.put(id, true);
                    Tandem old = c.nodes.get(id);
                    boolean wasLeader = id.equals(c.leader());
                    long t0 = System.nanoTime();
                    old.close();
                    c.nodes.remove(id);
                    long t1 = System.nanoTime();
                    c.start(id);
                    long t2 = System.nanoTime();
                    restarting.remove(id);
                    awaitShape(c, "round " + round + " after restarting " + id);
                    long t3 = System.nanoTime();
                    stepGaps.add(longestGap.get() / 1_000_000);
                    long end = longestGapEndedAt.get();
                    where.add(id + (wasLeader ? "(leader)" : "") + ": gap " + longestGap.get() / 1_000_000
                            + " ms ending " + (end - t0) / 1_000_000 + " ms after close began; close took "
                            + (t1 - t0) / 1_000_000 + " ms, start " + (t2 - t1) / 1_000_000 + " ms, back in shape after "
                            + (t3 - t2) / 1_000_000 + " ms");
                }
            }
            running.set(false);
            writer.join();
            locker.join();

            long worst = stepGaps.stream().mapToLong(Long::longValue).max().orElse(0);
            System.out.printf("MEASURED rolling deploy (%s, %d rounds): longest write gap per step %s ms; worst %d ms;"
                    + " %d writes, %d lock grants%n", inMemory ? "disk-less" : "with disks", ROUNDS, stepGaps, worst,
                    acknowledged.size(), locks.get());
            where.forEach(w -> System.out.println("  step " + w));
            Tandem reader = c.nodes.get("n1");
            for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                assertEquals(e.getValue(), reader.data().read(e.getKey(), ReadConsistency.LINEARIZABLE)
                        .orElseThrow(() -> new AssertionError("acknowledged write " + e.getKey() + " was lost"))
                        .valueAsString());
            }
            assertTrue(acknowledged.size() > 100, "writes kept flowing: " + acknowledged.size());
            assertTrue(locks.get() > 10, "locks kept being granted: " + locks.get());
            // A graceful hand-over needs no election: on an idle machine the median step gap is 20-60 ms
            // (MEASURED above; docs/operations.md). What must hold on a loaded one too (the flake hunt
            // beside a CPU hog saw medians of 283 and 484 ms with the old 200 ms bound): no step costs
            // a session timeout (2 s), and the typical step stays well below one (no election storm).
            List<Long> sorted = new ArrayList<>(stepGaps);
            java.util.Collections.sort(sorted);
            long median = sorted.get(sorted.size() / 2);
            assertTrue(median < 1_000, "median step gap " + median + " ms: elections on most steps");
            assertTrue(worst < 2_000, "longest write gap " + worst + " ms: as long as a session timeout");
        }
    }

    private static Tandem pick(LocalCluster c, Map<String, Boolean> restarting, long seq) {
        List<Map.Entry<String, Tandem>> up = new ArrayList<>();
        for (Map.Entry<String, Tandem> e : c.nodes.entrySet()) {
            if (!restarting.containsKey(e.getKey())) {
                up.add(e);
            }
        }
        return up.isEmpty() ? null : up.get((int) (seq % up.size())).getValue();
    }

    /** Waits for 3 voters and 2 learners, all of them running members. */
    private static void awaitShape(LocalCluster c, String when) {
        LocalCluster.await(Duration.ofSeconds(30), () -> {
            String leader = c.leader();
            if (leader == null) {
                return false;
            }
            NodeStatus s = c.nodes.get(leader).status();
            List<String> running = new ArrayList<>();
            c.nodes.values().forEach(t -> running.add(t.nodeId()));
            return s.voters().size() == 3 && s.learners().size() == 2 && running.containsAll(s.voters())
                    && running.containsAll(s.learners());
        }, "3 running voters and 2 running learners (" + when + ")");
    }

    @Test
    void aDiskLessRestartIsANewMember() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3)) {
            c.inMemory = true;
            c.startFounders();
            String before = c.nodes.get("n2").nodeId();
            assertTrue(before.startsWith("n2."), before);
            c.nodes.get("n1").data().write("k", "v");
            c.nodes.remove("n2").close();
            Tandem again = c.start("n2");
            assertTrue(!again.nodeId().equals(before) && again.nodeId().startsWith("n2."), again.nodeId());
            assertEquals("v", again.data().read("k").orElseThrow().valueAsString());
        }
    }
}
