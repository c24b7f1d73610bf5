package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.TandemException;
import io.tandem.node.Wire.ClientOp;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.remote.RemoteClient;
import io.tandem.transport.Endpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client protocol against a real one-node cluster in this JVM: the edges the CLI test does not reach. */
// Real sockets, processes and timeouts: never share the CPU with the parallel simulations.
@org.junit.jupiter.api.parallel.Isolated
@Timeout(60)
class ClientProtocolTest {

    @TempDir
    Path dir;

    @Test
    void anAnswerLargerThanOneFrameComesBackAsAClearErrorAndASmallerLimitWorks() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders(); RemoteClient client = client(c, "it",
                LocalCluster.SECRET)) {
            byte[] mib = new byte[1 << 20];
            Arrays.fill(mib, (byte) 'x');
            long lastRevision = 0;
            for (int i = 0; i < 9; i++) {
                lastRevision = c.node("n1").data().write("big/" + i, mib).modRevision(); // 9 MiB; a frame holds 8
            }
            TandemException e = assertThrows(TandemException.class, () -> client.call(list("big/", 100)));
            assertTrue(e.getMessage().contains("does not fit in one transport frame"), e.getMessage());
            ClientResponse some = client.call(list("big/", 3));
            assertEquals(3, some.records().size());
            assertEquals(lastRevision, some.revision(), "the listing reflects every write before it");
        }
    }

    @Test
    void aWrongClusterNameIsRefusedLikeAWrongSecret() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders(); RemoteClient client = client(c, "other",
                LocalCluster.SECRET)) {
            TandemException e = assertThrows(TandemException.class, () -> client.call(list("", 1)));
            assertTrue(e.getMessage().contains("refused the handshake"), e.getMessage());
        }
    }

    @Test
    void theNodesErrorTextReachesTheClient() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders(); RemoteClient client = client(c, "it",
                LocalCluster.SECRET)) {
            ClientRequest emptyKey = new ClientRequest(0, "", ClientOp.PUT, "", "v".getBytes(StandardCharsets.UTF_8),
                    -1, 0, false, 0, 0, 0);
            TandemException e = assertThrows(TandemException.class, () -> client.call(emptyKey));
            assertEquals("key must be a non-empty string", e.getMessage());
            TandemException renew = assertThrows(TandemException.class, () -> client.renewWatch(42));
            assertTrue(renew.getMessage().contains("watch 42 of"), renew.getMessage());
        }
    }

    @Test
    void lockListAndLeaderListShowHoldersTokensTermsAndWaitersInOrder() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            io.tandem.lock.LockLease held = c.node("n1").lock("orders/42").acquire();
            c.node("n2").lock("orders/42").acquireAsync();
            io.tandem.lock.LockLease permits = c.node("n2").semaphore("pool", 4).acquire(3);
            io.tandem.leader.Leadership lead = c.node("n3").leader("billing").elect();
            c.node("n1").leader("billing").electAsync();
            LocalCluster.await(LocalCluster.PATIENCE, () -> c.node("n1").locks(io.tandem.state.LockKind.LOCK, "")
                    .stream().anyMatch(i -> i.waiters().size() == 1)
                    && c.node("n1").locks(io.tandem.state.LockKind.ELECTION, "").stream()
                    .anyMatch(i -> i.waiters().size() == 1), "both waiters queued");
            String locks = cli(c, "lock", "list");
            assertTrue(locks.contains("lock orders/42\n  holder:  n1 (session"), locks);
            assertTrue(locks.contains("token " + held.fencingToken()), locks);
            assertTrue(locks.contains("waiter 1: n2"), locks);
            assertTrue(locks.contains("semaphore pool (3 of 4 permits held)"), locks);
            assertTrue(locks.contains("token " + permits.fencingToken() + " permits 3"), locks);
            assertTrue(cli(c, "lock", "list", "pool").startsWith("semaphore pool"), "a prefix narrows the list");
            String leaders = cli(c, "leader", "list");
            assertTrue(leaders.contains("election billing\n  leader:    n3 (session"), leaders);
            assertTrue(leaders.contains("term " + lead.term()), leaders);
            assertTrue(leaders.contains("candidate 1: n1"), leaders);
            assertTrue(cli(c, "leader", "list", "nothing-here").contains("no election"), "empty list is explained");
        }
    }

    private static String cli(LocalCluster c, String... argv) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        String[] full = java.util.stream.Stream.concat(Arrays.stream(argv), java.util.stream.Stream.of("--node",
                "127.0.0.1:" + c.ports.get("n1"), "--cluster-name", "it", "--cluster-secret", LocalCluster.SECRET,
                "--client-address", "127.0.0.1")).toArray(String[]::new);
        int code = io.tandem.cli.Main.run(full, java.util.Map.of(), new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static RemoteClient client(LocalCluster c, String clusterName, String secret) {
        return RemoteClient.connect(Endpoint.of("127.0.0.1", c.ports.get("n1")), clusterName,
                secret.getBytes(StandardCharsets.UTF_8), null, Duration.ofSeconds(10));
    }

    private static ClientRequest list(String prefix, int limit) {
        return new ClientRequest(0, "", ClientOp.LIST, prefix, new byte[0], -1, 0, false, limit, 0, 0);
    }
}
