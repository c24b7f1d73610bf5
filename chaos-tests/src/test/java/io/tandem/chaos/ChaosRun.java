package io.tandem.chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One chaos run: a fresh network and cluster, one workload's clients, the nemesis for the run's
 * duration, then heal, wait for the clients, check. Everything is torn down in {@code finally}.
 *
 * <p>The report goes to {@code target/chaos/<run>/}: {@code seed.txt} (seed and replay command),
 * {@code nemesis.log} (the fault timeline), {@code clients/<id>.history} (every operation with
 * invoke and complete times and results) and {@code clients/<id>.log}, {@code logs/<node>.log}
 * (node logs, across restarts), {@code verdict.txt} (the checker's report).
 */
final class ChaosRun {

    /** What a run found. */
    record Outcome(String workload, long seed, Path dir, Workload.Verdict verdict, List<String> faults,
                   long millis) {
        String summary() {
            return String.format(java.util.Locale.ROOT, "%-14s seed=0x%016x %5.1f s  %d faults  %d ops  %s",
                    workload, seed, millis / 1000.0, faults.size(), verdict.operations(),
                    verdict.ok() ? "OK" : "VIOLATION");
        }
    }

    private ChaosRun() {
    }

    /** {@code chaos.lock.maxHold}: lock holders ask for a maximum hold (default true since A1 was fixed). */
    static boolean maxHold() {
        return Boolean.parseBoolean(System.getProperty("chaos.lock.maxHold", "true").trim());
    }

    static String replay(String workload, long seed) {
        return "mvn -B -Pchaos -pl chaos-tests -am verify -Dtest='io/tandem/chaos/**'"
                + " -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.workloads=" + workload + " -Dchaos.seed=0x"
                + Long.toHexString(seed) + " -Dchaos.minutes=" + System.getProperty("chaos.minutes", "1")
                + (maxHold() ? "" : " -Dchaos.lock.maxHold=false");
    }

    static Outcome run(String workloadName, long seed, Duration duration, int nodeCount, List<Nemesis.Kind> kinds,
                       Path root) throws IOException, InterruptedException {
        Workload workload = Workload.named(workloadName);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = root.resolve(stamp + "-" + workloadName + "-" + Long.toHexString(seed));
        Files.createDirectories(dir);
        String header = "CHAOS workload=" + workloadName + " seed=0x" + Long.toHexString(seed) + " nodes=" + nodeCount
                + " duration=" + duration.toSeconds() + "s nemeses=" + (kinds.isEmpty() ? "all" : kinds)
                + (workloadName.equals("lock") ? " maxHold=" + maxHold() : "")
                + "\nreplay: " + replay(workloadName, seed) + "\nreport: " + dir;
        System.out.println(header);
        Files.writeString(dir.resolve("seed.txt"), header + "\n");
        SplittableRandom random = new SplittableRandom(seed);
        List<String> nodeIds = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) {
            nodeIds.add("n" + i);
        }
        long started = HistoryWriter.now();
        Nemesis nemesis = null;
        Workload.Verdict verdict;
        try (ChaosNetwork net = new ChaosNetwork(nodeIds);
             ChaosCluster cluster = new ChaosCluster(net, dir, nodeIds)) {
            cluster.startAllNodes();
            List<Process> clients = new ArrayList<>();
            List<Path> histories = new ArrayList<>();
            for (int i = 1; i <= workload.clientCount(); i++) {
                String id = "c" + i;
                Map<String, String> params = new LinkedHashMap<>();
                params.put("seed", String.valueOf(random.nextLong()));
                params.put("index", String.valueOf(i));
                params.put("resource", dir.resolve("resource.bin").toString());
                params.put("maxLifeMs", String.valueOf(duration.toMillis() + 240_000));
                params.put("maxHold", String.valueOf(maxHold()));
                clients.add(cluster.startClient(id, cluster.clientHost(i), ChaosCluster.CLIENT_PORT + i, workloadName,
                        params));
                histories.add(dir.resolve("clients").resolve(id + ".history"));
            }
            cluster.awaitClientsReady(Duration.ofSeconds(150));
            long goAt = HistoryWriter.now();
            for (Process p : clients) {
                OutputStream in = p.getOutputStream();
                in.write(("go " + duration.toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            }
            nemesis = new Nemesis(cluster, random.nextLong(), kinds, dir.resolve("nemesis.log"), goAt);
            nemesis.log("clients started (" + cluster.clientIds() + ", learners; hosts " + hostsOf(cluster) + ")");
            // The last ten seconds are fault-free, so the cluster can recover and clients finish.
            long quiet = Math.min(TimeUnit.SECONDS.toNanos(10), duration.toNanos() / 4);
            nemesis.run(goAt + duration.toNanos() - quiet);
            List<String> killed = cluster.awaitClientsExit(Duration.ofSeconds(120).plus(
                    Duration.ofNanos(Math.max(0, goAt + duration.toNanos() - HistoryWriter.now()))));
            nemesis.log("clients finished" + (killed.isEmpty() ? "" : "; killed (did not finish): " + killed));
            verdict = workload.check(histories, dir);
            if (!killed.isEmpty()) {
                // Every call is bounded by the request timeout; a client still running two minutes after
                // its deadline has a call that never returned. Its log ends with a thread dump (SIGQUIT).
                verdict = new Workload.Verdict(false, verdict.operations(), verdict.report()
                        + "\nLIVENESS VIOLATED: clients " + killed + " did not finish within 120 s of the end of the"
                        + " run: a call never returned (thread dump at the end of clients/<id>.log)");
            }
        } catch (RuntimeException | IOException | InterruptedException e) {
            Files.writeString(dir.resolve("verdict.txt"), "HARNESS ERROR: " + e + "\n");
            throw e;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(HistoryWriter.now() - started);
        Outcome outcome = new Outcome(workloadName, seed, dir, verdict, nemesis.applied(), millis);
        String report = outcome.summary() + "\n\n" + verdict.report() + "\n\nfaults:\n  "
                + String.join("\n  ", nemesis.applied()) + "\n";
        Files.writeString(dir.resolve("verdict.txt"), report);
        System.out.println(report);
        return outcome;
    }

    private static String hostsOf(ChaosCluster cluster) {
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= cluster.clientIds().size(); i++) {
            hosts.add("c" + i + "@" + cluster.clientHost(i));
        }
        return String.join(" ", hosts);
    }
}
