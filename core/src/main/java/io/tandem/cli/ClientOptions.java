package io.tandem.cli;

import io.tandem.InvalidArgumentException;
import io.tandem.transport.Endpoint;
import io.tandem.transport.TlsConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every client command shares: where the cluster is, how to prove membership, TLS,
 * and the output format. Each falls back to an environment variable.
 */
final class ClientOptions {

    static final String ENDPOINTS_ENV = "TANDEM_ENDPOINTS";
    static final String SECRET_ENV = "TANDEM_CLUSTER_SECRET";
    static final String CLUSTER_NAME_ENV = "TANDEM_CLUSTER_NAME";
    static final String CACERT_ENV = "TANDEM_CACERT";
    static final String CERT_ENV = "TANDEM_CERT";
    static final String KEY_ENV = "TANDEM_KEY";

    /** How results are printed. */
    enum Output { table, json }

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = {"--endpoints", "--node"}, split = ",", paramLabel = "HOST:PORT",
            description = "Transport addresses of cluster nodes, comma-separated; tried in order, the next one"
                    + " when a node cannot be reached (env " + ENDPOINTS_ENV + ").")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--cluster-secret", paramLabel = "S", description = "The cluster secret (env " + SECRET_ENV
            + ").")
    String secret;

    @Option(names = "--cluster-name", paramLabel = "N", description = "The cluster name (env " + CLUSTER_NAME_ENV
            + ", default tandem).")
    String clusterName;

    @Option(names = "--timeout-ms", paramLabel = "N", defaultValue = "15000",
            description = "Give up on one node after N ms (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--client-address", paramLabel = "HOST",
            description = "Where the node can reach this client (default: the local address that routes to it).")
    String clientAddress;

    @Option(names = "--cacert", paramLabel = "FILE", description = "TLS: PEM file of the CA that signs the nodes'"
            + " certificates (env " + CACERT_ENV + "). Turns TLS on; needs --cert and --key.")
    Path cacert;

    @Option(names = "--cert", paramLabel = "FILE", description = "TLS: this client's certificate chain, PEM,"
            + " signed by a CA the nodes trust (env " + CERT_ENV + ").")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "TLS: this client's PKCS#8 private key, PEM (env "
            + KEY_ENV + ").")
    Path key;

    @Option(names = "--key-password", paramLabel = "P", description = "TLS: the password of an encrypted --key.")
    String keyPassword;

    @Option(names = "--insecure-skip-hostname-verify",
            description = "TLS: accept a node certificate that does not name the host dialled.")
    boolean skipHostnameVerify;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default; human-readable) or json (one JSON document; NDJSON for watch).")
    Output output;

    boolean json() {
        return output == Output.json;
    }

    /** Opens a connection to the cluster with failover over the endpoints. */
    Cluster connect() {
        Map<String, String> env = Main.io(mixee).env();
        List<String> texts = new ArrayList<>(endpoints);
        if (texts.isEmpty() && env.get(ENDPOINTS_ENV) != null && !env.get(ENDPOINTS_ENV).isBlank()) {
            texts.addAll(List.of(env.get(ENDPOINTS_ENV).trim().split("\\s*,\\s*")));
        }
        if (texts.isEmpty()) {
            throw new UsageException("--endpoints HOST:PORT[,HOST:PORT...] (or " + ENDPOINTS_ENV + ") is required:"
                    + " the transport address of any node");
        }
        List<Endpoint> parsed = new ArrayList<>();
        for (String t : texts) {
            try {
                parsed.add(Endpoint.parse(t));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--endpoints: " + e.getMessage());
            }
        }
        String s = secret != null ? secret : env.get(SECRET_ENV);
        if (s == null || s.isEmpty()) {
            throw new UsageException("the cluster secret is required: --cluster-secret S or " + SECRET_ENV);
        }
        String name = clusterName != null ? clusterName : env.getOrDefault(CLUSTER_NAME_ENV, "tandem");
        if (timeoutMs < 100 || timeoutMs > 3_600_000) {
            throw new UsageException("--timeout-ms must be between 100 and 3600000, got " + timeoutMs);
        }
        return new Cluster(parsed, name, s.getBytes(StandardCharsets.UTF_8), clientAddress,
                Duration.ofMillis(timeoutMs), tls(env));
    }

    private TlsConfig tls(Map<String, String> env) {
        Path ca = cacert != null ? cacert : pathFromEnv(env, CACERT_ENV);
        Path c = cert != null ? cert : pathFromEnv(env, CERT_ENV);
        Path k = key != null ? key : pathFromEnv(env, KEY_ENV);
        if (ca == null && c == null && k == null) {
            return null;
        }
        if (ca == null || c == null || k == null) {
            throw new UsageException("TLS needs all of --cacert, --cert and --key (the node connects back to this"
                    + " client over TLS, so the client needs a certificate too); missing: "
                    + (ca == null ? "--cacert " : "") + (c == null ? "--cert " : "") + (k == null ? "--key" : ""));
        }
        TlsConfig.Builder b = TlsConfig.builder().trustedCertificates(ca).certificateChain(c).privateKey(k)
                .verifyHostname(!skipHostnameVerify);
        if (keyPassword != null) {
            b.privateKeyPassword(keyPassword);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(e.getMessage());
        }
    }

    private static Path pathFromEnv(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : Path.of(v.trim());
    }
}
