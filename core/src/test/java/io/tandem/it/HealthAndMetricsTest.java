package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tandem.Tandem;
import io.tandem.lock.LockLease;
import io.tandem.metrics.TandemMetrics;
import io.tandem.node.Health;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics checked against known activity, and health answers with their reasons. */
@org.junit.jupiter.api.parallel.Isolated
@org.junit.jupiter.api.Timeout(90)
class HealthAndMetricsTest {

    @TempDir
    Path dir;

    private static double gauge(MeterRegistry r, String name) {
        return r.get(name).gauge().value();
    }

    @Test
    void metricsReflectKnownActivity() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leaderId = c.awaitLeader(LocalCluster.PATIENCE);
            Tandem leader = c.node(leaderId);
            Tandem follower = c.node(leaderId.equals("n1") ? "n2" : "n1");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            SimpleMeterRegistry followerRegistry = new SimpleMeterRegistry();
            try (TandemMetrics m = TandemMetrics.bind(leader, registry);
                 TandemMetrics f = TandemMetrics.bind(follower, followerRegistry)) {
                for (int i = 0; i < 20; i++) {
                    follower.data().write("metrics/" + i, "v");
                }
                LockLease a = leader.lock("m/a").acquire();
                LockLease b = follower.lock("m/b").acquire();
                CompletableFuture<LockLease> waiting = follower.lock("m/a").acquireAsync();
                LocalCluster.await(LocalCluster.PATIENCE, () -> gauge(registry, "tandem.locks.waiters") == 1
                        && gauge(registry, "tandem.locks.held") == 2, "lock gauges: 2 held, 1 waiting");
                assertEquals(3.0, gauge(registry, "tandem.raft.role"), "the leader reports role 3");
                assertEquals(0.0, gauge(followerRegistry, "tandem.raft.role"));
                assertEquals(3.0, gauge(registry, "tandem.raft.voters"));
                assertTrue(gauge(registry, "tandem.sessions") >= 3, "one session per node at least");
                assertTrue(gauge(registry, "tandem.raft.commit.index") >= 23);
                assertTrue(followerRegistry.get("tandem.proposal.latency").timer().count() >= 20,
                        "the follower's 20 writes and its lock calls were timed");
                assertTrue(registry.get("tandem.fsync.latency").timer().count() > 0);
                assertTrue(followerRegistry.get("tandem.proposal.batch.size").summary().count() > 0);
                LocalCluster.await(LocalCluster.PATIENCE, () -> registry.find("tandem.raft.replication.lag").gauges()
                        .size() == 2, "a lag gauge per peer on the leader");
                assertEquals(0.0, registry.get("tandem.ntp.offset").gauge().value(), "no NTP servers: offset 0");
                for (int i = 0; i < 3; i++) {
                    follower.tasks("metrics").submit(io.tandem.task.Task.named("nobody-handles-this").payload("x"));
                }
                LocalCluster.await(LocalCluster.PATIENCE, () -> gauge(registry, "tandem.tasks.ready") == 3,
                        "three ready tasks with no worker");
                a.release();
                waiting.get().release();
                b.release();
                LocalCluster.await(LocalCluster.PATIENCE, () -> gauge(registry, "tandem.locks.held") == 0,
                        "all released");
            }
            assertTrue(registry.find("tandem.raft.role").gauges().isEmpty(), "close() unregisters every meter");
        }
    }

    @Test
    void healthSaysWhyANodeIsNotReady() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            c.awaitLeader(LocalCluster.PATIENCE);
            for (Tandem t : c.nodes.values()) {
                LocalCluster.await(LocalCluster.PATIENCE, () -> t.health().ready(), t.nodeId() + " ready");
            }
            Health ok = c.node("n1").health();
            assertTrue(ok.live() && ok.ready() && ok.problems().isEmpty(), ok.toString());
            c.kill("n2");
            c.kill("n3");
            LocalCluster.await(LocalCluster.PATIENCE, () -> !c.node("n1").health().ready(),
                    "n1 alone is not ready");
            Health alone = c.node("n1").health();
            assertTrue(alone.live(), "its loop still runs");
            assertFalse(alone.problems().isEmpty());
            assertTrue(String.join(";", alone.problems()).matches(".*(no known leader|session not renewed).*"),
                    alone.problems().toString());
            Tandem n1 = c.nodes.remove("n1");
            n1.close();
            Health closed = n1.health();
            assertFalse(closed.live());
            assertFalse(closed.ready());
        }
    }
}
