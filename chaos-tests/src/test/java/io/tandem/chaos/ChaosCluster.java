package io.tandem.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real {@code tandem node} processes (the CLI jar), one per network namespace of a
 * {@link ChaosNetwork}, each with its own data directory and log, plus the workload's client
 * processes ({@link ChaosClient}: embedded Tandem members that join as learners).
 *
 * <p>Client {@code cI} runs in the namespace of node {@code n((I-1) mod N + 1)}: an embedded
 * member shares its host's network with whatever runs there, so a partition that cuts a node off
 * cuts off the clients on that host too — exactly what happens to a service instance.
 *
 * <p>Node JVMs are small ({@code -Xmx192m}, serial GC, C1 only): the suite runs on two cores.
 * {@link #close()} kills every process it started (also from a shutdown hook).
 */
final class ChaosCluster implements AutoCloseable {

    static final String SECRET = "chaos-secret-0123456789abcdef";
    static final String CLUSTER = "chaos";
    // Fixed ports, on purpose: every node and client runs in its own network namespace, so these
    // ports are private to it and cannot collide with another test or process (docs/testing.md).
    static final int NODE_PORT = 7400;
    static final int CLIENT_PORT = 7500;
    static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
    private static final Pattern BECAME_LEADER = Pattern.compile("node (\\S+): became leader in term (\\d+)");

    /** Cluster-wide settings: every node and client gets the same. */
    static final int TICK_MS = 50;
    static final int ELECTION_TIMEOUT_TICKS = 10;
    static final long SESSION_TIMEOUT_MS = 3000;
    static final long REQUEST_TIMEOUT_MS = 2000;

    final ChaosNetwork net;
    final Path runDir;
    final List<String> nodeIds;
    private final Map<String, Process> nodes = new LinkedHashMap<>();
    private final Map<String, Long> skewMs = new LinkedHashMap<>();
    private final Map<String, Process> clients = new LinkedHashMap<>();
    private final Map<String, String> clientHost = new LinkedHashMap<>();
    private final Thread killOnExit = new Thread(this::destroyAll, "chaos-kill-processes");

    ChaosCluster(ChaosNetwork net, Path runDir, List<String> nodeIds) throws IOException {
        this.net = net;
        this.runDir = runDir;
        this.nodeIds = List.copyOf(nodeIds);
        Files.createDirectories(runDir.resolve("logs"));
        Files.createDirectories(runDir.resolve("data"));
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    String address(String nodeId) {
        return net.ip(nodeId) + ":" + NODE_PORT;
    }

    String seeds() {
        List<String> seeds = new ArrayList<>();
        nodeIds.forEach(n -> seeds.add(address(n)));
        return String.join(",", seeds);
    }

    /** The settings every member shares, as {@code tandem.*} property names and values. */
    Map<String, String> clusterSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("tandem.seeds", seeds());
        s.put("tandem.cluster-name", CLUSTER);
        s.put("tandem.cluster-secret", SECRET);
        s.put("tandem.tick-ms", String.valueOf(TICK_MS));
        s.put("tandem.election-timeout-ticks", String.valueOf(ELECTION_TIMEOUT_TICKS));
        s.put("tandem.session-timeout-ms", String.valueOf(SESSION_TIMEOUT_MS));
        s.put("tandem.request-timeout-ms", String.valueOf(REQUEST_TIMEOUT_MS));
        s.put("tandem.voter-count", String.valueOf(nodeIds.size()));
        // Small, so that snapshots and InstallSnapshot happen within a one-minute run.
        s.put("tandem.snapshot-every-entries", "2000");
        return s;
    }

    void startAllNodes() throws IOException {
        for (String id : nodeIds) {
            startNode(id, 0);
        }
    }

    /**
     * Starts node {@code id} in its namespace with its data directory; {@code skewMillis != 0}
     * runs it under libfaketime with its wall clock shifted (the monotonic clock is left alone).
     */
    void startNode(String id, long skewMillis) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.ns(id)));
        cmd.addAll(javaCommand());
        cmd.add("-Dtandem.logLevel=info");
        cmd.addAll(tandemMain());
        cmd.add("node");
        Map<String, String> flags = clusterSettings();
        flags.put("tandem.node-id", id);
        flags.put("tandem.bind", address(id));
        flags.put("tandem.data-dir", runDir.resolve("data").resolve(id).toString());
        flags.forEach((k, v) -> {
            cmd.add("--" + k.substring("tandem.".length()));
            cmd.add(v);
        });
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(runDir.resolve("logs").resolve(id + ".log").toFile()));
        scrubEnvironment(pb);
        if (skewMillis != 0) {
            pb.environment().put("LD_PRELOAD", LIBFAKETIME.toString());
            pb.environment().put("FAKETIME", String.format(java.util.Locale.ROOT, "%+.3f", skewMillis / 1000.0));
            pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        }
        appendLog(id, "=== chaos: starting " + id + (skewMillis != 0 ? " with wall clock " + skewMillis + " ms off" : ""));
        nodes.put(id, pb.start());
        skewMs.put(id, skewMillis);
    }

    private static void scrubEnvironment(ProcessBuilder pb) {
        pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_") || k.equals("LD_PRELOAD")
                || k.startsWith("FAKETIME") || k.startsWith("JAVA_TOOL_OPTIONS"));
    }

    private void appendLog(String id, String line) throws IOException {
        Files.writeString(runDir.resolve("logs").resolve(id + ".log"), line + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    static List<String> javaCommand() {
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"));
    }

    /** The CLI jar when it was built (it is what users run), else core's classes on our class path. */
    static List<String> tandemMain() {
        String jar = System.getProperty("chaos.tandemJar", "");
        if (!jar.isEmpty() && Files.isRegularFile(Path.of(jar))) {
            return List.of("-jar", jar);
        }
        return List.of("-cp", System.getProperty("java.class.path"), "io.tandem.cli.Main");
    }

    boolean isAlive(String id) {
        Process p = nodes.get(id);
        return p != null && p.isAlive();
    }

    long skewMillis(String id) {
        return skewMs.getOrDefault(id, 0L);
    }

    /** SIGKILL: nothing is flushed or handed over; the data directory stays for the restart. */
    void kill(String id) throws InterruptedException {
        Process p = nodes.get(id);
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("node " + id + " (pid " + p.pid() + ") still runs 10 s after SIGKILL");
        }
    }

    long pid(String member) {
        Process p = nodes.containsKey(member) ? nodes.get(member) : clients.get(member);
        if (p == null) {
            throw new IllegalArgumentException("no process " + member);
        }
        return p.pid();
    }

    /** SIGSTOP ({@code stop}) or SIGCONT of a node or client process. */
    void signal(String member, boolean stop) {
        Process p = nodes.containsKey(member) ? nodes.get(member) : clients.get(member);
        if (p != null && p.isAlive()) {
            Shell.tryRun(null, "kill", stop ? "-STOP" : "-CONT", String.valueOf(p.pid()));
        }
    }

    /**
     * The node that most recently logged "became leader", by term, among running nodes; a hint
     * for the nemesis (it may already be deposed), never used by a checker.
     */
    Optional<String> leaderHint() {
        String best = null;
        long bestTerm = -1;
        for (String id : nodeIds) {
            if (!isAlive(id)) {
                continue;
            }
            try {
                Matcher m = BECAME_LEADER.matcher(Files.readString(runDir.resolve("logs").resolve(id + ".log"),
                        StandardCharsets.ISO_8859_1));
                while (m.find()) {
                    long term = Long.parseLong(m.group(2));
                    if (term > bestTerm) {
                        bestTerm = term;
                        best = id;
                    }
                }
            } catch (IOException e) {
                // no log yet
            }
        }
        return Optional.ofNullable(best);
    }

    String clientHost(int index) {
        return nodeIds.get((index - 1) % nodeIds.size());
    }

    /**
     * Starts client {@code id} (an embedded member) on {@code host}'s namespace, running
     * {@code workload} with {@code params}; it writes its history to {@code clients/<id>.history}.
     */
    Process startClient(String id, String host, int port, String workload, Map<String, String> params)
            throws IOException {
        Files.createDirectories(runDir.resolve("clients"));
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.ns(host)));
        cmd.addAll(javaCommand());
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ChaosClient.class.getName()));
        Map<String, String> args = clusterSettings();
        args.put("tandem.node-id", id);
        args.put("tandem.bind", net.ip(host) + ":" + port);
        args.put("tandem.data-dir", runDir.resolve("data").resolve(id).toString());
        args.put("workload", workload);
        args.put("history", runDir.resolve("clients").resolve(id + ".history").toString());
        args.putAll(params);
        args.forEach((k, v) -> cmd.add(k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(runDir.resolve("clients").resolve(id + ".log").toFile()));
        scrubEnvironment(pb);
        Process p = pb.start();
        clients.put(id, p);
        clientHost.put(id, host);
        return p;
    }

    List<String> clientIds() {
        return new ArrayList<>(clients.keySet());
    }

    /** Waits until every client logged READY (joined the cluster); fails with the log of one that did not. */
    void awaitClientsReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String id : clients.keySet()) {
            Path log = runDir.resolve("clients").resolve(id + ".log");
            while (!(Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains("READY"))) {
                if (!clients.get(id).isAlive()) {
                    throw new IllegalStateException("client " + id + " exited before joining:\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("client " + id + " did not join within " + timeout + ":\n"
                            + tail(log));
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    /** Waits for every client to exit; kills those still running at the deadline and names them. */
    List<String> awaitClientsExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> killed = new ArrayList<>();
        for (Map.Entry<String, Process> e : clients.entrySet()) {
            long left = Math.max(1, deadline - System.nanoTime());
            if (!e.getValue().waitFor(left, TimeUnit.NANOSECONDS)) {
                // SIGQUIT: the JVM prints every thread's stack to its log, which shows where it hangs.
                Shell.tryRun(null, "kill", "-QUIT", String.valueOf(e.getValue().pid()));
                e.getValue().waitFor(2, TimeUnit.SECONDS);
                e.getValue().destroyForcibly();
                e.getValue().waitFor(10, TimeUnit.SECONDS);
                killed.add(e.getKey());
            }
        }
        return killed;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log " + log + ")";
        }
    }

    private void destroyAll() {
        List<Process> all = new ArrayList<>(clients.values());
        all.addAll(nodes.values());
        for (Process p : all) {
            p.destroyForcibly(); // SIGKILL ends a stopped (SIGSTOP) process too
        }
        for (Process p : all) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down and the hook runs destroyAll() too; harmless twice
        }
    }
}
