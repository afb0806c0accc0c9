package dev.hcprollback;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.operatorsdk.runtime.MicrometerMetricsProvider;

/**
 * Controller metrics per controller, not per resource: the extension's default keeps series for
 * every HostedCluster and snapshot it ever saw, some 300 per cluster, which on a management cluster
 * of a thousand hosted clusters outgrows the heap when Prometheus scrapes (docs/benchmarks.md).
 */
@Alternative
@Priority(1)
@Singleton
public class OperatorMetrics extends MicrometerMetricsProvider {

    private Metrics metrics = Metrics.NOOP;

    @Override
    public void bindTo(MeterRegistry registry) {
        metrics = MicrometerMetrics.withoutPerResourceMetrics(registry);
    }

    @Override
    public Metrics getMetrics() {
        return metrics;
    }
}
