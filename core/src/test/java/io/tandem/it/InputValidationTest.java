package io.tandem.it;

import io.tandem.testing.TestPorts;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.InvalidArgumentException;
import io.tandem.Tandem;
import io.tandem.TandemConfig;
import io.tandem.data.DataStore;
import io.tandem.data.ReadConsistency;
import io.tandem.data.WriteOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every rejection class: invalid config and invalid arguments fail fast with a message that says what to fix. */
// Real sockets, processes and timeouts: never share the CPU with the parallel simulations.
@org.junit.jupiter.api.parallel.Isolated
@Timeout(60)
class InputValidationTest {

    private static Tandem node;

    @BeforeAll
    static void start() throws Exception {
        node = Tandem.builder().nodeId("solo").bind("127.0.0.1:0").inMemory()
                .clusterSecret(LocalCluster.SECRET).tick(Duration.ofMillis(20)).sessionTimeout(Duration.ofSeconds(2))
                .maxKeyBytes(64).maxValueBytes(1024).start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static TandemConfig.Builder valid() {
        return Tandem.builder().nodeId("n1").bind("127.0.0.1:7400").inMemory().clusterSecret(LocalCluster.SECRET);
    }

    private static void rejects(String messagePart, Executable call) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, call);
        assertTrue(e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' should mention '"
                + messagePart + "'");
    }

    @Test
    void invalidConfigurationIsRefusedWithAReason() {
        rejects("nodeId is missing", () -> valid().nodeId(null).build());
        rejects("nodeId 'bad id!' is invalid", () -> valid().nodeId("bad id!").build());
        rejects("set either dataDir or inMemory()", () -> valid().dataDir(Path.of("/tmp/x")).build());
        rejects("set dataDir(path)", () -> Tandem.builder().nodeId("n1").clusterSecret(LocalCluster.SECRET).build());
        rejects("clusterSecret must be set", () -> valid().clusterSecret((byte[]) null).build());
        rejects("clusterSecret must be set", () -> valid().clusterSecret("short").build());
        rejects("heartbeatTicks (10) must be >= 1 and < electionTimeoutTicks (10)", () -> valid().heartbeatTicks(10).build());
        rejects("sessionTimeout (500 ms) must be at least 1000 ms", () -> valid().sessionTimeout(Duration.ofMillis(500)).build());
        rejects("at least twice the election timeout", () -> valid().tick(Duration.ofMillis(300)).build());
        rejects("voterCount (0)", () -> valid().voterCount(0).build());
        rejects("is a wildcard address", () -> valid().bind("0.0.0.0:7400").build());
        rejects("has port 0; seeds are the founders' advertised addresses", () -> valid().seeds("127.0.0.1:0").build());
        rejects("bind: endpoint 'nonsense' is not host:port", () -> valid().bind("nonsense"));
        rejects("is listed twice", () -> valid().seeds("127.0.0.1:1", "127.0.0.1:1").build());
        rejects("maxValueBytes", () -> valid().maxValueBytes(0).build());
    }

    @Test
    void propertiesAndEnvironmentAreValidatedToo() {
        Properties p = new Properties();
        p.setProperty("tandem.node-id", "n1");
        p.setProperty("tandem.tick-ms", "fifty");
        rejects("tandem.tick-ms must be a whole number, got 'fifty'", () -> TandemConfig.fromProperties(p, Map.of()));
        Properties ok = new Properties();
        ok.setProperty("tandem.node-id", "from-file");
        ok.setProperty("tandem.in-memory", "true");
        TandemConfig c = TandemConfig.fromProperties(ok, Map.of("TANDEM_NODE_ID", "from-env",
                "TANDEM_CLUSTER_SECRET", LocalCluster.SECRET)).build();
        assertTrue(c.nodeId().equals("from-env"), "the environment overrides the file");
    }

    @Test
    void misspeltSettingsAreErrorsNamingTheNearestValidKey(@TempDir Path dir) throws Exception {
        Properties typo = new Properties();
        typo.setProperty("tandem.nodeid", "n1");
        rejects("unknown setting 'tandem.nodeid' in properties; did you mean 'tandem.node-id'?",
                () -> TandemConfig.fromProperties(typo, Map.of()));
        java.nio.file.Path file = dir.resolve("node.properties");
        java.nio.file.Files.writeString(file, "tandem.node-id=n1\ntandem.sesion-timeout-ms=3000\nother.key=1\n");
        rejects("unknown setting 'tandem.sesion-timeout-ms' in config file " + file.toAbsolutePath()
                + "; did you mean 'tandem.session-timeout-ms'?", () -> TandemConfig.fromFile(file, Map.of()));
        rejects("unknown environment variable TANDEM_CLUSTER_SECRT; did you mean TANDEM_CLUSTER_SECRET?",
                () -> TandemConfig.fromProperties(new Properties(), Map.of("TANDEM_CLUSTER_SECRT", "x")));
        // The CLI's variables may share the shell with a node; keys outside tandem.* are not ours.
        TandemConfig.fromProperties(new Properties(), Map.of("TANDEM_ENDPOINTS", "127.0.0.1:1", "PATH", "/bin"));
        rejects("tandem.tls-mutual must be true or false, got 'yes'", () -> TandemConfig.fromProperties(
                new Properties(), Map.of("TANDEM_TLS_MUTUAL", "yes")));
    }

    @Test
    void everyExceptionAUserCanSeeIsATandemException() {
        assertTrue(io.tandem.TandemException.class.isAssignableFrom(io.tandem.transport.TransportException.class));
        assertTrue(io.tandem.TandemException.class.isAssignableFrom(io.tandem.storage.StorageException.class));
        assertTrue(io.tandem.TandemException.class.isAssignableFrom(io.tandem.storage.CorruptLogException.class));
    }

    @Test
    void dataArgumentsAreChecked() {
        DataStore data = node.data();
        rejects("key must be a non-empty string", () -> data.write(null, "v"));
        rejects("key must be a non-empty string", () -> data.write("", "v"));
        rejects("exceeds maxKeyBytes (64)", () -> data.write("k".repeat(65), "v"));
        rejects("is null", () -> data.write("k", (byte[]) null));
        rejects("exceeds maxValueBytes (1024)", () -> data.write("k", new byte[1025]));
        rejects("versions start at 1", () -> WriteOptions.ifVersion(0));
        rejects("ttl must be positive", () -> WriteOptions.withTtl(Duration.ZERO));
        rejects("versions start at 1", () -> data.delete("k", 0));
        rejects("key must be a non-empty string", () -> data.read("", ReadConsistency.STALE));
        rejects("prefix must not be null", () -> data.list(null, 10, ReadConsistency.STALE));
        rejects("limit (0)", () -> data.list("", 0, ReadConsistency.STALE));
        rejects("needs a prefix", () -> data.watch(null, 0, e -> { }));
        rejects("fromRevision (-1)", () -> data.watch("", -1, e -> { }));
        // Nothing was written by any of the refused calls.
        assertTrue(data.list("", 10, ReadConsistency.LINEARIZABLE).isEmpty());
    }

    @Test
    void aDataDirectoryBelongsToOneNodeId(@TempDir Path dir) throws Exception {
        int port = TestPorts.next();
        Tandem first = Tandem.builder().nodeId("owner").bind("127.0.0.1:" + port).dataDir(dir)
                .clusterSecret(LocalCluster.SECRET).start();
        first.close();
        rejects("belongs to node 'owner'", () -> Tandem.builder().nodeId("intruder").bind("127.0.0.1:" + port)
                .dataDir(dir).clusterSecret(LocalCluster.SECRET).start());
    }
}
