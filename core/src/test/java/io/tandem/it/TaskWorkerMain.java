package io.tandem.it;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.task.TaskOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * A node process that also works on queue {@code proc}: {@code node --flag value ...} as the CLI
 * takes them. Handler {@code slow} sleeps the payload's milliseconds on its first attempt (so a
 * test can kill the process mid-task) and answers at once on later ones, naming this node.
 */
public final class TaskWorkerMain {

    static final TaskOptions OPTIONS = TaskOptions.DEFAULTS.lease(Duration.ofSeconds(2));

    private TaskWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        Properties flags = new Properties();
        for (int i = 1; i + 1 < args.length; i += 2) {
            flags.setProperty("tandem." + args[i].substring(2), args[i + 1]);
        }
        TandemConfig.Builder b = TandemConfig.applyTo(TandemConfig.fromProperties(new Properties(), Map.of()), flags);
        Tandem node = b.start();
        String id = node.nodeId();
        node.tasks("proc", OPTIONS).handle("slow", ctx -> {
            System.out.println("worker " + id + " running task " + ctx.taskId() + " attempt " + ctx.attempt());
            System.out.flush();
            if (ctx.attempt() == 1) {
                Thread.sleep(Long.parseLong(ctx.payloadAsString()));
            }
            return (id + " attempt " + ctx.attempt()).getBytes(StandardCharsets.UTF_8);
        }, 2);
        System.out.println("worker " + id + " handles proc/slow");
        System.out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stop.countDown();
        }, "tandem-shutdown"));
        stop.await();
    }
}
