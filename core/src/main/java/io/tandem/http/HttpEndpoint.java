package io.tandem.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tandem.Tandem;
import io.tandem.TandemException;
import io.tandem.node.Health;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's optional HTTP endpoint for orchestrators and monitoring (JDK's built-in HTTP server,
 * one thread; off unless {@code TandemConfig.httpPort} is set):
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the node's event loop runs and answers within
 *       {@link #HEALTH_WAIT_MS}; 503 otherwise (restart the process). A Kubernetes liveness probe.</li>
 *   <li>{@code GET /health/ready}: 200 when the node is a member with a live session, knows a
 *       leader and has applied what is committed; 503 otherwise. The body says why, one
 *       {@code not-ready-because:} line per reason (and {@code warning:} lines). A readiness probe.</li>
 *   <li>{@code GET /metrics}: the node's meters in the Prometheus text format (names
 *       {@code tandem_*}), from {@code io.tandem.metrics.TandemMetrics} on a Prometheus registry;
 *       503 naming the missing dependency when micrometer-registry-prometheus is not on the class
 *       path.</li>
 * </ul>
 * Other paths answer 404, other methods 405. Thread-safe; {@link #close()} stops the server.
 */
public final class HttpEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
    /** Liveness fails when the loop does not answer a health request within this long. */
    static final long HEALTH_WAIT_MS = 2_000;
    static final String PROMETHEUS_REGISTRY = "io.micrometer.prometheusmetrics.PrometheusMeterRegistry";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Tandem node;
    private final Supplier<String> metrics;
    private final AutoCloseable metricsBinding;

    private HttpEndpoint(HttpServer server, ExecutorService executor, Tandem node) {
        this.server = server;
        this.executor = executor;
        this.node = node;
        PrometheusText prometheus = prometheusAvailable() ? PrometheusText.bind(node) : null;
        this.metrics = prometheus == null ? null : prometheus::scrape;
        this.metricsBinding = prometheus;
        if (prometheus == null) {
            LOG.info("node {}: /metrics answers 503: add io.micrometer:micrometer-registry-prometheus to the class"
                    + " path to serve Prometheus metrics", node.nodeId());
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /**
     * Starts the endpoint on {@code host:port} (port 0: any free port).
     *
     * @throws TandemException naming the address when it cannot be bound
     */
    public static HttpEndpoint start(Tandem node, String host, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new TandemException("node " + node.nodeId() + ": cannot listen for HTTP on " + host + ":" + port
                    + " (" + e + "); choose another httpPort or stop what uses the port", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tandem-http-" + node.nodeId());
            t.setDaemon(true);
            return t;
        });
        return new HttpEndpoint(server, executor, node);
    }

    /** The port the endpoint listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    static boolean prometheusAvailable() {
        try {
            Class.forName(PROMETHEUS_REGISTRY, false, HttpEndpoint.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method " + ex.getRequestMethod() + " not allowed; use GET\n");
                return;
            }
            switch (path) {
                case "/health/live" -> {
                    Health h = health();
                    send(ex, h.live() ? 200 : 503, "text/plain; charset=utf-8", h.live() ? "live\n"
                            : "not live\n" + lines(h.problems(), "because"));
                }
                case "/health/ready" -> {
                    Health h = health();
                    send(ex, h.ready() ? 200 : 503, "text/plain; charset=utf-8", (h.ready() ? "ready\n"
                            : "not ready\n" + lines(h.problems(), "not-ready-because")) + lines(h.warnings(),
                            "warning"));
                }
                case "/metrics" -> {
                    if (metrics == null) {
                        send(ex, 503, "text/plain; charset=utf-8", "metrics need io.micrometer:"
                                + "micrometer-registry-prometheus on the class path of node " + node.nodeId() + "\n");
                    } else {
                        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
                    }
                }
                default -> send(ex, 404, "text/plain; charset=utf-8", "no such path " + path
                        + "; try /health/live, /health/ready or /metrics\n");
            }
        } catch (RuntimeException e) {
            LOG.warn("node {}: HTTP {} failed: {}", node.nodeId(), ex.getRequestURI(), e.toString());
        }
    }

    private Health health() {
        if (node.isClosed()) {
            return node.health();
        }
        try {
            return node.runtime().health().get(HEALTH_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return new Health(false, false, List.of("the event loop did not answer within " + HEALTH_WAIT_MS
                    + " ms"), List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Health(false, false, List.of("interrupted"), List.of());
        } catch (java.util.concurrent.ExecutionException e) {
            return new Health(false, false, List.of("health check failed: " + e.getCause()), List.of());
        }
    }

    private static String lines(List<String> items, String label) {
        StringBuilder b = new StringBuilder();
        for (String i : items) {
            b.append(label).append(": ").append(i).append('\n');
        }
        return b.toString();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        if (metricsBinding != null) {
            try {
                metricsBinding.close();
            } catch (Exception e) {
                LOG.warn("node {}: unbinding the metrics failed: {}", node.nodeId(), e.toString());
            }
        }
    }
}
