package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@code tandem node} processes on loopback, driven from outside through the client
 * protocol exactly as an operator would with the CLI. The CLI client commands run in this JVM
 * ({@link Main#run(String[], Map, PrintStream, PrintStream)} with captured streams, each with its
 * own client transport and real sockets); the wrong-secret check runs the CLI as a process too,
 * to cover its exit code. Starting three JVMs is the expensive part, so the tests share one
 * cluster and run in order; the leader kill comes last.
 */
// Real sockets, processes and timeouts: never share the CPU with the parallel simulations.
@org.junit.jupiter.api.parallel.Isolated
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliProcessTest {

    private static final Pattern LEADER = Pattern.compile("(?m)^leader:\\s+(\\S+)$");
    private static final Pattern PUT_OK = Pattern.compile("^OK \\S+ version=(\\d+) revision=(\\d+)$");
    private static final Pattern LIST_REVISION = Pattern.compile("(?m)^# \\d+ keys at revision (\\d+)");
    private static final Map<String, String> ENV = Map.of(); // the secret travels as a flag below

    private Path dir;
    private NodeProcesses nodes;
    private final List<String> written = new ArrayList<>();

    record Result(int code, String out, String err) {
        boolean ok() {
            return code == 0;
        }
    }

    @BeforeAll
    void startCluster(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        nodes = new NodeProcesses(dir, 3);
        long started = System.nanoTime();
        nodes.startAll();
        Result first = await(Duration.ofSeconds(60), "a first write through n1", () ->
                Optional.of(kv("n1", "put", "first", "hello")).filter(Result::ok));
        long firstOpMs = msSince(started);
        for (String id : nodes.ports.keySet()) {
            awaitLeaderSeenBy(id);
        }
        System.out.printf("process start -> first successful operation (kv put through n1): %d ms;"
                + " -> a leader visible through every node: %d ms%n", firstOpMs, msSince(started));
        assertTrue(PUT_OK.matcher(first.out().trim()).matches(), first.out());
        written.add("first");
    }

    @AfterAll
    void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    @Order(1)
    void statusThroughEveryNodeNamesTheSameLeaderAndAllVoters() {
        for (String id : nodes.ports.keySet()) {
            Result r = status(id);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("node:       " + id + "\n"), r.out());
            assertTrue(r.out().contains("voters:     n1,n2,n3\n"), r.out());
            assertTrue(r.out().contains("learners:   none\n"), r.out());
            assertTrue(r.out().matches("(?s).*role:\\s+(LEADER|FOLLOWER)\n.*"), r.out());
        }
        String leader = awaitAgreedLeader(nodes.ports.keySet());
        assertTrue(status(leader).out().contains("role:       LEADER\n"), "the named leader says it leads");
    }

    @Test
    @Order(2)
    void aWriteThroughOneNodeIsReadThroughEachAndConditionsHold() {
        Result put = kv("n2", "put", "orders/42", "paid");
        assertEquals(0, put.code(), put.err());
        written.add("orders/42");
        for (String id : nodes.ports.keySet()) {
            Result get = kv(id, "get", "orders/42", "--print-value-only");
            assertEquals(0, get.code(), get.err());
            assertEquals("paid", get.out(), "linearizable read through " + id);
        }
        Result conflict = kv("n3", "put", "orders/42", "lost", "--if-version", "7");
        assertEquals(1, conflict.code());
        assertTrue(conflict.err().contains("not at the expected version 7"), conflict.err());
        Result cas = kv("n3", "put", "orders/42", "shipped", "--if-version", "1");
        assertEquals(0, cas.code(), cas.err());
        assertTrue(cas.out().startsWith("OK orders/42 version=2 "), cas.out());
        Result missing = kv("n1", "get", "orders/none");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("key 'orders/none' not found"), missing.err());
    }

    @Test
    @Order(3)
    void watchReplaysFromARevisionThenFollowsLiveChanges() throws Exception {
        Result a = kv("n2", "put", "watch/a", "1");
        long from = revisionOf(a);
        CompletableFuture<Result> watch = CompletableFuture.supplyAsync(() -> kv("n3", "watch", "watch/", "--prefix",
                "--from-revision", String.valueOf(from), "--count", "3"));
        assertEquals(0, kv("n1", "put", "watch/b", "2").code());
        assertEquals(0, kv("n2", "del", "watch/a").code());
        Result w = watch.get(30, TimeUnit.SECONDS);
        assertEquals(0, w.code(), w.err());
        List<String> lines = w.out().lines().map(l -> l.replaceAll(" revision=\\d+", "")).toList();
        assertEquals(List.of("PUT watch/a=1 version=1", "PUT watch/b=2 version=1", "DELETE watch/a"), lines);
    }

    @Test
    @Order(4)
    void aClientWithTheWrongSecretGetsAClearErrorNotAHang() throws Exception {
        Path err = dir.resolve("wrong-secret.err");
        long started = System.nanoTime();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "io.tandem.cli.Main",
                "kv", "get", "orders/42", "--node", nodes.address("n1"), "--cluster-name", NodeProcesses.CLUSTER,
                "--cluster-secret", "not-the-cluster-secret-at-all").redirectError(err.toFile())
                .redirectOutput(dir.resolve("wrong-secret.out").toFile()).start();
        try {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the CLI must not hang on a wrong secret");
            long ms = msSince(started);
            String message = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(1, p.exitValue(), message);
            assertTrue(message.contains("refused the handshake") && message.contains("--cluster-secret"), message);
            assertTrue(ms < 10_000, "answered by the handshake, not by the 15 s client timeout: " + ms + " ms");
            System.out.printf("wrong secret: CLI process exited 1 after %d ms: %s%n", ms, message.trim());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Order(5)
    void jsonOutputParsesBackAndCarriesVersionsForCompareAndSet() throws Exception {
        ObjectMapper json = new ObjectMapper();
        byte[] tricky = "a=b\nsecond line \"quoted\"".getBytes(StandardCharsets.UTF_8);
        Result put = cliIn(tricky, "kv", "put", "json/x=y", "-", "-o", "json", "--endpoints", nodes.address("n1"),
                "--cluster-secret", NodeProcesses.SECRET, "--cluster-name", NodeProcesses.CLUSTER);
        assertEquals(0, put.code(), put.err());
        written.add("json/x=y");
        JsonNode written1 = json.readTree(put.out());
        assertEquals("json/x=y", written1.get("key").asText());
        assertEquals(new String(tricky, StandardCharsets.UTF_8), written1.get("value").asText(), "value from stdin");
        long version = written1.get("version").asLong();

        JsonNode got = json.readTree(kv("n2", "get", "json/x=y", "-o", "json").out());
        assertEquals(version, got.get("version").asLong());
        assertEquals(written1.get("modRevision").asLong(), got.get("modRevision").asLong());
        assertTrue(java.util.Arrays.equals(tricky, java.util.Base64.getDecoder().decode(got.get("valueBase64")
                .asText())), "the exact bytes travel in base64");
        Result cas = kv("n3", "put", "json/x=y", "next", "--if-version", String.valueOf(version));
        assertEquals(0, cas.code(), "compare-and-set with the version read from JSON: " + cas.err());

        Result table = kv("n1", "list", "json/");
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("\"json/x=y\"") && l.endsWith("next")),
                "a key holding '=' is quoted, so the line splits unambiguously: " + table.out());
        JsonNode list = json.readTree(kv("n1", "list", "json/", "-o", "json").out());
        assertEquals(1, list.get("count").asInt());
        assertEquals("next", list.get("records").get(0).get("value").asText());
        assertTrue(list.get("revision").asLong() >= got.get("modRevision").asLong());

        JsonNode status = json.readTree(cli("status", "-o", "json", "--endpoints", nodes.address("n2"),
                "--cluster-secret", NodeProcesses.SECRET, "--cluster-name", NodeProcesses.CLUSTER).out());
        assertEquals("n2", status.get("node").asText());
        assertTrue(status.get("ready").asBoolean(), status.toString());
        assertEquals("n1,n2,n3", status.get("voters").asText());

        JsonNode members = json.readTree(admin("n3", "member", "list", "-o", "json").out());
        assertEquals(3, members.size(), members.toString());
        long leaders = 0;
        for (JsonNode m : members) {
            assertEquals("voter", m.get("role").asText());
            assertEquals(nodes.address(m.get("id").asText()), m.get("address").asText());
            leaders += m.get("leader").asBoolean() ? 1 : 0;
        }
        assertEquals(1, leaders, members.toString());
    }

    @Test
    @Order(6)
    void statusExitCodeFailoverLeaderTransferTasksAndSnapshotSave() throws Exception {
        assertEquals(0, status("n1").code(), "a ready node: exit 0");
        int dead = io.tandem.testing.TestPorts.next();
        Result failover = cli("kv", "get", "first", "--print-value-only", "--endpoints", "127.0.0.1:" + dead + ","
                + nodes.address("n2"), "--cluster-secret", NodeProcesses.SECRET, "--cluster-name",
                NodeProcesses.CLUSTER);
        assertEquals(0, failover.code(), failover.err());
        assertEquals("hello", failover.out(), "the dead first endpoint is skipped");

        String before = awaitAgreedLeader(nodes.ports.keySet());
        String target = nodes.ports.keySet().stream().filter(id -> !id.equals(before)).findFirst().orElseThrow();
        String other = nodes.ports.keySet().stream().filter(id -> !id.equals(before) && !id.equals(target))
                .findFirst().orElseThrow();
        Result transfer = admin(other, "leader", "transfer", target);
        assertEquals(0, transfer.code(), transfer.err());
        assertEquals("leadership moved from " + before + " to " + target + "\n", transfer.out());
        assertEquals(target, awaitAgreedLeader(nodes.ports.keySet()));

        Result queues = admin("n1", "task", "queues");
        assertEquals(0, queues.code(), queues.err());
        assertEquals("# no queues\n", queues.out());

        Path backup = dir.resolve("cluster.tbk");
        Result save = admin("n2", "snapshot", "save", backup.toString());
        assertEquals(0, save.code(), save.err());
        assertTrue(save.out().startsWith("saved backup at index "), save.out());
        Result info = cli("snapshot", "status", backup.toString(), "-o", "json");
        assertEquals(0, info.code(), info.err());
        assertEquals("[\"n1\",\"n2\",\"n3\"]", new ObjectMapper().readTree(info.out()).get("members").toString());
    }

    @Test
    @Order(7)
    void killingTheLeaderProcessLosesNothingAndSurvivorsKeepServing() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertEquals(0, kv("n" + (1 + i % 3), "put", "k" + i, "v" + i).code());
            written.add("k" + i);
        }
        String leader = awaitAgreedLeader(nodes.ports.keySet());
        List<String> survivors = nodes.ports.keySet().stream().filter(id -> !id.equals(leader)).toList();
        String writer = survivors.get(0);
        String watcher = survivors.get(1);
        long next = revisionOfListing(kv(watcher, "list", "after-kill")) + 1;
        CompletableFuture<Result> watch = CompletableFuture.supplyAsync(() -> kv(watcher, "watch", "after-kill",
                "--from-revision", String.valueOf(next), "--count", "1"));

        long killedAt = System.nanoTime();
        nodes.kill(leader);
        CompletableFuture<Long> newLeaderMs = CompletableFuture.supplyAsync(() -> {
            await(Duration.ofSeconds(30), "a new leader named by " + watcher, () ->
                    leaderIn(status(watcher).out()).filter(l -> !l.equals(leader)));
            return msSince(killedAt);
        });
        await(Duration.ofSeconds(30), "a write through survivor " + writer, () ->
                Optional.of(kv(writer, "put", "after-kill", "still-here")).filter(Result::ok));
        long failoverMs = msSince(killedAt);
        System.out.printf("leader %s killed with SIGKILL -> first successful write through %s after %d ms"
                + " (a new leader was visible through %s after %d ms)%n", leader, writer, failoverMs, watcher,
                newLeaderMs.get(30, TimeUnit.SECONDS));

        String newLeader = awaitLeaderSeenBy(watcher);
        assertNotEquals(leader, newLeader);
        for (String id : survivors) {
            for (String key : written) {
                Result get = kv(id, "get", key);
                assertEquals(0, get.code(), key + " through " + id + ": " + get.err());
            }
            assertEquals("still-here", kv(id, "get", "after-kill", "--print-value-only").out(), id);
        }
        assertEquals("v19", kv(watcher, "get", "k19", "--stale", "--print-value-only").out());
        assertEquals(0, kv(watcher, "put", "after-kill-2", "also-writable").code(), "write through " + watcher);
        Result w = watch.get(30, TimeUnit.SECONDS);
        assertEquals(0, w.code(), w.err());
        assertTrue(w.out().startsWith("PUT after-kill=still-here "), "a watch on a survivor sees the write: " + w);
        assertTrue(!nodes.isAlive(leader), "the old leader stays dead");
    }

    @Test
    @Order(8)
    void aSavedSnapshotRestoresIntoAFreshClusterWithEveryKey() throws Exception {
        String survivor = nodes.ports.keySet().stream().filter(nodes::isAlive).findFirst().orElseThrow();
        Path backup = dir.resolve("before-restore.tbk");
        assertEquals(0, admin(survivor, "snapshot", "save", backup.toString()).code());
        Map<String, String> expected = new java.util.TreeMap<>();
        for (String key : written) {
            Result get = kv(survivor, "get", key, "--print-value-only");
            assertEquals(0, get.code(), key + ": " + get.err());
            expected.put(key, get.out());
        }
        Path freshRoot = dir.resolve("restored");
        Files.createDirectories(freshRoot);
        try (NodeProcesses fresh = new NodeProcesses(freshRoot, 3)) {
            List<String> initial = new ArrayList<>();
            fresh.ports.keySet().forEach(id -> initial.add(id + "=" + fresh.address(id)));
            for (String id : fresh.ports.keySet()) {
                Result r = cli("snapshot", "restore", backup.toString(), "--data-dir", freshRoot.resolve(id).toString(),
                        "--node-id", id, "--initial-cluster", String.join(",", initial));
                assertEquals(0, r.code(), r.err());
            }
            Result again = cli("snapshot", "restore", backup.toString(), "--data-dir", freshRoot.resolve("n1")
                    .toString(), "--node-id", "n1", "--initial-cluster", String.join(",", initial));
            assertEquals(1, again.code());
            assertTrue(again.err().contains("is not empty"), again.err());
            fresh.startAll();
            String all = String.join(",", fresh.ports.keySet().stream().map(fresh::address).toList());
            for (Map.Entry<String, String> e : expected.entrySet()) {
                Result get = await(Duration.ofSeconds(60), e.getKey() + " in the restored cluster", () ->
                        Optional.of(cli("kv", "get", e.getKey(), "--print-value-only", "--endpoints", all,
                                "--cluster-secret", NodeProcesses.SECRET, "--cluster-name", NodeProcesses.CLUSTER))
                                .filter(Result::ok));
                assertEquals(e.getValue(), get.out(), e.getKey());
            }
            Result put = cli("kv", "put", "after-restore", "yes", "--endpoints", all, "--cluster-secret",
                    NodeProcesses.SECRET, "--cluster-name", NodeProcesses.CLUSTER);
            assertEquals(0, put.code(), "the restored cluster takes writes: " + put.err());
            System.out.printf("restored %d keys from a %d-byte backup into a fresh 3-process cluster%n",
                    expected.size(), Files.size(backup));
        }
    }

    // ------------------------------------------------------------------ helpers

    private Result admin(String node, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--endpoints", nodes.address(node), "--cluster-secret", NodeProcesses.SECRET,
                "--cluster-name", NodeProcesses.CLUSTER));
        return cli(argv.toArray(new String[0]));
    }

    private static Result cliIn(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, ENV, new java.io.ByteArrayInputStream(stdin), o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result kv(String node, String... args) {
        List<String> argv = new ArrayList<>(List.of("kv"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--node", nodes.address(node), "--cluster-secret", NodeProcesses.SECRET,
                "--cluster-name", NodeProcesses.CLUSTER));
        return cli(argv.toArray(new String[0]));
    }

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, ENV, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result status(String node) {
        return cli("status", "--node", nodes.address(node), "--cluster-secret", NodeProcesses.SECRET,
                "--cluster-name", NodeProcesses.CLUSTER);
    }

    private String awaitLeaderSeenBy(String id) {
        return await(Duration.ofSeconds(30), "a leader named by " + id, () -> leaderIn(status(id).out()));
    }

    /** The leader every one of {@code ids} names in the same round of status calls. */
    private String awaitAgreedLeader(Collection<String> ids) {
        return await(Duration.ofSeconds(30), "one leader named by all of " + ids, () -> {
            Set<Optional<String>> named = ids.stream().map(id -> leaderIn(status(id).out()))
                    .collect(Collectors.toSet());
            return named.size() == 1 ? named.iterator().next() : Optional.empty();
        });
    }

    private static Optional<String> leaderIn(String status) {
        Matcher m = LEADER.matcher(status);
        return m.find() && !m.group(1).equals("none") ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static long revisionOf(Result put) {
        Matcher m = PUT_OK.matcher(put.out().trim());
        assertTrue(m.matches(), "put output: " + put);
        return Long.parseLong(m.group(2));
    }

    private static long revisionOfListing(Result list) {
        Matcher m = LIST_REVISION.matcher(list.out());
        assertTrue(m.find(), "list output: " + list);
        return Long.parseLong(m.group(1));
    }

    /** Polls {@code attempt} until it yields a value; fails with every node's log tail after the deadline. */
    private <T> T await(Duration timeout, String what, Supplier<Optional<T>> attempt) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> value = attempt.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder();
                nodes.ports.keySet().forEach(id -> logs.append("\n--- ").append(id).append(".log\n")
                        .append(nodes.logTail(id)));
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + logs);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    private static long msSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
