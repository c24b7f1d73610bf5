package io.tandem.cli;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.TandemException;
import io.tandem.leader.Leadership;
import io.tandem.lock.FencingGuard;
import io.tandem.lock.LockLease;
import io.tandem.lock.StaleTokenException;
import io.tandem.data.Record;
import io.tandem.node.NodeStatus;
import io.tandem.raft.Role;
import io.tandem.transport.TransportException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code tandem} command line: {@code demo}, {@code node}, {@code status}, {@code kv}.
 *
 * <p>The CLI is the one place where printing to the console is the job, so it writes to
 * {@link System#out} directly; everything below it logs through SLF4J.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        boolean isNode = args.length > 0 && args[0].equals("node");
        // A client command's own message says what failed; transport warnings would only repeat it.
        String level = isNode ? "info" : args.length > 0 && (args[0].equals("kv") || args[0].equals("status") || args[0].equals("lock") || args[0].equals("leader")
                || args[0].equals("task"))
                ? "error" : "warn";
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("tandem.logLevel", level));
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        int code = run(args, System.out, System.err);
        if (code != 0 || !isNode) {
            System.exit(code);
        }
    }

    /** Runs one command with the process environment; returns the exit code (0 ok, 1 error, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with an explicit environment (tests). */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        String label = (command.equals("kv") || command.equals("task")) && rest.length > 0 ? command + " " + rest[0]
                : command;
        try {
            return switch (command) {
                case "demo" -> demo(out);
                case "node" -> node(rest, env, out);
                case "status" -> ClientCommands.status(rest, env, out);
                case "kv" -> ClientCommands.kv(rest, env, out, err);
                case "lock" -> ClientCommands.locks(false, rest, env, out);
                case "leader" -> ClientCommands.locks(true, rest, env, out);
                case "task" -> TaskCommands.task(rest, env, out);
                default -> throw new UsageException("unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            err.println("tandem " + label + ": " + e.getMessage() + ". Run 'tandem help' for usage.");
            return 2;
        } catch (TandemException e) {
            err.println("tandem " + label + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("tandem " + label + ": " + e);
            return 1;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: tandem <command> [options]");
        out.println("  demo                       start a local 3-node cluster and exercise it");
        out.println("  node --config FILE         run one node from a properties file (env TANDEM_* overrides)");
        out.println("  node --node-id ID --bind HOST:PORT --seeds A,B,C --data-dir DIR --cluster-secret S");
        out.println("                             run one node from flags (flags override the file)");
        out.println("  status                     show a running node's role, term, leader, commit/applied,");
        out.println("                             its clocks (HLC, NTP offset, peer clock offsets, skew),");
        out.println("                             voters and learners");
        out.println("  kv get KEY [--stale] [--prefix] [--limit N]");
        out.println("                             print a record's value (--prefix: every key under KEY)");
        out.println("  kv put KEY VALUE [--if-version N] [--ttl-ms N]");
        out.println("                             write; --if-version 0 writes only if KEY is absent");
        out.println("  kv del KEY [--if-version N]");
        out.println("  kv list [PREFIX] [--stale] [--limit N]");
        out.println("                             print key=value lines and the revision they reflect");
        out.println("  kv watch KEY [--prefix] [--from-revision N] [--count N]");
        out.println("                             print changes until interrupted or N events were seen");
        out.println("  lock list [PREFIX]         locks, semaphores and read-write locks: holders with their");
        out.println("                             fencing tokens, waiters in queue order");
        out.println("  leader list [PREFIX]       elections: leader and term, candidates in order");
        out.println("  task list QUEUE [--limit N]  print a task queue's tasks (id, state, attempts, worker,");
        out.println("                             result or last error) and its counts");
        out.println("  task dead QUEUE [--limit N]  print the queue's dead-lettered tasks");
        out.println("  task requeue QUEUE TASK_ID   move a dead-lettered task back to ready");
        out.println("  help                       this text");
        out.println("status, kv, lock, leader and task talk to a node through its transport port and need:");
        out.println("  --node HOST:PORT           any node's bind/advertise address");
        out.println("  --cluster-secret S         or env " + ClientCommands.SECRET_ENV);
        out.println("  --cluster-name N           or env " + ClientCommands.CLUSTER_NAME_ENV + " (default tandem)");
        out.println("  --timeout-ms N             give up after N ms (default 15000)");
        out.println("  --client-address HOST      where the node can reach this client (default: the local");
        out.println("                             address that routes to the node)");
        out.println("Reads are linearizable unless --stale. Exit codes: 0 ok, 1 error (message on stderr), 2 usage.");
    }

    // ------------------------------------------------------------------ node

    private static int node(String[] args, Map<String, String> env, PrintStream out) throws InterruptedException {
        Map<String, String> flags = parseFlags(args);
        TandemConfig.Builder b = flags.containsKey("config")
                ? TandemConfig.fromFile(Path.of(flags.remove("config")), env)
                : TandemConfig.fromProperties(new java.util.Properties(), env);
        java.util.Properties fromFlags = new java.util.Properties();
        for (Map.Entry<String, String> f : flags.entrySet()) {
            fromFlags.setProperty(settingFor(f.getKey()).key(), f.getValue());
        }
        TandemConfig.applyTo(b, fromFlags);
        Tandem node = b.start();
        NodeStatus s = node.status();
        out.println("tandem node " + s.nodeId() + " running at " + node.address() + ": role " + s.role() + ", term "
                + s.term() + ", voters " + s.voters() + ", learners " + s.learners());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stop.countDown();
        }, "tandem-shutdown"));
        stop.await();
        return 0;
    }

    private static Map<String, String> parseFlags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'; flags look like --node-id n1");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (name.equals("in-memory")) {
                value = "true";
            } else {
                if (i + 1 >= args.length) {
                    throw new UsageException("flag --" + name + " needs a value");
                }
                value = args[++i];
            }
            flags.put(name, value);
        }
        return flags;
    }

    private static TandemConfig.Setting settingFor(String flag) {
        for (TandemConfig.Setting s : TandemConfig.Setting.values()) {
            if (s.key().equals("tandem." + flag)) {
                return s;
            }
        }
        throw new UsageException("unknown flag --" + flag + "; known: --config, " + Stream.of(TandemConfig.Setting.values())
                .map(s -> "--" + s.key().substring("tandem.".length())).toList());
    }

    // ------------------------------------------------------------------ demo

    private static int demo(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("tandem-demo-");
        List<String> ids = List.of("n1", "n2", "n3");
        out.println("== Tandem demo: three nodes on loopback, data under " + dir);
        Map<String, Tandem> nodes = new LinkedHashMap<>();
        try {
            startDemoFounders(ids, dir, nodes, out);
            String leader = awaitLeader(nodes, out);
            out.println("-- cluster formed: voters " + nodes.get("n1").status().voters() + ", leader " + leader);

            Record r = nodes.get("n1").data().write("orders/42", "paid");
            out.println("-- n1 wrote orders/42=paid (version " + r.version() + ", revision " + r.modRevision() + ")");
            for (String id : ids) {
                out.println("   " + id + " reads orders/42 = "
                        + nodes.get(id).data().read("orders/42").map(Record::valueAsString).orElse("<missing>")
                        + " (linearizable)");
            }
            Record cas = nodes.get("n2").data().write("orders/42", "shipped".getBytes(),
                    io.tandem.data.WriteOptions.ifVersion(r.version()));
            out.println("-- n2 compare-and-wrote orders/42=shipped at version " + r.version() + " -> version "
                    + cas.version());

            io.tandem.time.ClusterTime time1 = nodes.get("n1").time();
            out.println("-- time: n1's hybrid logical clock reads " + time1.now() + " (ms.logical); NTP offset "
                    + time1.ntpOffsetMs() + " ms" + (time1.ntpStatus().enabled() ? "" : " (no NTP servers configured)"));
            StringBuilder ts = new StringBuilder();
            long lastTs = 0;
            for (String id : ids) {
                for (int i = 0; i < 2; i++) {
                    lastTs = nodes.get(id).time().nextTimestamp();
                    ts.append(ts.length() == 0 ? "" : ", ").append(id).append(' ').append(lastTs);
                }
            }
            out.println("-- timestamp oracle, one node after the other (strictly increasing): " + ts);

            lockHandover(nodes, out);

            // The Raft leader also leads the election "billing"; the other two queue as candidates.
            Leadership billing = nodes.get(leader).leader("billing").elect();
            List<CompletableFuture<Leadership>> candidates = new ArrayList<>();
            for (String id : ids) {
                if (!id.equals(leader)) {
                    candidates.add(nodes.get(id).leader("billing").electAsync());
                }
            }
            out.println("-- " + leader + " leads election 'billing' in term " + billing.term()
                    + "; the other nodes wait as candidates");

            out.println("-- killing the leader " + leader + " (no graceful leave)");
            long killed = System.nanoTime();
            nodes.remove(leader).runtime().close();
            Tandem survivor = nodes.values().iterator().next();
            survivor.data().write("orders/43", "new");
            long ms = (System.nanoTime() - killed) / 1_000_000;
            String next = awaitLeader(nodes, out);
            out.println("-- new Raft leader " + next + "; first write after the kill succeeded in " + ms + " ms");
            Leadership taken = (Leadership) CompletableFuture.anyOf(candidates.toArray(new CompletableFuture[0]))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            out.println("-- election 'billing' failed over to the next candidate in "
                    + (System.nanoTime() - killed) / 1_000_000 + " ms (the dead node's 2 s session expired): term "
                    + taken.term() + " > " + billing.term());
            for (Tandem t : nodes.values()) {
                out.println("   " + t.nodeId() + " reads orders/42 = "
                        + t.data().read("orders/42").map(Record::valueAsString).orElse("<missing>") + ", orders/43 = "
                        + t.data().read("orders/43").map(Record::valueAsString).orElse("<missing>"));
            }
            long afterKill = survivor.time().nextTimestamp();
            out.println("-- timestamp after the crash: " + afterKill + (afterKill > lastTs ? " (above every earlier one)"
                    : " (NOT above " + lastTs + ")"));
            TaskDemo.run(nodes, out);
            out.println("== demo finished: the data survived the leader's crash, the lock moved in order with"
                    + " increasing tokens, and leadership failed over");
            return 0;
        } finally {
            for (Tandem t : nodes.values()) {
                t.close();
            }
            deleteTree(dir);
        }
    }

    /** A lock passing between nodes in FIFO order, and a fenced store refusing the stale holder. */
    private static void lockHandover(Map<String, Tandem> nodes, PrintStream out) throws Exception {
        FencingGuard store = new FencingGuard("invoice-store");
        LockLease first = nodes.get("n1").lock("invoice-42").acquire();
        store.run(first.fencingToken(), () -> { });
        CompletableFuture<LockLease> waiting = nodes.get("n2").lock("invoice-42").acquireAsync();
        out.println("-- n1 holds lock invoice-42 (fencing token " + first.fencingToken()
                + ") and wrote the invoice; n2 waits in line");
        long t0 = System.nanoTime();
        first.release();
        LockLease second = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
        out.println("-- n1 released; n2 got the lock " + (System.nanoTime() - t0) / 1_000_000 + " ms later with token "
                + second.fencingToken());
        store.run(second.fencingToken(), () -> { });
        try {
            store.run(first.fencingToken(), () -> { });
            throw new TandemException("the fencing guard accepted a stale token");
        } catch (StaleTokenException e) {
            out.println("-- a late write with n1's old token " + first.fencingToken() + " is refused by the store: "
                    + "fencing token " + e.token() + " < " + e.highest());
        }
        second.release();
    }

    private static String awaitLeader(Map<String, Tandem> nodes, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (Tandem t : nodes.values()) {
                NodeStatus s = t.status();
                if (s.role() == Role.LEADER) {
                    return s.nodeId();
                }
            }
            Thread.sleep(20);
        }
        throw new TandemException("no leader elected within 10 s");
    }

    /**
     * Starts the three founders on free loopback ports. The seed list must name the ports before the
     * nodes bind them, so another process can take one in between: then all start over on new ports.
     */
    private static void startDemoFounders(List<String> ids, Path dir, Map<String, Tandem> nodes, PrintStream out)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            Set<Integer> ports = new LinkedHashSet<>();
            while (ports.size() < ids.size()) {
                ports.add(freePort()); // a set: two probes may return the same port
            }
            List<String> seeds = ports.stream().map(p -> "127.0.0.1:" + p).toList();
            try {
                for (int i = 0; i < ids.size(); i++) {
                    String id = ids.get(i);
                    if (Files.exists(dir.resolve(id))) {
                        deleteTree(dir.resolve(id)); // an earlier attempt's founder must not come back
                    }
                    nodes.put(id, Tandem.startAsync(Tandem.builder().nodeId(id).bind(seeds.get(i)).seeds(seeds)
                            .dataDir(dir.resolve(id)).clusterName("demo")
                            .clusterSecret("demo-secret-not-for-production")
                            .sessionTimeout(Duration.ofSeconds(2)).sessionSafetyMargin(Duration.ofMillis(600))
                            .build())); // returns once bound
                }
            } catch (TransportException e) {
                nodes.values().forEach(Tandem::close);
                nodes.clear();
                if (attempt == 3) {
                    throw e;
                }
                out.println("-- " + e.getMessage() + "; starting over on other ports");
                continue;
            }
            for (Tandem t : nodes.values()) {
                t.ready().get(t.config().requestTimeout().toMillis() * 20, TimeUnit.MILLISECONDS); // as Tandem.start
            }
            return;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
