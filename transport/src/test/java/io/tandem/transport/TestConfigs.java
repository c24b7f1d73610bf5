package io.tandem.transport;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Configs for tests: one cluster, a fixed test-only secret, loopback, fast reconnects. */
final class TestConfigs {

    static final String CLUSTER = "orders-dev";
    /** A test-only value; real secrets come from the operator. */
    static final byte[] SECRET = "test-secret-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private TestConfigs() {}

    static TransportConfig.Builder node(String nodeId) {
        return TransportConfig.builder()
                .clusterName(CLUSTER)
                .nodeId(nodeId)
                .bind(Endpoint.of("127.0.0.1", 0))
                .clusterSecret(SECRET)
                .registrations(TestMessages.REGISTRATIONS)
                .reconnectBackoffMs(10, 200)
                .handshakeTimeoutMs(3000)
                .ioThreads(1)
                .jitterRandom(new SplittableRandom(7));
    }
}
