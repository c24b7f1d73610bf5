package io.tandem.jmh;

import io.tandem.Tandem;
import io.tandem.state.Command;
import io.tandem.state.CommandResult;
import io.tandem.state.Envelope;
import io.tandem.state.StateMachine;
import io.tandem.state.TaskCommand;
import io.tandem.state.TaskEvents;
import io.tandem.task.Cron;
import io.tandem.task.Task;
import io.tandem.task.TaskQueue;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cron schedules at scale. The JMH part measures the state machine alone: {@code schedules} cron
 * schedules ({@code "S M * * * *"}, hourly, spread over the 3,600 seconds of an hour, so 10,000
 * schedules make about 2.8 slots per second; REPLACE and zero retention keep the task table
 * bounded), and one operation is one apply of a tick entry:
 * <ul>
 *   <li>{@link #tickNothingDue}: entry time moves 1 ms (almost never reaching a slot) — the cost
 *       an apply pays for having the schedules at all; with the due-time index it does not grow
 *       with their number;</li>
 *   <li>{@link #tickOneSecond}: entry time moves 1 s — includes deciding every slot of that second.</li>
 * </ul>
 * {@link #main} measures fire lateness on a real 3-node cluster in this JVM (in-memory logs, Netty
 * over loopback): 10 one-second schedules with 0 or 9,990 hourly ones beside them; lateness is
 * the cluster time from a slot to the apply that decides it, as seen by one replica's events.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class CronScheduleBenchmark {

    @Param({"10", "10000"})
    public int schedules;

    private StateMachine sm;
    private long index;
    private long now;

    @Setup(Level.Trial)
    public void setUp() {
        sm = new StateMachine(StateMachine.Limits.DEFAULT);
        now = 1_700_000_000_000L;
        CommandResult opened = sm.apply(++index, now, new Envelope(0, 0, 0,
                new Command.OpenSession("bench", 3_600_000, 1)));
        long session = ((CommandResult.SessionOpened) opened).sessionId();
        for (int i = 0; i < schedules; i++) {
            String expr = (i % 60) + " " + ((i / 60) % 60) + " * * * *";
            sm.apply(++index, now, new Envelope(session, i + 1, i, new TaskCommand.PutCronSchedule("bench", "s" + i,
                    "job", new byte[0], expr, true, "UTC", TaskCommand.PutCronSchedule.MISFIRE_FIRE_ONCE, 1, 60_000,
                    0, TaskCommand.PutCronSchedule.CONCURRENCY_REPLACE, 20, 0, 1, 0, 0, 0)));
        }
        if (sm.schedules("bench").size() != schedules) {
            throw new IllegalStateException("expected " + schedules + " schedules, have "
                    + sm.schedules("bench").size());
        }
    }

    @Benchmark
    public long tickNothingDue() {
        now += 1;
        sm.advance(++index, now);
        return sm.lastIndex();
    }

    @Benchmark
    public long tickOneSecond() {
        now += 1000;
        sm.advance(++index, now);
        return sm.lastIndex();
    }

    // ------------------------------------------------------------------ fire lateness (not JMH)

    /**
     * {@code java -cp jmh/target/benchmarks.jar io.tandem.jmh.CronScheduleBenchmark [seconds]}:
     * prints fire lateness p50/p99/max for 10 and 10,000 schedules.
     */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        for (int background : new int[] {0, 9_990}) {
            System.out.println(lateness(background, seconds));
        }
    }

    static String lateness(int background, int seconds) throws Exception {
        try (BenchCluster c = BenchCluster.start(true)) {
            Tandem n1 = c.node(0);
            TaskQueue q = n1.tasks("bench");
            List<Long> samples = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Void>> puts = new ArrayList<>();
            for (int i = 0; i < background; i++) {
                String expr = (i % 60) + " " + ((i / 60) % 60) + " * * * *";
                puts.add(q.scheduleAsync("bg" + i, Task.named("job"), Cron.withSeconds(expr, ZoneOffset.UTC)
                        .concurrency(Cron.Concurrency.REPLACE).keepRuns(1)));
                if (puts.size() >= 256) {
                    CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).join();
                    puts.clear();
                }
            }
            CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).join();
            long[] measuring = {Long.MAX_VALUE};
            c.node(2).runtime().addStateListener(new StateMachine.Listener() {
                @Override
                public void onScheduleFired(TaskEvents.Fired f) {
                    if (f.schedule().startsWith("m") && f.fireTimeMs() >= measuring[0]) {
                        samples.add(f.decidedAtMs() - f.fireTimeMs());
                    }
                }
            });
            for (int i = 0; i < 10; i++) {
                q.schedule("m" + i, Task.named("job"), Cron.withSeconds("* * * * * *", ZoneOffset.UTC)
                        .concurrency(Cron.Concurrency.REPLACE).keepRuns(1));
            }
            long start = n1.runtime().clock().wallMillis();
            measuring[0] = start + 2000; // skip the first slots
            long end = start + 2000 + seconds * 1000L;
            while (n1.runtime().clock().wallMillis() < end) {
                TimeUnit.MILLISECONDS.sleep(200); // a harness waiting for wall time, not library code
            }
            List<Long> sorted;
            synchronized (samples) {
                sorted = new ArrayList<>(samples);
            }
            Collections.sort(sorted);
            if (sorted.isEmpty()) {
                return (background + 10) + " schedules: no samples";
            }
            return String.format("%d schedules: %d fires of the 10 one-second schedules in %d s; lateness (cluster"
                            + " time, slot -> deciding apply) p50 %d ms, p99 %d ms, max %d ms", background + 10,
                    sorted.size(), seconds, pct(sorted, 0.50), pct(sorted, 0.99), sorted.get(sorted.size() - 1));
        }
    }

    private static long pct(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }
}
