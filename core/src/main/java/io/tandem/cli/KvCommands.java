package io.tandem.cli;

import io.tandem.TandemException;
import io.tandem.node.Clock;
import io.tandem.node.Wire.ClientOp;
import io.tandem.node.Wire.ClientRecord;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.node.Wire.ClientWatchEvent;
import io.tandem.remote.RemoteClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem kv get|put|del|list|watch}: versioned records through the client protocol. */
@Command(name = "kv", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Read, write, list and watch versioned records.",
        subcommands = {KvCommands.Get.class, KvCommands.Put.class, KvCommands.Del.class, KvCommands.ListKeys.class,
            KvCommands.Watch.class})
final class KvCommands implements Callable<Integer> {

    /** Renewal period of a watch's lease; the node's lease is 15 s by default. */
    private static final Duration WATCH_RENEW_EVERY = Duration.ofSeconds(4);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new UsageException("kv needs a subcommand: get, put, del, list or watch");
    }

    static PrintStream out(CommandSpec spec) {
        return Main.io(spec).out();
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = {"Print a record: key, version, revision (of its last change), create revision, value.",
                "With --prefix, every record under KEY (like kv list). -o json adds expiresAtMillis and the exact"
                    + " value in base64."})
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Option(names = "--stale", description = "Read this node's replica at once (not linearizable).")
        boolean stale;
        @Option(names = "--prefix", description = "Every record whose key starts with KEY.")
        boolean prefix;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "With --prefix: the most"
                + " records to print (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--print-value-only", description = "Print only the value, exactly as stored (no newline"
                + " added).")
        boolean valueOnly;

        @Override
        public Integer call() throws IOException {
            if (prefix) {
                return ListKeys.list(spec, client, key, stale, limit);
            }
            try (Cluster c = client.connect()) {
                ClientResponse r = c.call(new ClientRequest(0, "", ClientOp.GET, key, new byte[0], -1, 0, stale, 0, 0,
                        0));
                if (r.records().isEmpty()) {
                    throw new io.tandem.NotFoundException("key '" + key + "' not found");
                }
                ClientRecord rec = r.records().get(0);
                PrintStream out = out(spec);
                if (valueOnly) {
                    out.write(rec.value());
                    out.flush();
                } else if (client.json()) {
                    out.println(Render.json(Render.record(rec)));
                } else {
                    out.print(Render.table(Render.RECORD_HEADER, List.of(Render.recordRow(rec))));
                }
                return 0;
            }
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Write VALUE under KEY; VALUE '-' reads the value from standard input (all of it, as"
                + " bytes).", "Prints: OK KEY version=N revision=N."})
    static final class Put implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Parameters(index = "1", paramLabel = "VALUE", description = "The value, or - for standard input.")
        String value;
        @Option(names = "--if-version", paramLabel = "N", defaultValue = "-1",
                description = "Write only if the record is at version N (0: only if KEY is absent).")
        long ifVersion;
        @Option(names = "--ttl-ms", paramLabel = "N", defaultValue = "0",
                description = "The record expires N ms after this write.")
        long ttlMs;

        @Override
        public Integer call() throws IOException {
            if (ifVersion < -1) {
                throw new UsageException("--if-version must be 0 (absent) or a version >= 1, got " + ifVersion);
            }
            if (ttlMs < 0) {
                throw new UsageException("--ttl-ms must be >= 1, got " + ttlMs);
            }
            byte[] bytes = value.equals("-") ? Main.io(spec).in().readAllBytes()
                    : value.getBytes(StandardCharsets.UTF_8);
            try (Cluster c = client.connect()) {
                ClientRecord r = c.call(new ClientRequest(0, "", ClientOp.PUT, key, bytes, ifVersion, ttlMs, false, 0,
                        0, 0)).records().get(0);
                out(spec).println(client.json() ? Render.json(Render.record(r))
                        : "OK " + Render.token(r.key()) + " version=" + r.version() + " revision=" + r.modRevision());
                return 0;
            }
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = "Delete KEY.")
    static final class Del implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Option(names = "--if-version", paramLabel = "N", defaultValue = "-1",
                description = "Delete only if the record is at version N (>= 1).")
        long ifVersion;

        @Override
        public Integer call() {
            if (ifVersion != -1 && ifVersion < 1) {
                throw new UsageException("--if-version must be >= 1, got " + ifVersion);
            }
            try (Cluster c = client.connect()) {
                boolean existed = c.call(new ClientRequest(0, "", ClientOp.DELETE, key, new byte[0], ifVersion, 0,
                        false, 0, 0, 0)).text().equals("deleted");
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("key", key);
                m.put("deleted", existed);
                out(spec).println(client.json() ? Render.json(m)
                        : existed ? "deleted " + Render.token(key) : "key " + Render.token(key) + " did not exist");
                return 0;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Print the records under PREFIX (all with none) in key order, one per line, and the"
                + " revision the listing reflects.", "Keys and values that are not simple tokens are printed as"
                + " JSON string literals, so every line splits unambiguously."})
    static final class ListKeys implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "PREFIX", arity = "0..1", defaultValue = "")
        String prefix;
        @Option(names = "--stale", description = "Read this node's replica at once (not linearizable).")
        boolean stale;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "The most records to print (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            return list(spec, client, prefix, stale, limit);
        }

        static int list(CommandSpec spec, ClientOptions client, String prefix, boolean stale, int limit) {
            if (limit < 1 || limit > 100_000) {
                throw new UsageException("--limit must be between 1 and 100000, got " + limit);
            }
            try (Cluster c = client.connect()) {
                ClientResponse r = c.call(new ClientRequest(0, "", ClientOp.LIST, prefix, new byte[0], -1, 0, stale,
                        limit, 0, 0));
                boolean limited = r.records().size() == limit;
                if (client.json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("revision", r.revision());
                    m.put("count", r.records().size());
                    m.put("limitReached", limited);
                    m.put("records", r.records().stream().map(Render::record).toList());
                    out(spec).println(Render.json(m));
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    r.records().forEach(rec -> rows.add(Render.recordRow(rec)));
                    out(spec).print(rows.isEmpty() ? "" : Render.table(Render.RECORD_HEADER, rows));
                    out(spec).println("# " + r.records().size() + " keys at revision " + r.revision()
                            + (limited ? " (limit reached; raise --limit for more)" : ""));
                }
                return 0;
            }
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Print changes of KEY (or every key under it with --prefix) until interrupted or"
                + " --count events were seen.", "Table: PUT KEY=VALUE revision=N version=N, DELETE KEY revision=N,"
                + " EXPIRE KEY revision=N; -o json: one JSON object per line."})
    static final class Watch implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Option(names = "--prefix", description = "Watch every key that starts with KEY.")
        boolean prefix;
        @Option(names = "--from-revision", paramLabel = "N", defaultValue = "0",
                description = "Replay from revision N (default: changes after now).")
        long from;
        @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Stop after N events.")
        long count;

        @Override
        public Integer call() {
            if (count < 0 || from < 0) {
                throw new UsageException("--count and --from-revision must be >= 0");
            }
            ClientRequest req = new ClientRequest(0, "", ClientOp.WATCH, key, new byte[0], -1, 0, false, 0, from, 0);
            try (Cluster c = client.connect()) {
                BlockingQueue<ClientWatchEvent> events = new LinkedBlockingQueue<>();
                RemoteClient[] on = new RemoteClient[1];
                long watchId = c.onCurrent(rc -> {
                    on[0] = rc;
                    return rc.startWatch(req, events::add);
                });
                Printer printer = new Printer(key, prefix, client.json(), out(spec));
                try {
                    printUntil(on[0], watchId, events, printer, count);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0; // interrupted is how an endless watch ends; the node drops it when its lease runs out
                }
                try {
                    on[0].cancelWatch(watchId);
                } catch (TandemException e) {
                    Main.io(spec).err().println("tandem kv watch: warning: could not cancel the watch ("
                            + e.getMessage() + "); the node drops it when its lease runs out");
                }
                return 0;
            }
        }

        private static void printUntil(RemoteClient client, long watchId, BlockingQueue<ClientWatchEvent> events,
                                       Printer printer, long count) throws InterruptedException {
            long renewEvery = WATCH_RENEW_EVERY.toNanos();
            long nextRenew = now() + renewEvery;
            while (count == 0 || printer.printed < count) {
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

        private static long now() {
            return Clock.SYSTEM.monotonicNanos();
        }
    }

    /** Prints matching events in revision order, once each. */
    private static final class Printer {
        private final String key;
        private final boolean prefix;
        private final boolean json;
        private final PrintStream out;
        private long lastRevision;
        long printed;

        Printer(String key, boolean prefix, boolean json, PrintStream out) {
            this.key = key;
            this.prefix = prefix;
            this.json = json;
            this.out = out;
        }

        void print(ClientWatchEvent e) {
            // The node watches by prefix; without --prefix only the key itself is wanted.
            if (e.revision() <= lastRevision || !(prefix || e.record().key().equals(key))) {
                return;
            }
            lastRevision = e.revision();
            ClientRecord r = e.record();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", e.type());
                m.put("revision", e.revision());
                m.put("record", Render.record(r));
                out.println(Render.json(m));
            } else {
                out.println(e.type().equals("PUT")
                        ? "PUT " + Render.token(r.key()) + "=" + Render.token(new String(r.value(),
                        StandardCharsets.UTF_8)) + " revision=" + e.revision() + " version=" + r.version()
                        : e.type() + " " + Render.token(r.key()) + " revision=" + e.revision());
            }
            out.flush();
            printed++;
        }
    }
}
