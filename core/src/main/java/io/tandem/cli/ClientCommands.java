package io.tandem.cli;

import io.tandem.TandemException;
import io.tandem.node.Clock;
import io.tandem.node.Wire.ClientOp;
import io.tandem.node.Wire.ClientRecord;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.node.Wire.ClientWatchEvent;
import io.tandem.remote.RemoteClient;
import io.tandem.transport.Endpoint;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code tandem status} and {@code tandem kv ...}: talk to a running node through the client
 * protocol ({@link RemoteClient}). Output goes to {@code out}; failures are thrown
 * ({@link TandemException}: exit 1, {@link UsageException}: exit 2) and printed by {@link Main}.
 */
final class ClientCommands {

    static final String SECRET_ENV = "TANDEM_CLUSTER_SECRET";
    static final String CLUSTER_NAME_ENV = "TANDEM_CLUSTER_NAME";
    private static final Set<String> CONNECTION_FLAGS = Set.of("node", "cluster-secret", "cluster-name",
            "timeout-ms", "client-address");
    private static final int DEFAULT_LIST_LIMIT = 1000;
    /** Renewal period of a watch's lease; the node's lease is 15 s by default. */
    private static final Duration WATCH_RENEW_EVERY = Duration.ofSeconds(4);

    private ClientCommands() {
    }

    static int status(String[] argv, Map<String, String> env, PrintStream out) {
        Args args = parse(argv, Set.of(), Set.of());
        args.requirePositionalAtMost(0);
        try (RemoteClient client = connect(args, env)) {
            out.print(client.call(request(ClientOp.STATUS, "")).text());
            return 0;
        }
    }

    static int kv(String[] argv, Map<String, String> env, PrintStream out, PrintStream err) {
        if (argv.length == 0) {
            throw new UsageException("kv needs a subcommand: get, put, del, list or watch");
        }
        String sub = argv[0];
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        return switch (sub) {
            case "get" -> get(parse(rest, Set.of("limit"), Set.of("stale", "prefix")), env, out);
            case "put" -> put(parse(rest, Set.of("if-version", "ttl-ms"), Set.of()), env, out);
            case "del" -> del(parse(rest, Set.of("if-version"), Set.of()), env, out);
            case "list" -> list(parse(rest, Set.of("limit"), Set.of("stale")), env, out);
            case "watch" -> watch(parse(rest, Set.of("from-revision", "count"), Set.of("prefix")), env, out, err);
            default -> throw new UsageException("unknown kv subcommand '" + sub + "'; use get, put, del, list or"
                    + " watch");
        };
    }

    /** {@code tandem lock list [PREFIX]} and {@code tandem leader list [PREFIX]}. */
    static int locks(boolean elections, String[] argv, Map<String, String> env, PrintStream out) {
        String what = elections ? "leader" : "lock";
        if (argv.length == 0 || !argv[0].equals("list")) {
            throw new UsageException(what + " needs a subcommand: list");
        }
        Args args = parse(java.util.Arrays.copyOfRange(argv, 1, argv.length), Set.of(), Set.of());
        args.requirePositionalAtMost(1);
        String prefix = args.positional().isEmpty() ? "" : args.positional().get(0);
        try (RemoteClient client = connect(args, env)) {
            out.print(client.call(request(elections ? ClientOp.LEADERS : ClientOp.LOCKS, prefix)).text());
            return 0;
        }
    }

    // ------------------------------------------------------------------ subcommands

    private static int get(Args args, Map<String, String> env, PrintStream out) {
        String key = args.positional(0, "KEY: tandem kv get KEY [--stale] [--prefix] [--limit N]");
        args.requirePositionalAtMost(1);
        if (args.has("prefix")) {
            return list(args, env, out);
        }
        try (RemoteClient client = connect(args, env)) {
            ClientResponse r = client.call(new ClientRequest(0, "", ClientOp.GET, key, new byte[0], -1, 0,
                    args.has("stale"), 0, 0, 0));
            if (r.records().isEmpty()) {
                throw new TandemException("key '" + key + "' not found");
            }
            out.println(text(r.records().get(0).value()));
            return 0;
        }
    }

    private static int put(Args args, Map<String, String> env, PrintStream out) {
        String key = args.positional(0, "KEY: tandem kv put KEY VALUE [--if-version N] [--ttl-ms N]");
        String value = args.positional(1, "VALUE: tandem kv put KEY VALUE [--if-version N] [--ttl-ms N]");
        args.requirePositionalAtMost(2);
        long ifVersion = args.longFlag("if-version", -1, 0, Long.MAX_VALUE);
        long ttlMs = args.longFlag("ttl-ms", 0, 1, Long.MAX_VALUE);
        ClientRequest req = new ClientRequest(0, "", ClientOp.PUT, key, value.getBytes(StandardCharsets.UTF_8),
                ifVersion, ttlMs, false, 0, 0, 0);
        try (RemoteClient client = connect(args, env)) {
            ClientRecord r = client.call(req).records().get(0);
            out.println("OK " + r.key() + " version=" + r.version() + " revision=" + r.modRevision());
            return 0;
        }
    }

    private static int del(Args args, Map<String, String> env, PrintStream out) {
        String key = args.positional(0, "KEY: tandem kv del KEY [--if-version N]");
        args.requirePositionalAtMost(1);
        long ifVersion = args.longFlag("if-version", -1, 1, Long.MAX_VALUE);
        ClientRequest req = new ClientRequest(0, "", ClientOp.DELETE, key, new byte[0], ifVersion, 0, false, 0, 0, 0);
        try (RemoteClient client = connect(args, env)) {
            boolean existed = client.call(req).text().equals("deleted");
            out.println(existed ? "deleted " + key : "key '" + key + "' did not exist");
            return 0;
        }
    }

    private static int list(Args args, Map<String, String> env, PrintStream out) {
        String prefix = args.positional().isEmpty() ? "" : args.positional().get(0);
        args.requirePositionalAtMost(1);
        int limit = (int) args.longFlag("limit", DEFAULT_LIST_LIMIT, 1, 100_000);
        ClientRequest req = new ClientRequest(0, "", ClientOp.LIST, prefix, new byte[0], -1, 0, args.has("stale"),
                limit, 0, 0);
        try (RemoteClient client = connect(args, env)) {
            ClientResponse r = client.call(req);
            for (ClientRecord rec : r.records()) {
                out.println(rec.key() + "=" + text(rec.value()));
            }
            out.println("# " + r.records().size() + " keys at revision " + r.revision()
                    + (r.records().size() == limit ? " (limit reached; raise --limit for more)" : ""));
            return 0;
        }
    }

    private static int watch(Args args, Map<String, String> env, PrintStream out, PrintStream err) {
        String key = args.positional(0, "KEY: tandem kv watch KEY [--prefix] [--from-revision N] [--count N]");
        args.requirePositionalAtMost(1);
        long from = args.longFlag("from-revision", 0, 0, Long.MAX_VALUE);
        long count = args.longFlag("count", 0, 1, Long.MAX_VALUE);
        boolean prefix = args.has("prefix");
        ClientRequest req = new ClientRequest(0, "", ClientOp.WATCH, key, new byte[0], -1, 0, false, 0, from, 0);
        try (RemoteClient client = connect(args, env)) {
            BlockingQueue<ClientWatchEvent> events = new LinkedBlockingQueue<>();
            long watchId = client.startWatch(req, events::add);
            WatchPrinter printer = new WatchPrinter(key, prefix, out);
            try {
                printUntil(client, watchId, events, printer, count);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0; // interrupted is how an endless watch ends; the node drops it when its lease runs out
            }
            cancelQuietly(client, watchId, err);
            return 0;
        }
    }

    private static void printUntil(RemoteClient client, long watchId, BlockingQueue<ClientWatchEvent> events,
                                   WatchPrinter printer, long count) throws InterruptedException {
        long renewEvery = WATCH_RENEW_EVERY.toNanos();
        long nextRenew = now() + renewEvery;
        while (count == 0 || printer.printed() < count) {
            ClientWatchEvent e = events.poll(Math.max(0, nextRenew - now()), TimeUnit.NANOSECONDS);
            if (now() >= nextRenew) {
                client.renewWatch(watchId);
                nextRenew = now() + renewEvery;
            }
            if (e != null) {
                printer.print(e);
            }
        }
    }

    /** The watch has done its job; failing to cancel it only delays its cleanup on the node. */
    private static void cancelQuietly(RemoteClient client, long watchId, PrintStream err) {
        try {
            client.cancelWatch(watchId);
        } catch (TandemException e) {
            err.println("tandem kv watch: warning: could not cancel the watch (" + e.getMessage() + "); the node"
                    + " drops it when its lease runs out");
        }
    }

    /** Prints matching events in revision order, once each. */
    private static final class WatchPrinter {
        private final String key;
        private final boolean prefix;
        private final PrintStream out;
        private long lastRevision;
        private long printed;

        WatchPrinter(String key, boolean prefix, PrintStream out) {
            this.key = key;
            this.prefix = prefix;
            this.out = out;
        }

        void print(ClientWatchEvent e) {
            // The node watches by prefix; without --prefix only the key itself is wanted.
            if (e.revision() <= lastRevision || !(prefix || e.record().key().equals(key))) {
                return;
            }
            lastRevision = e.revision();
            ClientRecord r = e.record();
            out.println(e.type().equals("PUT")
                    ? "PUT " + r.key() + "=" + text(r.value()) + " revision=" + e.revision() + " version=" + r.version()
                    : e.type() + " " + r.key() + " revision=" + e.revision());
            out.flush();
            printed++;
        }

        long printed() {
            return printed;
        }
    }

    // ------------------------------------------------------------------ helpers

    static Args parse(String[] argv, Set<String> valueFlags, Set<String> booleanFlags) {
        Set<String> values = new HashSet<>(CONNECTION_FLAGS);
        values.addAll(valueFlags);
        return Args.parse(argv, values, booleanFlags);
    }

    static RemoteClient connect(Args args, Map<String, String> env) {
        String nodeText = args.flag("node", null);
        if (nodeText == null) {
            throw new UsageException("--node HOST:PORT is required: the transport address of any node");
        }
        Endpoint node;
        try {
            node = Endpoint.parse(nodeText);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--node: " + e.getMessage());
        }
        String secret = args.flag("cluster-secret", env.get(SECRET_ENV));
        if (secret == null || secret.isEmpty()) {
            throw new UsageException("the cluster secret is required: --cluster-secret S or " + SECRET_ENV);
        }
        String clusterName = args.flag("cluster-name", env.getOrDefault(CLUSTER_NAME_ENV, "tandem"));
        long timeoutMs = args.longFlag("timeout-ms", 15_000, 100, 3_600_000);
        return RemoteClient.connect(node, clusterName, secret.getBytes(StandardCharsets.UTF_8),
                args.flag("client-address", null), Duration.ofMillis(timeoutMs));
    }

    private static ClientRequest request(ClientOp op, String key) {
        return new ClientRequest(0, "", op, key, new byte[0], -1, 0, false, 0, 0, 0);
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    private static long now() {
        return Clock.SYSTEM.monotonicNanos();
    }
}
