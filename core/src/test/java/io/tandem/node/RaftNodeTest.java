package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.OverloadedException;
import io.tandem.raft.RaftConfig;
import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.StateMachine;
import io.tandem.storage.InMemoryMetaStore;
import io.tandem.storage.InMemoryRaftLog;
import io.tandem.storage.InMemorySnapshotStore;
import io.tandem.transport.Endpoint;
import io.tandem.transport.InMemoryNetwork;
import io.tandem.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The runtime on its own: one node, in-memory storage and transport, tunable bounds. */
// Real sockets, processes and timeouts: never share the CPU with the parallel simulations.
@org.junit.jupiter.api.parallel.Isolated
@Timeout(30)
class RaftNodeTest {

    private final ExecutorService callbacks = Executors.newFixedThreadPool(2);
    private RaftNode node;

    private RaftNode start(long retryMs, int maxPending) throws Exception {
        Endpoint self = new Endpoint("node-test", 1);
        TransportConfig tc = TransportConfig.builder().clusterName("t").nodeId("n1").bind(self)
                .clusterSecret("0123456789abcdef0123".getBytes(StandardCharsets.UTF_8))
                .registrations(Wire.registrations()).build();
        NodeOptions opt = new NodeOptions("n1", self, List.of(self), RaftConfig.builder("n1").build(), 5, 10_000,
                1_000_000, 5_000, retryMs, 10_000, maxPending, 1, StateMachine.Limits.DEFAULT, 2_500,
                new Autopilot.Settings(30_000, 0, 1, 1, 1_000));
        // Syncs complete 20 ms late, so proposals stay unanswered across several retry intervals.
        InMemoryRaftLog log = new InMemoryRaftLog(CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS),
                1 << 20);
        node = new RaftNode(opt, new RaftNode.Storage(log, new InMemoryMetaStore(),
                new InMemorySnapshotStore(2)), new InMemoryNetwork().transport(tc), Clock.SYSTEM,
                new SplittableRandom(7), callbacks);
        node.start().get(30, TimeUnit.SECONDS);
        return node;
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        callbacks.shutdown();
    }

    @Test
    void proposalsRetriedBeforeTheirResultArriveApplyOnce() throws Exception {
        // A 1 ms retry interval re-sends nearly every proposal at least once before it commits.
        start(1, 10_000);
        List<CompletableFuture<CommandResult>> writes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            writes.add(node.submit(new Command.Put("k" + i, new byte[] {1}, Command.Put.ANY_VERSION, 0, false)));
        }
        for (CompletableFuture<CommandResult> w : writes) {
            CommandResult.Written r = (CommandResult.Written) w.get(30, TimeUnit.SECONDS);
            assertEquals(1, r.record().version(), "a retried write must not apply twice");
        }
        long revision = node.read(true, StateMachine::revision).get(30, TimeUnit.SECONDS);
        assertEquals(200, revision, "200 writes, 200 changes, however often they were re-sent");
        long logEntries = node.status().get(30, TimeUnit.SECONDS).lastIndex();
        assertTrue(logEntries > 200, "the retries did reach the log (" + logEntries + " entries)");
    }

    @Test
    void tooManyRequestsInFlightFailWithOverloaded() throws Exception {
        start(1_000, 3);
        List<CompletableFuture<CommandResult>> writes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            writes.add(node.submit(new Command.Put("k" + i, new byte[] {1}, Command.Put.ANY_VERSION, 0, false)));
        }
        int overloaded = 0;
        for (CompletableFuture<CommandResult> w : writes) {
            try {
                w.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertInstanceOf(OverloadedException.class, e.getCause());
                assertTrue(e.getCause().getMessage().contains("maxPendingRequests"), e.getCause().getMessage());
                overloaded++;
            }
        }
        assertTrue(overloaded > 0, "with 3 requests allowed in flight, some of 50 must be refused");
    }
}
