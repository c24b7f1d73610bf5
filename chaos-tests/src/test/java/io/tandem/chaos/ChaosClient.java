package io.tandem.chaos;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A workload client in its own process: an embedded Tandem member that joins the cluster as a
 * learner (it is not in the seed list), then runs one {@link Workload}.
 *
 * <p>Why embedded members rather than the client port: an embedded member is how Tandem is
 * used, and only it has every primitive (the client port serves data operations only); lock
 * grants, leadership changes, watch events and local revocation are all observed by applying the
 * log on the member itself, which is what the checkers must judge. The price: a client shares the
 * network of the host it runs on, so partitions cut it off too (see {@link ChaosCluster}).
 *
 * <p>Arguments are {@code key=value}: every {@code tandem.*} setting, {@code workload},
 * {@code history} (file), {@code seed}, {@code index}, and workload parameters. Protocol: prints
 * {@code READY} once joined, waits for {@code go DURATION_MS} on stdin, runs the workload, prints
 * {@code DONE}, closes the member and exits.
 */
public final class ChaosClient {

    private ChaosClient() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        Properties tandem = new Properties();
        for (String a : args) {
            int eq = a.indexOf('=');
            String key = a.substring(0, eq);
            String value = a.substring(eq + 1);
            if (key.startsWith("tandem.")) {
                tandem.setProperty(key, value);
            } else {
                params.put(key, value);
            }
        }
        Workload workload = Workload.named(params.get("workload"));
        TandemConfig config = TandemConfig.fromProperties(tandem, Map.of()).build();
        Thread watchdog = new Thread(() -> {
            // A client must never outlive its run: if closing hangs (no quorum), leave anyway.
            try {
                TimeUnit.MILLISECONDS.sleep(Long.parseLong(params.getOrDefault("maxLifeMs", "900000")));
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("WATCHDOG: exiting");
            Runtime.getRuntime().halt(3);
        }, "chaos-client-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Tandem node = Tandem.start(config);
        System.out.println("READY " + config.nodeId());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String go = in.readLine();
        if (go == null || !go.startsWith("go ")) {
            System.out.println("no 'go' on stdin (" + go + "); exiting");
            Runtime.getRuntime().halt(2);
        }
        long durationMs = Long.parseLong(go.substring(3).trim());
        long deadline = HistoryWriter.now() + TimeUnit.MILLISECONDS.toNanos(durationMs);
        SplittableRandom random = new SplittableRandom(Long.parseLong(params.getOrDefault("seed", "1")));
        try (HistoryWriter history = new HistoryWriter(Path.of(params.get("history")))) {
            workload.drive(new Workload.Context(node, config.nodeId(), Integer.parseInt(params.getOrDefault("index", "1")),
                    history, deadline, random, params));
        } catch (Throwable t) {
            System.out.println("WORKLOAD FAILED: " + t);
            t.printStackTrace(System.out);
        }
        System.out.println("DONE " + config.nodeId());
        System.out.flush();
        Thread closer = new Thread(node::close, "chaos-client-close");
        closer.setDaemon(true);
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(10));
        Runtime.getRuntime().halt(0);
    }
}
