package io.tandem.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tandem.Tandem;
import io.tandem.metrics.TandemMetrics;

/**
 * The node's meters on a Prometheus registry of their own. The only class of the HTTP endpoint
 * that touches Micrometer: it is loaded only once {@link HttpEndpoint} found the registry on the
 * class path.
 */
final class PrometheusText implements AutoCloseable {

    private final PrometheusMeterRegistry registry;
    private final TandemMetrics metrics;

    private PrometheusText(PrometheusMeterRegistry registry, TandemMetrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    static PrometheusText bind(Tandem node) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new PrometheusText(registry, TandemMetrics.bind(node, registry));
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        metrics.close();
        registry.close();
    }
}
