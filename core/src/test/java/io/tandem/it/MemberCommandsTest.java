package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.cli.Main;
import io.tandem.task.Task;
import io.tandem.task.TaskQueue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem member list|promote|remove} and {@code tandem task queues|cancel|purge} against
 * real nodes in this JVM over real sockets: commands only the leader serves are sent to a follower
 * and must follow its leader hint.
 */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MemberCommandsTest {

    record Result(int code, String out, String err) {
    }

    @Test
    void aLearnerIsPromotedThenRemovedThroughAFollower(@TempDir Path dir) throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            c.tuning = b -> b.autopilotStabilization(Duration.ofHours(1)); // autopilot must not promote first
            c.start("n4");
            String leader = c.awaitLeader(Duration.ofSeconds(10));
            String follower = c.nodes.keySet().stream().filter(id -> !id.equals(leader) && !id.equals("n4"))
                    .findFirst().orElseThrow();
            LocalCluster.await(Duration.ofSeconds(10), () -> c.node(leader).status().learners().contains("n4"),
                    "n4 a learner");
            Result list = cli(c, follower, "member", "list");
            assertEquals(0, list.code(), list.err());
            assertTrue(list.out().lines().anyMatch(l -> l.matches("n4\\s+learner\\s+127\\.0\\.0\\.1:\\d+\\s+false.*")),
                    list.out());

            Result promote = cli(c, follower, "member", "promote", "n4");
            assertEquals(0, promote.code(), promote.err());
            assertEquals("promoted n4 to voter\n", promote.out());
            assertTrue(c.node(leader).status().voters().contains("n4"));

            Result self = cli(c, follower, "member", "remove", leader);
            assertEquals(1, self.code());
            assertTrue(self.err().contains("cannot remove itself") && self.err().contains("tandem leader transfer"),
                    self.err());
            Result unknown = cli(c, follower, "member", "remove", "n9");
            assertEquals(1, unknown.code());
            assertTrue(unknown.err().contains("node n9 is not a member"), unknown.err());

            Result remove = cli(c, follower, "member", "remove", "n4");
            assertEquals(0, remove.code(), remove.err());
            assertEquals(List.of("n1", "n2", "n3"), c.node(leader).status().voters());
        }
    }

    @Test
    void taskQueuesCancelAndPurge(@TempDir Path dir) throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders()) {
            TaskQueue q = c.node("n1").tasks("mail");
            long later = q.submit(Task.named("send").payload("x").delay(Duration.ofHours(1)));
            Result queues = cli(c, "n1", "task", "queues");
            assertEquals(0, queues.code(), queues.err());
            assertTrue(queues.out().lines().anyMatch(l -> l.matches("mail\\s+0\\s+1\\s+0\\s+0\\s+0\\s+0\\s+0\\s+0")),
                    queues.out());
            Result json = cli(c, "n1", "task", "queues", "-o", "json");
            assertTrue(json.out().contains("\"name\":\"mail\"") && json.out().contains("\"delayed\":1"), json.out());
            Result cancel = cli(c, "n1", "task", "cancel", "mail", String.valueOf(later));
            assertEquals(0, cancel.code(), cancel.err());
            assertEquals("cancelled task " + later + " of queue mail\n", cancel.out());
            Result purge = cli(c, "n1", "task", "purge", "mail");
            assertEquals(0, purge.code(), purge.err());
            assertEquals("purged 0 dead tasks of queue mail\n", purge.out());
        }
    }

    private static Result cli(LocalCluster c, String node, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--endpoints", "127.0.0.1:" + c.ports.get(node)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(a.toArray(new String[0]), Map.of("TANDEM_CLUSTER_SECRET", LocalCluster.SECRET,
                    "TANDEM_CLUSTER_NAME", "it"), o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
