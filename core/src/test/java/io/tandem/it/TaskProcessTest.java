package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import io.tandem.task.Task;
import io.tandem.task.TaskQueue;
import io.tandem.task.TaskState;
import io.tandem.task.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real worker processes ({@link TaskWorkerMain}) and one node in this JVM that only
 * submits: {@code run()} here completes with a result computed in another process, and a worker
 * killed with SIGKILL mid-task has its task re-run on another process after the lease.
 */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TaskProcessTest {

    @TempDir
    Path dir;

    @Test
    void aWorkerKilledMidTaskHasItsTaskRunAgainOnAnotherProcess() throws Exception {
        try (NodeProcesses procs = new NodeProcesses(dir, 3)) {
            procs.mainClass = TaskWorkerMain.class.getName();
            procs.startAll();
            List<String> seeds = new ArrayList<>();
            procs.ports.keySet().forEach(id -> seeds.add(procs.address(id)));
            try (Tandem here = Tandem.builder().nodeId("submitter").bind("127.0.0.1:0")
                    .seeds(seeds).dataDir(dir.resolve("submitter")).clusterName(NodeProcesses.CLUSTER)
                    .clusterSecret(NodeProcesses.SECRET).tick(Duration.ofMillis(25)).electionTimeoutTicks(10)
                    .sessionTimeout(Duration.ofSeconds(3)).requestTimeout(Duration.ofSeconds(5)).start()) {
                TaskQueue q = here.tasks("proc", TaskWorkerMain.OPTIONS);
                LocalCluster.await(Duration.ofSeconds(60), () -> q.stats().workerSlots() == 6,
                        "all three worker processes registered");

                // run() here, computed in a worker process.
                String quick = TaskQueue.text(q.run(Task.named("slow").payload("0")).get(30, TimeUnit.SECONDS));
                assertTrue(quick.matches("n[123] attempt 1"), quick);

                // A long first attempt: kill -9 whichever process runs it.
                CompletableFuture<byte[]> done = q.run(Task.named("slow").payload("60000"));
                long id = awaitClaim(q, done, null).id();
                TaskStatus claimed = q.status(id).orElseThrow();
                String victim = claimed.claimedBy();
                long killed = System.nanoTime();
                procs.kill(victim);
                TaskStatus again = awaitClaim(q, done, victim);
                long redeliveredMs = (System.nanoTime() - killed) / 1_000_000;
                String result = TaskQueue.text(done.get(30, TimeUnit.SECONDS));
                long completedMs = (System.nanoTime() - killed) / 1_000_000;
                System.out.printf("kill -9 of worker %s mid-task: re-claimed by %s after %d ms, completed after %d ms"
                        + " (lease %d ms, session timeout 3000 ms)%n", victim, again.claimedBy(), redeliveredMs,
                        completedMs, TaskWorkerMain.OPTIONS.lease().toMillis());
                assertNotEquals(victim, again.claimedBy());
                assertTrue(result.endsWith("attempt 2"), result);
                assertTrue(!result.startsWith(victim), "the killed worker cannot have answered: " + result);
                TaskStatus finished = q.status(id).orElseThrow();
                assertEquals(TaskState.COMPLETED, finished.state());
                assertEquals(2, finished.attempts());
                assertTrue(redeliveredMs < 20_000, "redelivery took " + redeliveredMs + " ms");
            }
        }
    }

    /** Waits until task of {@code done}'s run is claimed by a node other than {@code not}. */
    private static TaskStatus awaitClaim(TaskQueue q, CompletableFuture<byte[]> done, String not) {
        TaskStatus[] found = new TaskStatus[1];
        LocalCluster.await(Duration.ofSeconds(30), () -> {
            for (TaskStatus s : q.list(null, 1000)) {
                if (s.payload().length > 1 && (s.state() == TaskState.CLAIMED || s.state() == TaskState.COMPLETED)
                        && !s.claimedBy().isEmpty() && !s.claimedBy().equals(not)) {
                    found[0] = s;
                    return true;
                }
                if (not != null && s.payload().length > 1 && s.state() == TaskState.COMPLETED) {
                    found[0] = s;
                    return true;
                }
            }
            return done.isDone();
        }, "the long task claimed" + (not == null ? "" : " by a node other than " + not));
        return Optional.ofNullable(found[0]).orElseThrow(() -> new AssertionError("run finished early: " + done));
    }
}
