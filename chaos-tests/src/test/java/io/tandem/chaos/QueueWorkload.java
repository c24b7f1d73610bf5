package io.tandem.chaos;

import io.tandem.task.QueueStats;
import io.tandem.task.Task;
import io.tandem.task.TaskContext;
import io.tandem.task.TaskFailedException;
import io.tandem.task.TaskOptions;
import io.tandem.task.TaskQueue;
import io.tandem.task.TaskStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Task queue: every client process both submits and works. Submitters submit tasks with
 * idempotency keys; a submit that failed or timed out is retried with the <em>same</em> key, by the
 * same client and — through a spool directory shared by the clients — by others, and some submits
 * repeat an earlier key of this or another client on purpose, so exactly-once-by-key is exercised
 * across members and across lost answers. Workers ({@value #WORKERS} per client) run the tasks;
 * the key decides how a task's handler behaves ({@link Mode}): most succeed, some fail once or twice and then succeed,
 * some always fail (dead letters after {@value #MAX_ATTEMPTS} attempts), some outlive their lease
 * and need it extended. Each acknowledged task id gets a {@code result(id)} waiter on the client
 * that was told the id: it completes from the client's own apply of the completion or
 * dead-lettering — the terminal outcome as the cluster acknowledged it.
 *
 * <p>After the run (the harness healed every fault 10 s before), every client waits until the
 * queue has no ready, delayed or claimed task (at most {@value #DRAIN_SECONDS} s; its workers keep
 * working meanwhile), then for its waiters; client 1 then lists every task of the queue
 * (linearizable) so that the checker can tell "lost" from "still running". {@link QueueChecker}
 * judges it.
 *
 * <p>Records: {@code SI client op key nanos} (submit invoked), {@code SC client op key nanos
 * status taskId|error}; {@code HS worker taskId key attempt token nanos} (handler started),
 * {@code HE worker taskId key attempt token nanos OK|FAIL result}; {@code R client taskId key
 * COMPLETED|DEAD|CANCELLED result} (a waiter's outcome), {@code RX client taskId key error} (a
 * waiter failed otherwise), {@code RP client taskId key} (still waiting at the end);
 * {@code D client nanos drained|timeout ready delayed claimed completed dead}; {@code F taskId key
 * state attempts maxAttempts result} (final read) and {@code FEND client count truncated}.
 */
final class QueueWorkload implements Workload {

    static final String QUEUE = "chaos-q";
    static final String TASK = "job";
    static final int CLIENTS = 3;
    static final int MAX_ATTEMPTS = 3;
    static final int WORKERS = 8;
    static final int DRAIN_SECONDS = 60;
    // Load: 2 submitters per client, one submit every 50-150 ms each (~40 tasks/s in all, ~1.5 runs
    // per task) against 3 x 8 worker slots; a task's handler averages ~150 ms (SLOW ones 3 s).
    // With 4 slots and 10 % SLOW tasks the workers could not keep up and the drain timed out.
    static final int FINAL_LIST_LIMIT = 100_000;
    /**
     * Short leases (extended every third while a handler runs), so lost claims come back within a
     * run; short back-off; retention longer than any run, so every key is remembered throughout.
     */
    static final TaskOptions OPTIONS = TaskOptions.DEFAULTS.lease(Duration.ofSeconds(2))
            .backoff(Duration.ofMillis(200), Duration.ofSeconds(1)).maxAttempts(MAX_ATTEMPTS)
            .handlerTimeout(Duration.ofSeconds(10)).resultRetention(Duration.ofMinutes(30));

    /** How a task's handler behaves; a function of its key, so any client can resubmit any key. */
    enum Mode {
        /** Succeeds at once. */
        OK,
        /** Succeeds after 2.5–3.5 s: longer than the 2 s lease, which must be extended. */
        SLOW,
        /** Fails its first attempt on purpose, then succeeds. */
        FAIL_ONCE,
        /** Fails its first two attempts, succeeds on the third (the last). */
        FAIL_TWICE,
        /** Always fails: dead-lettered after its last attempt. */
        ALWAYS_FAIL;

        static Mode of(String key) {
            int d = Math.floorMod(new SplittableRandom(key.hashCode()).nextInt(), 100);
            return d < 60 ? OK : d < 65 ? SLOW : d < 80 ? FAIL_ONCE : d < 90 ? FAIL_TWICE : ALWAYS_FAIL;
        }

        boolean failsAt(int attempt) {
            return switch (this) {
                case OK, SLOW -> false;
                case FAIL_ONCE -> attempt <= 1;
                case FAIL_TWICE -> attempt <= 2;
                case ALWAYS_FAIL -> true;
            };
        }
    }

    @Override
    public String name() {
        return "queue";
    }

    @Override
    public int clientCount() {
        return CLIENTS;
    }

    @Override
    public void drive(Context ctx) throws Exception {
        int client = ctx.clientIndex();
        TaskQueue q = ctx.node().tasks(QUEUE, OPTIONS);
        Path spool = Path.of(ctx.param("resource", "resource.bin")).toAbsolutePath().getParent().resolve("queue-spool");
        Files.createDirectories(spool);
        Waiters waiters = new Waiters(ctx, client, q);
        registerWorkers(ctx, client, q);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            long seed = ctx.random().nextLong();
            Thread th = new Thread(() -> submitLoop(ctx, client, thread, q, spool, waiters, new SplittableRandom(seed)),
                    "queue-submit-" + client + "." + t);
            submitters.add(th);
            th.start();
        }
        for (Thread th : submitters) {
            th.join();
        }
        // The harness healed every fault 10 s ago. Keep working until the queue is empty.
        drain(ctx, client, q);
        waiters.awaitAll(TimeUnit.SECONDS.toNanos(10));
        if (client == 1) {
            finalRead(ctx, client, q);
        }
    }

    private static void registerWorkers(Context ctx, int client, TaskQueue q) {
        while (ctx.running()) {
            try {
                q.handle(TASK, c -> handle(ctx, client, c), WORKERS);
                return;
            } catch (RuntimeException e) {
                // Not joined to a majority yet, or a timeout: a failed registration is withdrawn, so retry.
                ctx.history().write("HREG-FAILED", client, HistoryWriter.now(), Outcomes.name(e));
                RegisterWorkload.pause(500);
            }
        }
    }

    private static byte[] handle(Context ctx, int client, TaskContext c) throws InterruptedException {
        String key = c.payloadAsString();
        Mode mode = Mode.of(key);
        ctx.history().write("HS", client, c.taskId(), key, c.attempt(), c.fencingToken(), HistoryWriter.now());
        // Handler threads are the runtime's pool, not ours: no seeded generator of their own.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long workMs = mode == Mode.SLOW ? 2500 + random.nextInt(1000) : 5 + random.nextInt(40);
        TimeUnit.MILLISECONDS.sleep(workMs);
        if (mode.failsAt(c.attempt())) {
            ctx.history().write("HE", client, c.taskId(), key, c.attempt(), c.fencingToken(), HistoryWriter.now(),
                    "FAIL", "-");
            throw new IllegalStateException("chaos: task " + c.taskId() + " (key " + key + ", " + mode
                    + ") fails attempt " + c.attempt() + " on purpose");
        }
        String result = "c" + client + "/t" + c.fencingToken() + "/a" + c.attempt();
        ctx.history().write("HE", client, c.taskId(), key, c.attempt(), c.fencingToken(), HistoryWriter.now(), "OK",
                result);
        return result.getBytes(StandardCharsets.UTF_8);
    }

    private static void submitLoop(Context ctx, int client, int thread, TaskQueue q, Path spool, Waiters waiters,
                                   SplittableRandom random) {
        int n = 0;
        int op = 0;
        while (ctx.running()) {
            String key;
            int dice = random.nextInt(100);
            String spooled = dice < 20 ? takeFromSpool(spool, random) : null;
            if (spooled != null) {
                key = spooled; // another client's (or our own) unanswered submit: retry its key
            } else if (dice < 30 && n > 0) {
                // Repeat an earlier key of this or another client on purpose (it may not exist yet):
                // 10 % of the iterations, 30 % while the spool is empty.
                int other = 1 + random.nextInt(CLIENTS);
                key = "c" + other + "." + random.nextInt(2) + "-" + random.nextInt(n);
            } else {
                key = "c" + client + "." + thread + "-" + n++;
            }
            // Retry an unanswered or refused submit with the same key twice, then leave it to whoever
            // takes it from the spool.
            boolean acknowledged = false;
            for (int attempt = 0; attempt < 3 && !acknowledged && ctx.running(); attempt++) {
                if (attempt > 0) {
                    RegisterWorkload.pause(100 + random.nextInt(400));
                }
                acknowledged = submit(ctx, client, client + "." + thread + "-" + op++, q, key, waiters);
            }
            if (!acknowledged) {
                spool(spool, key);
            }
            RegisterWorkload.pause(50 + random.nextInt(100));
        }
    }

    private static boolean submit(Context ctx, int client, String op, TaskQueue q, String key, Waiters waiters) {
        ctx.history().write("SI", client, op, key, HistoryWriter.now());
        long id;
        try {
            id = q.submit(Task.named(TASK).payload(key).idempotencyKey(key));
        } catch (RuntimeException e) {
            ctx.history().write("SC", client, op, key, HistoryWriter.now(), Outcomes.status(e), Outcomes.name(e));
            return false;
        }
        ctx.history().write("SC", client, op, key, HistoryWriter.now(), "OK", id);
        waiters.await(id, key);
        return true;
    }

    private static void spool(Path spool, String key) {
        try {
            Files.writeString(spool.resolve(key), key);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot spool key " + key + " in " + spool, e);
        }
    }

    /** Takes one key out of the spool (deleting its file is the claim), or null if empty. */
    private static String takeFromSpool(Path spool, SplittableRandom random) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(spool)) {
            ds.forEach(files::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list the spool " + spool, e);
        }
        while (!files.isEmpty()) {
            Path f = files.remove(random.nextInt(files.size()));
            try {
                if (Files.deleteIfExists(f)) {
                    return f.getFileName().toString();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot take " + f + " from the spool", e);
            }
        }
        return null;
    }

    /** One {@code result(id)} waiter per task id this client was told. */
    private static final class Waiters {
        private final Context ctx;
        private final int client;
        private final TaskQueue q;
        private final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
        private final Map<Long, String> keys = new ConcurrentHashMap<>();
        private final Set<Long> seen = ConcurrentHashMap.newKeySet();

        Waiters(Context ctx, int client, TaskQueue q) {
            this.ctx = ctx;
            this.client = client;
            this.q = q;
        }

        void await(long id, String key) {
            if (!seen.add(id)) {
                return;
            }
            keys.put(id, key);
            CompletableFuture<byte[]> f = q.result(id);
            pending.put(id, f);
            f.whenComplete((result, e) -> {
                if (e == null) {
                    ctx.history().write("R", client, id, key, "COMPLETED", new String(result, StandardCharsets.UTF_8));
                } else if (Outcomes.unwrap(e) instanceof TaskFailedException tf) {
                    ctx.history().write("R", client, id, key, tf.state(), "-");
                } else {
                    ctx.history().write("RX", client, id, key, Outcomes.name(e));
                }
                pending.remove(id);
            });
        }

        void awaitAll(long timeoutNanos) {
            long deadline = HistoryWriter.now() + timeoutNanos;
            while (!pending.isEmpty() && HistoryWriter.now() < deadline) {
                RegisterWorkload.pause(100);
            }
            for (Long id : new ArrayList<>(pending.keySet())) {
                ctx.history().write("RP", client, id, keys.get(id));
            }
        }
    }

    /** Waits (bounded) until the queue has nothing ready, delayed or claimed. */
    private static void drain(Context ctx, int client, TaskQueue q) {
        long deadline = HistoryWriter.now() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
        QueueStats last = null;
        while (HistoryWriter.now() < deadline) {
            try {
                last = q.stats();
                if (last.ready() == 0 && last.delayed() == 0 && last.claimed() == 0) {
                    break;
                }
            } catch (RuntimeException e) {
                ctx.history().write("DX", client, HistoryWriter.now(), Outcomes.name(e));
            }
            RegisterWorkload.pause(500);
        }
        if (last == null) {
            ctx.history().write("D", client, HistoryWriter.now(), "timeout", -1, -1, -1, -1, -1);
            return;
        }
        boolean drained = last.ready() == 0 && last.delayed() == 0 && last.claimed() == 0;
        ctx.history().write("D", client, HistoryWriter.now(), drained ? "drained" : "timeout", last.ready(),
                last.delayed(), last.claimed(), last.completed(), last.dead());
    }

    /** Client 1 lists every task of the queue (linearizable), retrying for up to 20 s. */
    private static void finalRead(Context ctx, int client, TaskQueue q) {
        long deadline = HistoryWriter.now() + TimeUnit.SECONDS.toNanos(20);
        while (HistoryWriter.now() < deadline) {
            List<TaskStatus> all;
            try {
                all = q.list(null, FINAL_LIST_LIMIT);
            } catch (RuntimeException e) {
                ctx.history().write("FX", client, HistoryWriter.now(), Outcomes.name(e));
                RegisterWorkload.pause(500);
                continue;
            }
            for (TaskStatus t : all) {
                ctx.history().write("F", t.id(), t.idempotencyKey(), t.state(), t.attempts(), t.maxAttempts(),
                        t.result().map(r -> new String(r, StandardCharsets.UTF_8)).orElse("-"));
            }
            ctx.history().write("FEND", client, all.size(), all.size() >= FINAL_LIST_LIMIT);
            return;
        }
    }

    @Override
    public Verdict check(List<Path> histories, Path runDir) throws IOException {
        List<QueueChecker.Submit> submits = new ArrayList<>();
        Map<Long, QueueChecker.Execution> runs = new HashMap<>();
        List<QueueChecker.Outcome> outcomes = new ArrayList<>();
        List<QueueChecker.Final> finals = new ArrayList<>();
        List<QueueChecker.Pending> pending = new ArrayList<>();
        boolean finalDone = false;
        boolean truncated = false;
        for (String[] r : HistoryWriter.read(histories)) {
            switch (r[0]) {
                case "SC" -> {
                    boolean ok = r[5].equals("OK");
                    submits.add(new QueueChecker.Submit(Integer.parseInt(r[1]), r[3], ok, ok ? r[6] : null));
                }
                case "HS" -> runs.putIfAbsent(Long.parseLong(r[5]), new QueueChecker.Execution(Integer.parseInt(r[1]),
                        r[2], r[3], Integer.parseInt(r[4]), Long.parseLong(r[5]), "", "-"));
                case "HE" -> runs.put(Long.parseLong(r[5]), new QueueChecker.Execution(Integer.parseInt(r[1]), r[2],
                        r[3], Integer.parseInt(r[4]), Long.parseLong(r[5]), r[7], r[8]));
                case "R" -> outcomes.add(new QueueChecker.Outcome(Integer.parseInt(r[1]), r[3], r[2], r[4], r[5]));
                case "RP" -> pending.add(new QueueChecker.Pending(Integer.parseInt(r[1]), r[2], r[3]));
                case "F" -> finals.add(new QueueChecker.Final(r[1], r[2], r[3], Integer.parseInt(r[4]),
                        Integer.parseInt(r[5]), r[6]));
                case "FEND" -> {
                    finalDone = true;
                    truncated = Boolean.parseBoolean(r[3]);
                }
                default -> {
                }
            }
        }
        return QueueChecker.check(new QueueChecker.Input(submits, new ArrayList<>(runs.values()), outcomes,
                finalDone ? finals : null, truncated, pending));
    }
}
