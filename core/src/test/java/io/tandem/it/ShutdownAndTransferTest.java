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
}
