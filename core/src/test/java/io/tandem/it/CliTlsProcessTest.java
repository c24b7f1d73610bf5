package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.cli.Main;
import io.tandem.transport.TlsConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code tandem node} process with mutual TLS (flags --tls-cert, --tls-key, --tls-ca) and its HTTP
 * endpoint on (--http-port), reached
 * by the CLI with --cacert, --cert and --key; without them, or with a certificate from another CA,
 * the CLI fails fast with a message that says what to pass.
 */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliTlsProcessTest {

    record Result(int code, String out, String err) {
    }

    @Test
    void theCliTalksToAMutualTlsNodeAndSaysWhatIsMissingOtherwise(@TempDir Path dir) throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority(dir, "cluster");
        // A node's certificate names its node id (docs/security.md 4.1).
        TlsConfig.Builder node = TestCertificates.loopbackNode(ca, dir, "n1", ca);
        TlsConfig nodeTls = node.build();
        TlsConfig cliTls = TestCertificates.loopbackNode(ca, dir, "cli", ca).build();
        TestCertificates.Authority other = TestCertificates.authority(dir, "other");
        TlsConfig strangerTls = TestCertificates.loopbackNode(other, dir, "stranger", other).build();
        try (NodeProcesses nodes = new NodeProcesses(dir, 1)) {
            int httpPort = io.tandem.testing.TestPorts.next();
            nodes.extraFlags.addAll(List.of("--http-port", String.valueOf(httpPort)));
            nodes.extraFlags.addAll(List.of("--tls-cert", nodeTls.certificateChain().toString(), "--tls-key",
                    nodeTls.privateKey().toString(), "--tls-ca", nodeTls.trustedCertificates().toString()));
            nodes.startAll();
            String endpoint = nodes.address("n1");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Result put;
            do {
                put = cli(tls(cliTls, "kv", "put", "secure", "yes", "--endpoints", endpoint));
                if (put.code() == 0) {
                    break;
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            } while (System.nanoTime() < deadline);
            assertEquals(0, put.code(), put.err() + "\n" + nodes.logTail("n1"));
            Result get = cli(tls(cliTls, "kv", "get", "secure", "--print-value-only", "--endpoints", endpoint));
            assertEquals("yes", get.out(), get.err());
            java.net.http.HttpResponse<String> ready = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort
                            + "/health/ready")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), "tandem node --http-port serves the probes: " + ready.body());

            long t0 = System.nanoTime();
            Result plain = cli(args("kv", "get", "secure", "--endpoints", endpoint, "--timeout-ms", "20000"));
            long plainMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(1, plain.code());
            assertTrue(plain.err().contains("it may use TLS (pass --cacert, --cert and --key)"), plain.err());
            assertTrue(plainMs < 15_000, "the failed handshake is reported before the 20 s timeout: " + plainMs);

            Result stranger = cli(tls(strangerTls, "kv", "get", "secure", "--endpoints", endpoint, "--timeout-ms",
                    "20000"));
            assertEquals(1, stranger.code());
            assertTrue(stranger.err().contains("the TLS handshake with node " + endpoint + " failed"),
                    stranger.err());
            System.out.printf("TLS: plaintext client refused after %d ms%n", plainMs);
        }
    }

    private static String[] tls(TlsConfig t, String... rest) {
        List<String> a = new ArrayList<>(List.of(args(rest)));
        a.addAll(List.of("--cacert", t.trustedCertificates().toString(), "--cert", t.certificateChain().toString(),
                "--key", t.privateKey().toString()));
        return a.toArray(new String[0]);
    }

    private static String[] args(String... rest) {
        List<String> a = new ArrayList<>(List.of(rest));
        a.addAll(List.of("--cluster-secret", NodeProcesses.SECRET, "--cluster-name", NodeProcesses.CLUSTER));
        return a.toArray(new String[0]);
    }

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, Map.of(), o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
