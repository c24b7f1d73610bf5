package io.tandem.cli;

import io.tandem.InvalidArgumentException;
import io.tandem.TandemException;
import io.tandem.node.Backup;
import io.tandem.node.Wire.ClientOp;
import io.tandem.node.Wire.ClientRecord;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.remote.RemoteClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem snapshot save|status|restore}: backups of a running cluster and their restore. */
@Command(name = "snapshot", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Back up a running cluster to a file, inspect a backup, restore it into a new cluster.",
        subcommands = {SnapshotCommands.Save.class, SnapshotCommands.Status.class, SnapshotCommands.Restore.class})
final class SnapshotCommands implements Callable<Integer> {

    private static final int CHUNK_BYTES = 1 << 20;

    @Override
    public Integer call() {
        throw new UsageException("snapshot needs a subcommand: save, status or restore");
    }

    @Command(name = "save", mixinStandardHelpOptions = true,
            description = {"Stream a consistent backup of the replicated state from a running node into FILE.",
                "Consistent: it holds every write acknowledged before the command started (taken after a"
                    + " linearizable read round). FILE is written whole or not at all (FILE.part, then renamed)."})
    static final class Save implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws IOException {
            Path part = file.resolveSibling(file.getFileName() + ".part");
            try (Cluster c = client.connect()) {
                String started = c.call(Cluster.request(ClientOp.SNAPSHOT, "")).text();
                Map<String, Object> info = Render.pairs(started);
                String id = String.valueOf(info.get("id"));
                long size = ((Number) info.get("size")).longValue();
                // The backup lives on the node that took it: fetch every chunk from there.
                try (OutputStream out = Files.newOutputStream(part)) {
                    c.onCurrent(rc -> {
                        fetch(rc, id, size, out);
                        return null;
                    });
                }
                Backup.Header h = Backup.read(part, OutputStream.nullOutputStream()); // checks the CRC
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", file.toString());
                m.put("bytes", size);
                m.put("index", h.index());
                m.put("term", h.term());
                m.put("members", List.copyOf(h.configuration().voters().keySet()));
                m.put("endpoint", c.current().toString());
                Main.io(spec).out().println(client.json() ? Render.json(m) : "saved backup at index " + h.index()
                        + ", term " + h.term() + " (" + size + " bytes) from " + c.current() + " to " + file);
                return 0;
            } finally {
                Files.deleteIfExists(part);
            }
        }

        private static void fetch(RemoteClient rc, String id, long size, OutputStream out) {
            long offset = 0;
            try {
                while (offset < size) {
                    ClientRecord chunk = rc.call(new ClientRequest(0, "", ClientOp.SNAPSHOT_CHUNK, id, new byte[0], -1,
                            0, false, CHUNK_BYTES, offset, 0)).records().get(0);
                    if (chunk.value().length == 0) {
                        throw new TandemException("backup " + id + " ended at " + offset + " of " + size + " bytes");
                    }
                    out.write(chunk.value());
                    offset += chunk.value().length;
                }
            } catch (IOException e) {
                throw new TandemException("cannot write the backup: " + e, e);
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Check a backup file (format, CRC) and print its index, term, size and source members.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "table or json.")
        ClientOptions.Output output;

        @Override
        public Integer call() {
            Backup.Header h = Backup.read(file, OutputStream.nullOutputStream());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file.toString());
            m.put("index", h.index());
            m.put("term", h.term());
            m.put("stateBytes", h.stateBytes());
            m.put("members", List.copyOf(h.configuration().voters().keySet()));
            Main.io(spec).out().println(output == ClientOptions.Output.json ? Render.json(m) : "backup " + file
                    + ": index " + h.index() + ", term " + h.term() + ", state " + h.stateBytes()
                    + " bytes, taken from a cluster with voters " + h.configuration().voters().keySet());
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Restore FILE into the empty data directory of one founder of a NEW cluster.",
                "Run it once per founder, with the same FILE and the same --initial-cluster, then start the"
                    + " founders with those node ids, addresses and data directories (any seeds: they start as"
                    + " members). Every record, lock, election and task of the backup is there; sessions of the"
                    + " old cluster expire after their timeout."})
    static final class Restore implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;
        @Option(names = "--data-dir", paramLabel = "DIR", required = true,
                description = "The founder's data directory; must not exist or be empty.")
        Path dataDir;
        @Option(names = "--node-id", paramLabel = "ID", required = true, description = "The founder's node id.")
        String nodeId;
        @Option(names = "--initial-cluster", paramLabel = "ID=HOST:PORT", split = ",", required = true,
                description = "Every founder of the new cluster: id=advertised address, comma-separated.")
        List<String> initialCluster;

        @Override
        public Integer call() {
            Map<String, String> founders = new TreeMap<>();
            for (String f : initialCluster) {
                int eq = f.indexOf('=');
                if (eq <= 0 || eq == f.length() - 1) {
                    throw new UsageException("--initial-cluster: '" + f + "' is not ID=HOST:PORT");
                }
                try {
                    io.tandem.transport.Endpoint.parse(f.substring(eq + 1));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--initial-cluster: " + e.getMessage());
                }
                if (founders.put(f.substring(0, eq), f.substring(eq + 1)) != null) {
                    throw new InvalidArgumentException("--initial-cluster names " + f.substring(0, eq) + " twice");
                }
            }
            Backup.Header h = Backup.restore(file, dataDir, nodeId, founders);
            Main.io(spec).out().println("restored backup at index " + h.index() + ", term " + h.term() + " into "
                    + dataDir + " for node " + nodeId + " of " + founders);
            return 0;
        }
    }
}
