package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.InvalidArgumentException;
import io.tandem.Tandem;
import io.tandem.task.Cron;
import io.tandem.task.Task;
import io.tandem.task.TaskQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade across a command kind (issue #24): three node processes run as a build that
 * lacks cron schedules ({@code -Dtandem.commandLevel=1}), beside a member on today's build. The
 * new kind is refused with a message naming the cause while any member cannot read it — so no
 * old member ever meets it in the log — the processes are upgraded one at a time without a
 * crash, and once all run the new build the leader raises the cluster version and the command
 * works everywhere.
 */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MixedVersionProcessTest {

    @TempDir
    Path dir;

    @Test
    void aNewCommandKindWaitsForEveryMemberAndNothingCrashesOnTheWay() throws Exception {
        try (NodeProcesses procs = new NodeProcesses(dir, 3)) {
            for (String id : procs.ports.keySet()) {
                procs.jvmOptions.put(id, List.of("-Dtandem.commandLevel=1"));
            }
            procs.startAll();
            List<String> seeds = new ArrayList<>();
            procs.ports.keySet().forEach(id -> seeds.add(procs.address(id)));
            try (Tandem here = Tandem.builder().nodeId("upgraded").bind("127.0.0.1:" + io.tandem.testing.TestPorts.next())
                    .seeds(seeds).dataDir(dir.resolve("upgraded")).clusterName(NodeProcesses.CLUSTER)
                    .clusterSecret(NodeProcesses.SECRET).tick(Duration.ofMillis(25)).electionTimeoutTicks(10)
                    .sessionTimeout(Duration.ofSeconds(3)).requestTimeout(Duration.ofSeconds(5)).start()) {
                TaskQueue q = here.tasks("upgrade");
                Cron everySecond = Cron.withSeconds("* * * * * *", ZoneOffset.UTC);
                InvalidArgumentException refused = assertThrows(InvalidArgumentException.class,
                        () -> q.schedule("beat", Task.named("beat").payload("x"), everySecond));
                assertTrue(refused.getMessage().contains("needs cluster version 2"), refused.getMessage());

                for (String id : procs.ports.keySet()) {
                    procs.kill(id);
                    procs.jvmOptions.remove(id); // the new build
                    procs.start(id);
                    awaitRestarted(procs, id);
                    here.data().write("after-upgrade-of-" + id, "ok".getBytes(StandardCharsets.UTF_8));
                    for (String other : procs.ports.keySet()) {
                        assertTrue(procs.isAlive(other), other + " crashed during the upgrade:\n"
                                + procs.logTail(other));
                    }
                }
                // Every member reads level 2 now: the leader raises the version within a few seconds.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (true) {
                    try {
                        q.schedule("beat", Task.named("beat").payload("x"), everySecond);
                        break;
                    } catch (InvalidArgumentException e) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError("cron still refused 30 s after every member was upgraded", e);
                        }
                    }
                }
                LocalCluster.await(Duration.ofSeconds(30), () -> q.schedules().stream()
                        .anyMatch(s -> s.fires() >= 2), "the cron schedule fired");
                for (String id : procs.ports.keySet()) {
                    assertTrue(procs.isAlive(id), id + ":\n" + procs.logTail(id));
                    String log = Files.readString(dir.resolve(id + ".log"));
                    assertEquals(-1, log.indexOf("cannot be decoded"), id + " met a command it cannot read");
                }
            }
        }
    }

    private static void awaitRestarted(NodeProcesses procs, String id) {
        LocalCluster.await(Duration.ofSeconds(60), () -> {
            try {
                return Files.readString(procs.root.resolve(id + ".log")).contains("session");
            } catch (java.io.IOException e) {
                return false;
            }
        }, id + " back with a session");
    }
}
