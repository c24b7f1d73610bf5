package io.tandem.node;

import static io.tandem.node.VirtualTimeLoop.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.TandemTimeoutException;
import io.tandem.lock.DistributedLock;
import io.tandem.lock.LockLease;
import io.tandem.lock.LockService;
import io.tandem.raft.RaftConfig;
import io.tandem.state.StateMachine;
import io.tandem.storage.InMemoryMetaStore;
import io.tandem.storage.InMemoryRaftLog;
import io.tandem.storage.InMemorySnapshotStore;
import io.tandem.task.TaskFailedException;
import io.tandem.task.TaskOptions;
import io.tandem.task.TaskQueue;
import io.tandem.task.TaskRuntime;
import io.tandem.time.ClusterTime;
import io.tandem.transport.Endpoint;
import io.tandem.transport.InMemoryNetwork;
import io.tandem.transport.Transport;
import io.tandem.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runtime's components take their timers and their time from the node (issue #17): on a
 * node whose loop and clock run on virtual time, a lock's maximum hold, a task's lease extension
 * and handler timeout, and the timestamp oracle's waits end when the test moves virtual time, not
 * after that much real time. Each test waits minutes of virtual time within seconds of real time;
 * a component with a timer thread or a system clock of its own fails it.
 */
@Timeout(60)
class NodeTimersTest {

    private static final long TICK_MS = 50;

    private final ExecutorService callbacks = Executors.newFixedThreadPool(2);
    private final ExecutorService io = Executors.newSingleThreadExecutor();
    private final VirtualTimeLoop loop = new VirtualTimeLoop();
    private RaftNode node;
    private Transport transport;
    private final List<AutoCloseable> closeFirst = new ArrayList<>();

    /** A node on the virtual loop; {@code voters} > 1 with absent peers: it never forms a cluster. */
    private RaftNode node(int voters) {
        Endpoint self = new Endpoint("n1", 1);
        List<Endpoint> seeds = new ArrayList<>(List.of(self));
        for (int i = 2; i <= voters; i++) {
            seeds.add(new Endpoint("n" + i, 1));
        }
        TransportConfig tc = TransportConfig.builder().clusterName("t").nodeId("n1").bind(self)
                .clusterSecret("0123456789abcdef0123".getBytes(StandardCharsets.UTF_8))
                .registrations(Wire.registrations()).build();
        NodeOptions opt = new NodeOptions("n1", self, seeds, RaftConfig.builder("n1").build(), TICK_MS, 10_000,
                1_000_000, 5_000, 1_000, 10_000, 10_000, voters, StateMachine.Limits.DEFAULT, 2_500,
                new Autopilot.Settings(30_000, 0, voters, 1, 1_000));
        transport = new InMemoryNetwork().transport(tc);
        node = new RaftNode(opt, new RaftNode.Storage(new InMemoryRaftLog(), new InMemoryMetaStore(),
                new InMemorySnapshotStore(2)), transport, loop, new SplittableRandom(7), callbacks,
                new io.tandem.time.HybridClock(loop::wallMillis, 500), t -> loop);
        return node;
    }

    /** Starts the node and moves virtual time until it has its session. */
    private void startAndWaitReady() throws Exception {
        node.start();
        for (int i = 0; i < 200 && !node.readyFuture().isDone(); i++) {
            loop.advance(ms(TICK_MS), ms(TICK_MS));
        }
        node.readyFuture().get(1, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeFirst) {
            c.close();
        }
        if (node != null) {
            node.close();
        }
        loop.shutdown();
        callbacks.shutdownNow();
        io.shutdownNow();
    }

    @Test
    void lockMaximumHoldEndsOnTheNodesClock() throws Exception {
        LockService locks = new LockService(node(1), callbacks, 5_000, 256);
        startAndWaitReady();
        LockLease lease = DistributedLock.mutex(locks, "l").withMaxHold(Duration.ofMinutes(2)).acquireAsync()
                .get(10, TimeUnit.SECONDS);
        loop.advance(ms(60_000), ms(TICK_MS));
        assertFalse(lease.lost().isDone(), "one minute into a two-minute hold the lease stands");
        // The node ends the lease a safety margin (2.5 s) before the cluster would: 1.5 s before
        // the cluster's end, only the node's own timer can have ended it.
        loop.advance(ms(58_500), ms(TICK_MS));
        String why = lease.lost().get(10, TimeUnit.SECONDS);
        assertEquals("maximum hold time passed (by this node's clock)", why);
    }

    @Test
    void taskLeasesAreExtendedAndHandlersTimedOutOnTheNodesClock() throws Exception {
        TaskRuntime tasks = new TaskRuntime(node(1), callbacks, 256, 1 << 20);
        startAndWaitReady();
        tasks.start();
        closeFirst.add(() -> tasks.close(Duration.ofSeconds(1)));
        TaskQueue q = new TaskQueue("q", TaskOptions.DEFAULTS.lease(Duration.ofSeconds(30))
                .handlerTimeout(Duration.ofMinutes(2)).maxAttempts(1), tasks);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        q.handleAsync("t", ctx -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.complete(ctx.isClaimLost());
                throw e;
            }
            return null;
        }, 1).get(10, TimeUnit.SECONDS);
        CompletableFuture<byte[]> result = q.run("t", new byte[] {1});
        assertTrue(started.await(10, TimeUnit.SECONDS), "the handler started");
        // Four 30 s leases pass: only extensions on the node's clock keep the claim.
        loop.advance(ms(110_000), ms(TICK_MS));
        assertFalse(interrupted.isDone(), "the handler runs on before its timeout");
        assertEquals(1, tasks.runningClaims(), "the claim is still this node's");
        assertFalse(result.isDone(), "no outcome yet");
        loop.advance(ms(11_000), ms(TICK_MS));
        assertTrue(interrupted.get(10, TimeUnit.SECONDS), "interrupted by the timeout, which gave the claim up");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> result.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TaskFailedException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("handler timed out after 120000 ms"), e.getCause().getMessage());
    }

    @Test
    void oracleServesOnTheLoopWithoutRealTimePassing() throws Exception {
        ClusterTime time = clusterTime(node(1));
        startAndWaitReady();
        time.start();
        long previous = 0;
        for (int i = 0; i < 5; i++) {
            long t = time.nextTimestampAsync().get(10, TimeUnit.SECONDS);
            assertTrue(t > previous, t + " after " + previous);
            previous = t;
        }
    }

    @Test
    void oracleWaitersExpireOnTheNodesClock() throws Exception {
        ClusterTime time = clusterTime(node(3)); // two voters never come: no leader, ever
        node.start();
        time.start();
        CompletableFuture<Long> ts = time.nextTimestampAsync();
        loop.advance(ms(30_000), ms(TICK_MS));
        assertFalse(ts.isDone(), "half the request timeout in, the caller still waits");
        loop.advance(ms(31_000), ms(TICK_MS));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> ts.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TandemTimeoutException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("no timestamp within 60000 ms"), e.getCause().getMessage());
    }

    private ClusterTime clusterTime(RaftNode n) {
        ClusterTime.Clocks clocks = ClusterTime.clocks(List.of(), Duration.ofMinutes(1), 500, null);
        ClusterTime time = new ClusterTime("n1", new Endpoint("n1", 1), clocks, n, transport,
                ms(TICK_MS * 8) * 4 / 5, TICK_MS, 60_000, 1_000, callbacks, io);
        closeFirst.add(time);
        return time;
    }
}
