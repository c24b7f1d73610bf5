package io.tandem.cli;

import io.tandem.Tandem;
import io.tandem.task.Task;
import io.tandem.task.TaskFailedException;
import io.tandem.task.TaskOptions;
import io.tandem.task.TaskQueue;
import io.tandem.task.TaskStatus;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** The task part of {@code tandem demo}: fan-out over nodes, exactly-once submit, dead letters, a schedule. */
final class TaskDemo {

    private static final TaskOptions OPTIONS = TaskOptions.DEFAULTS.lease(Duration.ofSeconds(5))
            .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).maxAttempts(2);

    private TaskDemo() {
    }

    static void run(Map<String, Tandem> nodes, PrintStream out) throws Exception {
        List<Tandem> all = new ArrayList<>(nodes.values());
        Tandem first = all.get(0);
        AtomicBoolean fixed = new AtomicBoolean();
        AtomicInteger ticks = new AtomicInteger();
        for (Tandem t : all) {
            TaskQueue q = t.tasks("images", OPTIONS);
            q.handle("thumbnail", ctx -> utf8("thumbnail of " + ctx.payloadAsString() + " made on " + t.nodeId()), 2);
            q.handle("upload", ctx -> {
                if (!fixed.get()) {
                    throw new IllegalStateException("storage bucket unavailable");
                }
                return utf8("uploaded on " + t.nodeId());
            }, 1);
            q.handle("cleanup", ctx -> utf8("cleanup #" + ticks.incrementAndGet()), 1);
        }
        TaskQueue q = first.tasks("images", OPTIONS);
        out.println("-- tasks: " + all.size() + " nodes handle images/thumbnail; " + first.nodeId()
                + " runs 6 and waits for the results");
        List<CompletableFuture<byte[]>> runs = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            runs.add(q.run("thumbnail", utf8("photo-" + i + ".jpg")));
        }
        for (CompletableFuture<byte[]> f : runs) {
            out.println("   " + TaskQueue.text(f.get(20, TimeUnit.SECONDS)));
        }
        long a = q.submit(Task.named("thumbnail").payload("photo-7.jpg").idempotencyKey("photo-7"));
        long b = all.get(all.size() - 1).tasks("images", OPTIONS)
                .submit(Task.named("thumbnail").payload("photo-7.jpg").idempotencyKey("photo-7"));
        out.println("-- submitted photo-7 twice with idempotency key photo-7 (from two nodes): task ids " + a + " and "
                + b + (a == b ? " (one task)" : " (DUPLICATE!)"));
        long upload = q.submit(Task.named("upload").payload("photo-1.jpg"));
        try {
            q.result(upload).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            TaskFailedException f = (TaskFailedException) e.getCause();
            out.println("-- upload task " + upload + " failed twice and was dead-lettered: " + f.getMessage());
        }
        for (TaskStatus s : q.deadLetters(10)) {
            out.println("   dead letter " + s.id() + ": " + s.name() + ", " + s.attempts() + " attempts, last error: "
                    + s.lastError());
        }
        fixed.set(true);
        q.requeue(upload);
        out.println("-- bucket fixed; requeued task " + upload + ": " + TaskQueue.text(q.result(upload).get(20,
                TimeUnit.SECONDS)));
        q.schedule("cleanup-every-300ms", Task.named("cleanup"), Duration.ofMillis(300));
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ticks.get() < 3 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        q.unschedule("cleanup-every-300ms");
        out.println("-- schedule cleanup-every-300ms fired " + ticks.get() + " times (once per period, cluster-wide);"
                + " queue stats: " + q.stats());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
