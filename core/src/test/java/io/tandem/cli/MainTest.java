package io.tandem.cli;

import io.tandem.testing.TestPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line without a cluster: help, usage errors (exit 2) and connection errors (exit 1). */
// Connects to real sockets with timeouts: never share the CPU with the parallel simulations.
@org.junit.jupiter.api.parallel.Isolated
@Timeout(30)
class MainTest {

    private static final String SECRET = "main-test-secret-0123456789";

    record Result(int code, String out, String err) {
    }

    @Test
    void helpListsEveryCommand() {
        Result r = run(Map.of(), "--help");
        assertEquals(0, r.code());
        for (String c : new String[] {"demo", "node", "status", "kv", "member", "leader", "lock", "task", "snapshot",
            "Exit codes", "TANDEM_CLUSTER_SECRET", "TANDEM_ENDPOINTS", "--version"}) {
            assertTrue(r.out().contains(c), "help mentions " + c + ":\n" + r.out());
        }
        assertEquals(2, run(Map.of()).code(), "no command at all is a usage error");
        assertEquals(0, run(Map.of(), "help", "kv").code());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "node --help              | --node-id,--seeds,--data-dir,--cluster-secret,--http-port,--tls-cert,--config",
        "kv --help                | get,put,del,list,watch",
        "kv get --help            | --stale,--prefix,--limit,--print-value-only,--endpoints,--output,--cacert",
        "kv put --help            | --if-version,--ttl-ms,standard input",
        "kv list --help           | JSON string literals",
        "kv watch --help          | --from-revision,--count",
        "status --help            | Exit code 0 if the node is ready, 3",
        "member --help            | list,remove,promote",
        "member remove --help     | leader transfer",
        "leader transfer --help   | ID",
        "task --help              | queues,list,dead,requeue,cancel,purge",
        "snapshot --help          | save,status,restore",
        "snapshot restore --help  | --initial-cluster,--data-dir,--node-id",
        "lock list --help         | fencing tokens",
    })
    void everyCommandAnswersHelp(String args, String mentions) {
        Result r = run(Map.of(), args.trim().split("\\s+"));
        assertEquals(0, r.code(), r.err());
        for (String m : mentions.split(",")) {
            assertTrue(r.out().contains(m.trim()), args + " --help mentions " + m + ":\n" + r.out());
        }
    }

    @Test
    void versionIsPrinted() {
        Result r = run(Map.of(), "--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s)tandem \\d+\\.\\d+\\.\\d+.*"), r.out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "frob                                              | Unmatched argument at index 0: 'frob'",
        "kv                                                | kv needs a subcommand",
        "kv frob                                           | Unmatched argument at index 1: 'frob'",
        "kv get --endpoints 127.0.0.1:1                    | Missing required parameter: 'KEY'",
        "kv put k --endpoints 127.0.0.1:1                  | Missing required parameter: 'VALUE'",
        "kv get k --ttl-ms 5 --endpoints 127.0.0.1:1       | Unknown options: '--ttl-ms'",
        "kv put k v --if-version abc --endpoints 127.0.0.1:1 | Invalid value for option '--if-version': 'abc'",
        "kv del k --if-version 0 --endpoints 127.0.0.1:1   | --if-version must be >= 1",
        "kv watch k --count -1 --endpoints 127.0.0.1:1     | --count and --from-revision must be >= 0",
        "kv get k                                          | --endpoints HOST:PORT[,HOST:PORT...] (or TANDEM_ENDPOINTS)",
        "kv get k --endpoints nonsense                     | --endpoints:",
        "kv get k --endpoints 127.0.0.1:1 --limit          | Missing required parameter for option '--limit'",
        "status extra --endpoints 127.0.0.1:1              | Unmatched argument at index 1: 'extra'",
        "kv get k -o xml --endpoints 127.0.0.1:1           | Invalid value for option '--output'",
        "node --no-such-flag 1                             | Unknown options: '--no-such-flag'",
        "task                                              | task needs a subcommand",
        "task frob q --endpoints 127.0.0.1:1               | Unmatched arguments from index 1: 'frob'",
        "task list --endpoints 127.0.0.1:1                 | Missing required parameter: 'QUEUE'",
        "task requeue q --endpoints 127.0.0.1:1            | Missing required parameter: 'TASK_ID'",
        "task requeue q x --endpoints 127.0.0.1:1          | TASK_ID must be a number",
        "task requeue q 0 --endpoints 127.0.0.1:1          | TASK_ID must be >= 1",
        "task dead q --limit 0 --endpoints 127.0.0.1:1     | --limit must be between 1",
        "kv get k --cacert /x --endpoints 127.0.0.1:1      | TLS needs all of --cacert, --cert and --key",
        "snapshot restore f --node-id n1                   | Missing required options",
    })
    void usageErrorsExitWithTwoAndSayWhatIsWrong(String args, String message) {
        Result r = run(Map.of("TANDEM_CLUSTER_SECRET", SECRET), args.trim().split("\\s+"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertTrue(r.err().contains("--help' for usage"), r.err());
    }

    @Test
    void aMissingSecretIsAUsageError() {
        Result r = run(Map.of(), "kv", "get", "k", "--endpoints", "127.0.0.1:1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--cluster-secret S or TANDEM_CLUSTER_SECRET"), r.err());
    }

    @Test
    void theSecretFromTheEnvironmentIsUsedAndANodeThatIsNotThereFailsFast() throws IOException {
        int port = TestPorts.next(); // nothing listens there, and no other test will bind it
        long started = System.nanoTime();
        Result r = run(Map.of("TANDEM_CLUSTER_SECRET", SECRET), "kv", "get", "k", "--endpoints", "127.0.0.1:" + port);
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("tandem kv get: cannot reach node 127.0.0.1:" + port), r.err());
        assertTrue(ms < 10_000, "a refused connection is reported at once, not after the timeout: " + ms + " ms");
    }

    @Test
    void theEndpointsComeFromTheEnvironmentAndEachIsTriedInTurn() throws IOException {
        int a = io.tandem.testing.TestPorts.next(); // distinct, and nothing listens there
        int b = io.tandem.testing.TestPorts.next();
        Result r = run(Map.of("TANDEM_CLUSTER_SECRET", SECRET, "TANDEM_ENDPOINTS", "127.0.0.1:" + a + ",127.0.0.1:"
                + b), "kv", "get", "k");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("no endpoint answered (2 tried)") && r.err().contains("127.0.0.1:" + a)
                && r.err().contains("127.0.0.1:" + b), r.err());
    }

    @Test
    void aTooShortSecretIsRejectedBeforeAnythingIsSent() {
        Result r = run(Map.of(), "status", "--endpoints", "127.0.0.1:1", "--cluster-secret", "short");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("clusterSecret is 5 bytes"), r.err());
    }

    private static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, env, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
