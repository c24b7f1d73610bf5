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
        Result r = run(Map.of(), "help");
        assertEquals(0, r.code());
        for (String c : new String[] {"demo", "node --config", "status", "kv get", "kv put", "kv del", "kv list",
            "kv watch", "--cluster-secret", "TANDEM_CLUSTER_SECRET", "--stale", "--if-version", "--ttl-ms",
            "--prefix", "--from-revision", "--limit", "--count", "Exit codes", "task list", "task dead",
            "task requeue"}) {
            assertTrue(r.out().contains(c), "help mentions " + c + ":\n" + r.out());
        }
        assertEquals(2, run(Map.of()).code(), "no command at all is a usage error");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "frob                                              | unknown command 'frob'",
        "kv                                                | kv needs a subcommand",
        "kv frob                                           | unknown kv subcommand 'frob'",
        "kv get --node 127.0.0.1:1                         | missing KEY",
        "kv put k --node 127.0.0.1:1                       | missing VALUE",
        "kv get k --ttl-ms 5 --node 127.0.0.1:1            | unknown flag --ttl-ms",
        "kv put k v --if-version abc --node 127.0.0.1:1    | --if-version must be a whole number",
        "kv del k --if-version 0 --node 127.0.0.1:1        | --if-version must be between 1",
        "kv watch k --count 0 --node 127.0.0.1:1           | --count must be between 1",
        "kv get k                                          | --node HOST:PORT is required",
        "kv get k --node nonsense                          | --node:",
        "kv get k --node 127.0.0.1:1 --limit               | flag --limit needs a value",
        "status extra --node 127.0.0.1:1                   | unexpected argument 'extra'",
        "kv get k --stale=no --node 127.0.0.1:1            | flag --stale takes no value",
        "node --no-such-flag 1                             | unknown flag --no-such-flag",
        "task                                              | task needs a subcommand",
        "task frob q --node 127.0.0.1:1                    | unknown task subcommand 'frob'",
        "task list --node 127.0.0.1:1                      | missing QUEUE",
        "task requeue q --node 127.0.0.1:1                 | missing TASK_ID",
        "task requeue q x --node 127.0.0.1:1               | TASK_ID must be a number",
        "task requeue q 0 --node 127.0.0.1:1               | TASK_ID must be >= 1",
        "task dead q --limit 0 --node 127.0.0.1:1          | --limit must be between 1",
    })
    void usageErrorsExitWithTwoAndSayWhatIsWrong(String args, String message) {
        Result r = run(Map.of("TANDEM_CLUSTER_SECRET", SECRET), args.trim().split("\\s+"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertTrue(r.err().contains("tandem help"), r.err());
    }

    @Test
    void aMissingSecretIsAUsageError() {
        Result r = run(Map.of(), "kv", "get", "k", "--node", "127.0.0.1:1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--cluster-secret S or TANDEM_CLUSTER_SECRET"), r.err());
    }

    @Test
    void theSecretFromTheEnvironmentIsUsedAndANodeThatIsNotThereFailsFast() throws IOException {
        int port = TestPorts.next(); // nothing listens there, and no other test will bind it
        long started = System.nanoTime();
        Result r = run(Map.of("TANDEM_CLUSTER_SECRET", SECRET), "kv", "get", "k", "--node", "127.0.0.1:" + port);
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("tandem kv get: cannot reach node 127.0.0.1:" + port), r.err());
        assertTrue(ms < 10_000, "a refused connection is reported at once, not after the timeout: " + ms + " ms");
    }

    @Test
    void aTooShortSecretIsRejectedBeforeAnythingIsSent() {
        Result r = run(Map.of(), "status", "--node", "127.0.0.1:1", "--cluster-secret", "short");
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
