package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.data.ReadConsistency;
import io.tandem.data.Record;
import io.tandem.testing.TestPorts;
import io.tandem.transport.Endpoint;
import io.tandem.transport.TransportException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bind(host:0)}: the node takes any free port, advertises the port it got, and a cluster forms
 * from the addresses the nodes report. And a node whose port is taken fails to start without
 * keeping anything (data directory, threads), so the caller can start it again elsewhere.
 */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(120)
class PortZeroTest {

    private final List<Tandem> nodes = new ArrayList<>();

    private static TandemConfig.Builder node(String id, String bind) {
        return Tandem.builder().nodeId(id).bind(bind).inMemory().clusterName("port0").clusterSecret(LocalCluster.SECRET)
                .tick(Duration.ofMillis(20)).electionTimeoutTicks(10).sessionTimeout(Duration.ofSeconds(2))
                .autopilotStabilization(Duration.ofMillis(300));
    }

    private Tandem start(TandemConfig.Builder b) {
        Tandem t = b.start();
        nodes.add(t);
        return t;
    }

    @AfterEach
    void stop() {
        for (Tandem t : nodes) {
            t.close();
        }
    }

    @Test
    void nodesBoundToPortZeroAdvertiseTheirPortAndFormAClusterFromTheReportedAddresses() {
        Tandem first = start(node("z1", "127.0.0.1:0"));
        String a1 = first.address();
        Endpoint bound = Endpoint.parse(a1);
        assertEquals("127.0.0.1", bound.host());
        assertNotEquals(0, bound.port(), a1);
        assertEquals(bound, first.config().bind(), "config() shows the port bound");
        assertEquals(List.of(bound), first.config().seeds(), "with no seeds it founds a cluster of its own");

        Tandem second = start(node("z2", "127.0.0.1:0").seeds(a1));
        Tandem third = start(node("z3", "127.0.0.1:0").seeds(a1));
        assertNotEquals(second.address(), third.address());
        // The leader reaches the joiners only at the addresses they advertised: replication, promotion
        // to voter and a linearizable read on a joiner all depend on them.
        LocalCluster.await(Duration.ofSeconds(60), () -> first.status().voters().size() == 3,
                "three voters (z2 and z3 promoted)");
        Record r = third.data().write("port0/k", "v");
        Optional<Record> read = second.data().read("port0/k", ReadConsistency.LINEARIZABLE);
        assertEquals("v", read.orElseThrow().valueAsString());
        assertEquals(r.version(), read.get().version());
    }

    @Test
    void aWildcardBindToPortZeroAdvertisesTheGivenHostWithTheBoundPort() {
        Tandem t = start(node("w1", "0.0.0.0:0").advertise("127.0.0.1:0"));
        int port = t.config().bind().port();
        assertNotEquals(0, port);
        assertEquals("127.0.0.1:" + port, t.address());
        assertEquals("v", t.data().write("w/k", "v").valueAsString());
    }

    @Test
    void aStartThatFindsItsPortTakenKeepsNothingSoTheNextStartSucceeds(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", TestPorts.next()));
            TransportException e = assertThrows(TransportException.class, () -> Tandem.builder().nodeId("d1")
                    .bind("127.0.0.1:" + taken.getLocalPort()).dataDir(dir).clusterSecret(LocalCluster.SECRET)
                    .start());
            assertTrue(TestPorts.isBindFailure(e), e.toString());
        }
        // The same data directory again (its log is locked while open): only works if the failed start let go.
        Tandem t = start(Tandem.builder().nodeId("d1").bind("127.0.0.1:0").dataDir(dir)
                .clusterSecret(LocalCluster.SECRET).tick(Duration.ofMillis(20)).electionTimeoutTicks(10).sessionTimeout(Duration.ofSeconds(2)));
        assertEquals("v", t.data().write("d/k", "v").valueAsString());
    }
}
