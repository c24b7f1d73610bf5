package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Leaving a cluster: whom a leader hands over to, and what closing the last nodes logs. */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownAndTransferTest {

    @Test
    void aLeaderHandsOverToAReachableVoterNotToADownOneWithAnEqualLog(@TempDir Path dir) throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(Duration.ofSeconds(10));
            Tandem l = c.node(leader);
            l.data().write("k", "v");
            List<String> followers = c.nodes.keySet().stream().filter(id -> !id.equals(leader)).sorted().toList();
            String down = followers.get(0);  // first in id order: the old choice among equal match indexes
            String up = followers.get(1);
            LocalCluster.await(Duration.ofSeconds(10), () -> l.runtime().members().join().stream()
                    .allMatch(m -> m.matchIndex() == l.status().lastIndex()), "every follower caught up");
            c.kill(down);
            // Silent for more than an election timeout (200 ms here): no longer reachable.
            LocalCluster.await(Duration.ofSeconds(10), () -> l.runtime().members().join().stream()
                    .anyMatch(m -> m.id().equals(down) && m.silentMs() > 600), down + " silent for 600 ms");
            String chosen = l.runtime().transferLeadershipAway().get(5, TimeUnit.SECONDS);
            assertEquals(up, chosen, "the down voter " + down + " could never take over");
            LocalCluster.await(Duration.ofSeconds(10), () -> up.equals(c.leader()), up + " leading");
        }
    }

    @Test
    void anInterruptDuringStartClosesCleanlyWithoutErrors(@TempDir Path dir) throws Exception {
        java.io.PrintStream originalErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try (LocalCluster c = new LocalCluster(dir, 2)) {
            io.tandem.TandemConfig cfg = c.config("n1").build(); // n2 never starts: start() waits
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic
                    .AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean flagKept = new java.util.concurrent.atomic.AtomicBoolean();
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            Thread starter = new Thread(() -> {
                try {
                    Tandem.start(cfg).close();
                } catch (Throwable t) {
                    thrown.set(t);
                    flagKept.set(Thread.currentThread().isInterrupted());
                }
            }, "starter");
            starter.start();
            // Interrupt while start() waits for the cluster (not while it opens the files).
            LocalCluster.await(Duration.ofSeconds(10), () -> {
                StackTraceElement[] st = starter.getStackTrace();
                for (int i = 0; i + 1 < st.length; i++) {
                    if (st[i].getClassName().equals("java.util.concurrent.CompletableFuture")
                            && st[i].getMethodName().equals("get") && st[i + 1].getClassName().equals(
                            "io.tandem.Tandem") && st[i + 1].getMethodName().equals("start")) {
                        return true;
                    }
                }
                return false;
            }, "start() waiting for the cluster");
            starter.interrupt();
            starter.join(20_000);
            System.setErr(originalErr);
            assertTrue(!starter.isAlive(), "start() returned after the interrupt");
            assertTrue(thrown.get() instanceof io.tandem.TandemException
                    && thrown.get().getMessage().startsWith("interrupted while starting node n1"), String.valueOf(
                    thrown.get()));
            assertTrue(flagKept.get(), "the caller's interrupt flag stays set");
            String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(!log.contains("ERROR") && !log.contains("ClosedByInterruptException"), log);
        } finally {
            System.setErr(originalErr);
        }
    }
}
