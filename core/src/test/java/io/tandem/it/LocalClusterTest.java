package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The test cluster itself: a port taken by someone else between allocation and bind fails nothing. */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(120)
class LocalClusterTest {

    @Test
    void foundersStartOverOnFreshPortsWhenOneOfTheirPortsIsTaken(@TempDir Path dir) throws Exception {
        LocalCluster cluster = new LocalCluster(dir, 3);
        int taken = cluster.ports.get("n2");
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress("127.0.0.1", taken)); // another process got there first
            try (LocalCluster c = cluster.startFounders()) {
                assertNotEquals(taken, (int) c.ports.get("n2"));
                assertFalse(c.seeds.contains("127.0.0.1:" + taken), c.seeds.toString());
                c.awaitLeader(LocalCluster.PATIENCE);
                c.node("n1").data().write("k", "v");
                assertEquals("v", c.node("n3").data().read("k").orElseThrow().valueAsString());
            }
        }
    }
}
