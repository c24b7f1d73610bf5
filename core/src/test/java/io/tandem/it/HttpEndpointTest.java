package io.tandem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.Tandem;
import io.tandem.TandemConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP endpoint of real nodes, asked with the JDK's HTTP client over a real socket. */
@org.junit.jupiter.api.parallel.Isolated
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpEndpointTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void liveReadyAndPrometheusMetricsOfAReadyNode(@TempDir Path dir) throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1)) {
            c.tuning = b -> b.httpPort(0);
            c.startFounders();
            Tandem n = c.node("n1");
            int port = n.httpPort();
            assertTrue(port > 0, "the endpoint is on when httpPort is set");
            n.data().write("k", "v");

            HttpResponse<String> live = get(port, "/health/live");
            assertEquals(200, live.statusCode());
            assertEquals("live\n", live.body());
            HttpResponse<String> ready = get(port, "/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().startsWith("ready\n"), ready.body());

            HttpResponse<String> metrics = get(port, "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            for (String name : List.of("tandem_raft_term", "tandem_raft_role", "tandem_raft_commit_index",
                "tandem_sessions", "tandem_proposal_latency_seconds", "tandem_transport_dropped_total")) {
                assertTrue(metrics.body().contains("# TYPE " + name), name + " in\n" + metrics.body());
            }
            // The gauges are published twice a second: the role shows up by the next publication.
            LocalCluster.await(Duration.ofSeconds(10), () -> {
                try {
                    return get(port, "/metrics").body().contains("tandem_raft_role{node=\"n1\"} 3.0");
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            }, "tandem_raft_role 3.0 (leader) in /metrics");
            for (String line : metrics.body().split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    assertTrue(line.startsWith("tandem_"), "every sample is a Tandem meter: " + line);
                }
            }
            assertEquals(404, get(port, "/nope").statusCode());
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/health/live")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());

            n.close();
            assertThrows(IOException.class, () -> get(port, "/health/live"), "closed with the node");
        }
    }

    @Test
    void aFounderWaitingForItsSeedsIsLiveButNotReadyAndSaysWhy(@TempDir Path dir) throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 2)) {
            TandemConfig cfg = c.config("n1").httpPort(0).build();
            Tandem n1 = Tandem.startAsync(cfg); // n2 never starts: formation waits
            try {
                HttpResponse<String> live = get(n1.httpPort(), "/health/live");
                assertEquals(200, live.statusCode(), live.body());
                HttpResponse<String> ready = get(n1.httpPort(), "/health/ready");
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().startsWith("not ready\n") && ready.body().contains(
                        "not-ready-because: phase DISCOVERING"), ready.body());
            } finally {
                n1.close();
            }
        }
    }

    @Test
    void theEndpointIsOffByDefault(@TempDir Path dir) throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 1).startFounders()) {
            assertEquals(-1, c.node("n1").httpPort());
        }
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
