package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.InvalidArgumentException;
import io.tandem.NotFoundException;
import io.tandem.task.QueueStats;
import io.tandem.task.Task;
import io.tandem.task.TaskFailedException;
import io.tandem.task.TaskOptions;
import io.tandem.task.TaskQueue;
import io.tandem.task.TaskState;
import io.tandem.task.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task queues on real nodes in one JVM over real Netty and real files. */
@org.junit.jupiter.api.parallel.Isolated
@org.junit.jupiter.api.Timeout(120)
class TaskIntegrationTest {

    private static final TaskOptions FAST = TaskOptions.DEFAULTS.lease(Duration.ofMillis(1500))
            .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).maxAttempts(3);

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void runOnOneNodeCompletesWithAResultComputedOnAnother() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            c.node("n2").tasks("emails", FAST).handle("send",
                    ctx -> utf8("sent " + ctx.payloadAsString() + " by n2 attempt " + ctx.attempt()), 4);
            TaskQueue q1 = c.node("n1").tasks("emails", FAST);
            byte[] result = q1.run("send", utf8("hello")).get(30, TimeUnit.SECONDS);
            assertEquals("sent hello by n2 attempt 1", TaskQueue.text(result));
            List<CompletableFuture<byte[]>> many = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                many.add(q1.run("send", utf8("m" + i)));
            }
            for (int i = 0; i < 50; i++) {
                assertEquals("sent m" + i + " by n2 attempt 1", TaskQueue.text(many.get(i).get(30, TimeUnit.SECONDS)));
            }
            QueueStats s = c.node("n3").tasks("emails").stats();
            assertEquals(51, s.completed());
            assertEquals(4, s.workerSlots());
        }
    }

    @Test
    void workIsSpreadOverEveryNodeThatHandlesTheName() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            Set<String> ranOn = ConcurrentHashMap.newKeySet();
            CountDownLatch all = new CountDownLatch(3);
            for (String id : List.of("n1", "n2", "n3")) {
                c.node(id).tasks("fan", FAST).handle("part", ctx -> {
                    if (ranOn.add(id)) {
                        all.countDown();
                    }
                    // Hold the slot until every node has had work, so one node cannot take it all.
                    all.await(30, TimeUnit.SECONDS);
                    return utf8(id);
                }, 1);
            }
            List<CompletableFuture<byte[]>> parts = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                parts.add(c.node("n1").tasks("fan").run("part", new byte[0]));
            }
            for (CompletableFuture<byte[]> p : parts) {
                p.get(30, TimeUnit.SECONDS);
            }
            assertEquals(Set.of("n1", "n2", "n3"), ranOn);
        }
    }

    @Test
    void idempotentSubmitCreatesOneTaskAndFailuresEndInTheDeadLetterList() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            TaskQueue q = c.node("n1").tasks("jobs", FAST);
            long id = q.submit(Task.named("flaky").payload("p").idempotencyKey("order-7"));
            assertEquals(id, c.node("n2").tasks("jobs", FAST).submit(Task.named("flaky").idempotencyKey("order-7")));
            AtomicInteger calls = new AtomicInteger();
            c.node("n3").tasks("jobs", FAST).handle("flaky", ctx -> {
                calls.incrementAndGet();
                throw new IllegalStateException("downstream unavailable");
            }, 2);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> q.result(id).get(30, TimeUnit.SECONDS));
            TaskFailedException failed = assertInstanceOf(TaskFailedException.class, e.getCause());
            assertEquals(TaskState.DEAD, failed.state());
            assertTrue(failed.getMessage().contains("downstream unavailable"), failed.getMessage());
            assertEquals(3, calls.get());
            List<TaskStatus> dead = q.deadLetters(10);
            assertEquals(1, dead.size());
            assertEquals(3, dead.get(0).attempts());
            // Requeue after fixing the handler: it completes.
            q.stopHandling("flaky");
            c.node("n3").tasks("jobs").stopHandling("flaky");
            c.node("n2").tasks("jobs", FAST).handle("flaky", ctx -> utf8("fixed"), 1);
            q.requeue(id);
            assertEquals("fixed", TaskQueue.text(q.result(id).get(30, TimeUnit.SECONDS)));
            assertEquals(0, q.purgeDead());
            assertThrows(NotFoundException.class, () -> q.requeue(424242));
            assertThrows(InvalidArgumentException.class, () -> q.requeue(id), "a completed task is not dead");
        }
    }

    @Test
    void aKilledWorkersTaskRunsAgainOnAnotherNodeAndItsLateResultIsRefused() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.SHORT_SESSION).startFounders()) {
            CountDownLatch started = new CountDownLatch(1);
            c.node("n3").tasks("slow", FAST).handle("job", ctx -> {
                started.countDown();
                Thread.sleep(60_000); // never finishes in time: the node dies under it
                return utf8("n3");
            }, 1);
            TaskQueue q = c.node("n1").tasks("slow", FAST);
            CompletableFuture<byte[]> done = q.run("job", new byte[0]);
            assertTrue(started.await(30, TimeUnit.SECONDS));
            c.node("n2").tasks("slow", FAST).handle("job", ctx -> utf8("n2 attempt " + ctx.attempt()), 1);
            long killed = System.nanoTime();
            c.kill("n3");
            assertEquals("n2 attempt 2", TaskQueue.text(done.get(30, TimeUnit.SECONDS)));
            System.out.println("task redelivered and completed " + (System.nanoTime() - killed) / 1_000_000
                    + " ms after its worker node was killed (session timeout 2000 ms, lease 1500 ms)");
        }
    }

    @Test
    void cliListsDeadLettersAndRequeues() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders()) {
            TaskQueue q = c.node("n1").tasks("cliq", FAST);
            long ok = q.submit(Task.named("fine").payload("x"));
            long bad = q.submit(Task.named("broken").payload("y").maxAttempts(1));
            java.util.concurrent.atomic.AtomicBoolean fixed = new java.util.concurrent.atomic.AtomicBoolean();
            q.handle("fine", ctx -> utf8("done-" + ctx.payloadAsString()), 1);
            q.handle("broken", ctx -> {
                if (!fixed.get()) {
                    throw new IllegalStateException("no disk");
                }
                return utf8("repaired");
            }, 1);
            assertEquals("done-x", TaskQueue.text(q.result(ok).get(30, TimeUnit.SECONDS)));
            assertThrows(ExecutionException.class, () -> q.result(bad).get(30, TimeUnit.SECONDS));
            String node = "127.0.0.1:" + c.ports.get("n1");
            String[] list = cli("task", "list", "cliq", "--node", node);
            assertEquals("0", list[0], list[2]);
            assertTrue(list[1].contains(ok + " COMPLETED name=fine attempts=1/3"), list[1]);
            assertTrue(list[1].contains("result=done-x"), list[1]);
            assertTrue(list[1].contains(bad + " DEAD name=broken attempts=1/1"), list[1]);
            assertTrue(list[1].contains("# queue cliq: ready 0, delayed 0, claimed 0, dead 1, completed 1"), list[1]);
            String[] dead = cli("task", "dead", "cliq", "--node", node);
            assertTrue(dead[1].contains("no disk") && !dead[1].contains("COMPLETED"), dead[1]);
            fixed.set(true);
            String[] requeue = cli("task", "requeue", "cliq", String.valueOf(bad), "--node", node);
            assertEquals("0", requeue[0], requeue[2]);
            assertEquals("repaired", TaskQueue.text(q.result(bad).get(30, TimeUnit.SECONDS)));
            String[] again = cli("task", "requeue", "cliq", String.valueOf(bad), "--node", node);
            assertEquals("1", again[0]);
            assertTrue(again[2].contains("only dead-lettered tasks can be re-queued"), again[2]);
            String[] unknown = cli("task", "list", "nope", "--node", node);
            assertEquals("1", unknown[0]);
            assertTrue(unknown[2].contains("queue 'nope' has no tasks, workers or schedules"), unknown[2]);
            assertEquals("2", cli("task", "requeue", "cliq", "abc", "--node", node)[0]);
            assertEquals("2", cli("task", "frobnicate", "cliq", "--node", node)[0]);
        }
    }

    /** Runs the CLI in this JVM: exit code, stdout, stderr. */
    private static String[] cli(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.tandem.cli.Main.run(args, java.util.Map.of("TANDEM_CLUSTER_SECRET", LocalCluster.SECRET,
                "TANDEM_CLUSTER_NAME", "it"), new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void delayCancelScheduleAndBadInput() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            TaskQueue q = c.node("n1").tasks("misc", FAST);
            long later = q.submit(Task.named("tick").delay(Duration.ofMinutes(10)));
            assertEquals(TaskState.DELAYED, q.status(later).orElseThrow().state());
            assertTrue(q.cancel(later));
            assertEquals(TaskState.CANCELLED, q.status(later).orElseThrow().state());
            assertFalse(q.cancel(later));
            assertThrows(NotFoundException.class, () -> q.cancel(999_999));
            AtomicInteger ticks = new AtomicInteger();
            c.node("n2").tasks("misc", FAST).handle("tick", ctx -> utf8("t" + ticks.incrementAndGet()), 1);
            q.schedule("every-300ms", Task.named("tick"), Duration.ofMillis(300));
            LocalCluster.await(LocalCluster.PATIENCE, () -> ticks.get() >= 3, "three scheduled runs");
            assertTrue(q.unschedule("every-300ms"));
            assertFalse(q.unschedule("every-300ms"));
            assertEquals(1, q.stats().cancelled());
            assertThrows(InvalidArgumentException.class, () -> q.submit(Task.named("x").payload(new byte[2 << 20])));
            assertThrows(InvalidArgumentException.class, () -> q.handle("x", ctx -> null, 0));
            assertThrows(InvalidArgumentException.class, () -> Task.named(""));
            assertThrows(InvalidArgumentException.class, () -> Task.named("x").maxAttempts(0));
            assertThrows(InvalidArgumentException.class, () -> Task.named("x").delay(Duration.ofSeconds(-1)));
            assertThrows(InvalidArgumentException.class, () -> c.node("n1").tasks(""));
            assertThrows(InvalidArgumentException.class, () -> q.list(null, 0));
            assertThrows(InvalidArgumentException.class, () -> q.schedule("s", Task.named("x"), Duration.ZERO));
            assertThrows(InvalidArgumentException.class, () -> TaskOptions.DEFAULTS.lease(Duration.ZERO));
            // A handler past its timeout fails its attempt even if it ignores the interrupt.
            TaskQueue stuck = c.node("n3").tasks("stuck", FAST.handlerTimeout(Duration.ofMillis(300)).maxAttempts(1));
            stuck.handle("hang", ctx -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                for (long left; (left = until - System.nanoTime()) > 0; ) {
                    // Deaf to interrupts (park returns on one; the loop parks again), and off the CPU,
                    // which the other nodes of this JVM need.
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
                return utf8("too late");
            }, 1);
            ExecutionException hung = assertThrows(ExecutionException.class,
                    () -> stuck.run("hang", new byte[0]).get(30, TimeUnit.SECONDS));
            assertTrue(hung.getCause().getMessage().contains("timed out after 300 ms"), hung.getCause().getMessage());
            c.node("n2").tasks("misc").handle("dup", ctx -> null, 1);
            assertThrows(InvalidArgumentException.class, () -> c.node("n2").tasks("misc").handle("dup", ctx -> null, 1));
        }
    }

    /**
     * A node waiting in {@code result(id)} that falls behind and catches up through an installed
     * snapshot never sees the "finished" event of a task that finished inside the snapshot; the
     * waiter must be completed from the restored state instead of hanging forever.
     */
    @Test
    void aResultWaiterCompletesWhenItsNodeCatchesUpThroughASnapshot() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            String leader = c.awaitLeader(LocalCluster.PATIENCE);
            String waiterId = leader.equals("n1") ? "n2" : "n1";
            CountDownLatch release = new CountDownLatch(1);
            c.node(leader).tasks("snap", FAST).handle("job", ctx -> {
                release.await();
                return utf8("done " + ctx.taskId());
            }, 1);
            TaskQueue q = c.node(waiterId).tasks("snap", FAST);
            long id = q.submit(Task.named("job"));
            CompletableFuture<byte[]> result = q.result(id);
            AtomicInteger restored = new AtomicInteger();
            c.node(waiterId).runtime().addStateListener(new io.tandem.state.StateMachine.Listener() {
                @Override
                public void onRestored() {
                    restored.incrementAndGet();
                }
            });
            // Stall the waiter's loop; meanwhile the others move on (past what the leader sends a
            // silent follower before waiting for its answers), then finish the task, then snapshot
            // and compact well past it (200 entries per snapshot here): the waiter can only catch
            // up through a snapshot that contains the completion.
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch resume = new CountDownLatch(1);
            c.node(waiterId).runtime().read(false, sm -> {
                stalled.countDown();
                try {
                    resume.await(120, TimeUnit.SECONDS); // released in finally below
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            try {
                assertTrue(stalled.await(30, TimeUnit.SECONDS));
                for (int i = 0; i < 300; i++) {
                    c.node(leader).data().write("fill" + (i % 20), "v" + i);
                }
                release.countDown();
                TaskQueue onLeader = c.node(leader).tasks("snap", FAST);
                LocalCluster.await(LocalCluster.PATIENCE, () -> onLeader.status(id).orElseThrow().state()
                        == TaskState.COMPLETED, "task completed while the waiter is stalled");
                for (int i = 0; i < 300; i++) {
                    c.node(leader).data().write("fill" + (i % 20), "w" + i);
                }
                assertFalse(result.isDone(), "the waiter's loop is stalled: it cannot have seen the completion yet");
            } finally {
                resume.countDown();
            }
            LocalCluster.await(LocalCluster.PATIENCE, () -> restored.get() > 0,
                    waiterId + " catching up through an installed snapshot");
            byte[] got = assertDoesNotThrow(() -> result.get(30, TimeUnit.SECONDS), "result(" + id + ") on "
                    + waiterId + " never completed after it caught up through a snapshot containing the completion");
            assertEquals("done " + id, TaskQueue.text(got));
        }
    }
}
