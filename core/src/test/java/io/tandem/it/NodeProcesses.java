package io.tandem.it;

import io.tandem.testing.TestPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real {@code tandem node} processes on loopback: one JVM each, started with this JVM's class
 * path, free ports, a data directory and a log file (stdout and stderr) per node under
 * {@code root}. {@link #close()} kills whatever is still running.
 */
final class NodeProcesses implements AutoCloseable {

    static final String SECRET = "process-test-secret-0123456789";
    static final String CLUSTER = "proc";

    final Path root;
    final Map<String, Integer> ports = new LinkedHashMap<>();
    /** The class whose main runs {@code node FLAGS}: the CLI, or a test worker that also handles tasks. */
    String mainClass = "io.tandem.cli.Main";
    private final Map<String, Process> processes = new LinkedHashMap<>();
    /** Extra environment per node (e.g. libfaketime for one node). */
    final Map<String, Map<String, String>> env = new LinkedHashMap<>();
    /** Extra flags for every node, appended to the command line. */
    final List<String> extraFlags = new ArrayList<>();
    /** Extra JVM options per node (e.g. -Dtandem.commandLevel=1 to play an older build). */
    final Map<String, List<String>> jvmOptions = new LinkedHashMap<>();
    private final Thread killOnExit = new Thread(this::destroyAll, "kill-node-processes");

    NodeProcesses(Path root, int count) throws IOException {
        this.root = root;
        for (int i = 1; i <= count; i++) {
            ports.put("n" + i, TestPorts.next());
        }
        // If this JVM is stopped before close() runs, the nodes must not outlive it.
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    String address(String id) {
        return "127.0.0.1:" + ports.get(id);
    }

    /** Starts every node at once: founders wait for each other. */
    void startAll() throws IOException {
        for (String id : ports.keySet()) {
            start(id);
        }
    }

    /** Starts (or restarts, with its data directory) one node. */
    void start(String id) throws IOException {
        Path log = root.resolve(id + ".log");
        ProcessBuilder pb = new ProcessBuilder(command(id)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("TANDEM_CLUSTER_SECRET"); // the flags below are the whole configuration
        pb.environment().putAll(env.getOrDefault(id, Map.of()));
        processes.put(id, pb.start());
    }

    private List<String> command(String id) {
        List<String> seeds = new ArrayList<>();
        ports.keySet().forEach(n -> seeds.add(address(n)));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dtandem.logLevel=info"));
        cmd.addAll(jvmOptions.getOrDefault(id, List.of()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass, "node",
                "--node-id", id, "--bind", address(id), "--seeds", String.join(",", seeds),
                "--data-dir", root.resolve(id).toString(), "--cluster-name", CLUSTER, "--cluster-secret", SECRET,
                "--tick-ms", "25", "--election-timeout-ticks", "10", "--session-timeout-ms", "3000",
                "--request-timeout-ms", "5000"));
        cmd.addAll(extraFlags);
        return cmd;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or handed over. */
    void kill(String id) throws InterruptedException {
        Process p = processes.get(id);
        p.destroyForcibly();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("node " + id + " (pid " + p.pid() + ") still runs 10 s after SIGKILL");
        }
    }

    boolean isAlive(String id) {
        return processes.get(id).isAlive();
    }

    /** The tail of a node's log, for failure messages. */
    String logTail(String id) {
        try {
            List<String> lines = Files.readAllLines(root.resolve(id + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read the log of " + id + ": " + e + ")";
        }
    }

    private void destroyAll() {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
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
            // already shutting down: the hook is running destroyAll() too, which is harmless twice
        }
    }
}
