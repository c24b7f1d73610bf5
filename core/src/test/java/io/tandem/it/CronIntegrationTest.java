package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tandem.InvalidArgumentException;
import io.tandem.NotFoundException;
import io.tandem.metrics.TandemMetrics;
import io.tandem.task.Cron;
import io.tandem.task.ScheduleStatus;
import io.tandem.task.Task;
import io.tandem.task.TaskQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cron schedules on real nodes in one JVM: firing, listing, suspension, the CLI and the metrics. */
@org.junit.jupiter.api.parallel.Isolated
@org.junit.jupiter.api.Timeout(120)
class CronIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void aOneSecondCronFiresOncePerSlotAndIsListedSuspendedAndCounted() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3).startFounders()) {
            c.awaitLeader(Duration.ofSeconds(10));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (TandemMetrics m = TandemMetrics.bind(c.node("n2"), registry)) {
                TaskQueue q = c.node("n1").tasks("cron");
                Set<Long> ran = ConcurrentHashMap.newKeySet();
                AtomicInteger duplicates = new AtomicInteger();
                for (String n : c.nodes.keySet()) {
                    c.node(n).tasks("cron").handle("beat", ctx -> {
                        if (!ran.add(ctx.taskId())) {
                            duplicates.incrementAndGet();
                        }
                        return new byte[0];
                    }, 2);
                }
                q.schedule("every-second", Task.named("beat").payload("x"),
                        Cron.withSeconds("* * * * * *", ZoneOffset.UTC).concurrency(Cron.Concurrency.FORBID)
                                .keepRuns(100));
                q.schedule("nightly", Task.named("beat"), Cron.of("30 2 * * *", ZoneId.of("Europe/Berlin")));
                LocalCluster.await(Duration.ofSeconds(30), () -> q.scheduleStatus("every-second").orElseThrow()
                        .fires() >= 4, "four fires of the one-second schedule");
                ScheduleStatus s = q.scheduleStatus("every-second").orElseThrow();
                assertTrue(s.cron() && s.withSeconds() && s.nextFire().isPresent(), s.toString());
                long distinctSlots = s.runs().stream().map(ScheduleStatus.Run::slot).distinct().count();
                assertEquals(s.runs().size(), distinctSlots, "one decision per slot: " + s.runs());
                for (int i = 1; i < s.runs().size(); i++) {
                    assertEquals(1000, s.runs().get(i).slot().toEpochMilli()
                                    - s.runs().get(i - 1).slot().toEpochMilli(),
                            "consecutive slots: " + s.runs());
                }
                // The leader ticks when a slot is due: decisions come within a fraction of a second.
                assertTrue(s.runs().stream().allMatch(r -> r.lateness().toMillis() < 1000), s.runs().toString());
                ScheduleStatus nightly = q.scheduleStatus("nightly").orElseThrow();
                assertEquals("Europe/Berlin", nightly.zone());
                assertEquals(2, nightly.nextFire().orElseThrow().atZone(ZoneId.of("Europe/Berlin")).getHour());

                assertTrue(q.suspend("every-second"));
                assertFalse(q.suspend("every-second"));
                long firesAtSuspend = q.scheduleStatus("every-second").orElseThrow().fires();
                q.schedule("witness", Task.named("beat"), Cron.withSeconds("* * * * * *", ZoneOffset.UTC));
                LocalCluster.await(Duration.ofSeconds(30), () -> q.scheduleStatus("witness").orElseThrow().fires() >= 3,
                        "three fires of another schedule while the first is suspended");
                ScheduleStatus suspended = q.scheduleStatus("every-second").orElseThrow();
                assertEquals(firesAtSuspend, suspended.fires());
                assertTrue(suspended.suspended() && suspended.nextFire().isEmpty());
                assertTrue(q.resume("every-second"));
                LocalCluster.await(Duration.ofSeconds(30), () -> q.scheduleStatus("every-second").orElseThrow()
                        .fires() > firesAtSuspend, "fires again after resume");
                assertTrue(q.unschedule("witness"));

                String node = "127.0.0.1:" + c.ports.get("n3");
                String[] out = cli("task", "schedules", "cron", "--runs", "2", "--node", node);
                assertEquals("0", out[0], out[2]);
                assertTrue(out[1].contains("every-second cron '* * * * * *' UTC (with seconds) task=beat next="),
                        out[1]);
                assertTrue(out[1].contains("misfire=FIRE_ONCE concurrency=FORBID fires="), out[1]);
                assertTrue(out[1].contains("nightly cron '30 2 * * *' Europe/Berlin task=beat next="), out[1]);
                assertTrue(out[1].contains("# queue cron: 2 schedules"), out[1]);
                assertTrue(out[1].contains(" lateness="), out[1]);

                LocalCluster.await(Duration.ofSeconds(10), () -> registry.find("tandem.schedule.fires")
                        .counter() != null
                        && registry.find("tandem.schedule.fires").counter().count() >= 5, "fires counted on n2");
                assertTrue(registry.get("tandem.schedule.lateness").summary().count() >= 5);
                assertEquals(0, duplicates.get(), "a task ran twice");
            }
        }
    }

    @Test
    void badExpressionsFailAtTheCallNamingTheField() throws Exception {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> Cron.of("0 2 * * 8", ZoneId.of("Europe/Berlin")));
        assertEquals("cron expression '0 2 * * 8': field 5 (day-of-week) '8' is invalid: Value 8 not in range [0, 7]",
                e.getMessage());
        assertTrue(assertThrows(InvalidArgumentException.class, () -> Cron.of("*/5 * * * * *"))
                .getMessage().contains("use Cron.withSeconds(...)"));
        assertThrows(InvalidArgumentException.class, () -> Cron.of("0 2 * * *").misfireFireEach(0));
        assertThrows(InvalidArgumentException.class, () -> Cron.of("0 2 * * *").startingDeadline(Duration.ZERO));
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders()) {
            TaskQueue q = c.node("n1").tasks("cron");
            assertThrows(NotFoundException.class, () -> q.suspend("nothing"));
            q.schedule("fixed", Task.named("t"), Duration.ofMinutes(1));
            assertTrue(assertThrows(InvalidArgumentException.class, () -> q.suspend("fixed")).getMessage()
                    .contains("only cron schedules can be suspended"));
        }
    }

    private static String[] cli(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.tandem.cli.Main.run(args, Map.of("TANDEM_CLUSTER_SECRET", LocalCluster.SECRET,
                "TANDEM_CLUSTER_NAME", "it"), new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }
}
