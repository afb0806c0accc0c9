package dev.hcprollback.snapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.config.HcpRollbackConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;

/**
 * {@code hcp_rollback_snapshot_duration_seconds}, {@code hcp_rollback_snapshot_bytes_total},
 * {@code hcp_rollback_snapshot_failures_total{reason}} and
 * {@code hcp_rollback_snapshot_newest_verified_age_seconds{hosted_cluster_namespace,hosted_cluster}} ({@link ClusterSeries}) and
 * {@code hcp_rollback_snapshot_allowed_age_seconds}: how old that newest snapshot may grow before the
 * alert {@code HcpRollbackSnapshotTooOld} fires, {@value #ALLOWED_INTERVALS} times
 * {@code hcp-rollback.snapshot.interval} (the snapshot due after one interval, and a whole further
 * interval to take it and retry); absent when scheduled snapshots are off.
 */
@ApplicationScoped
public class SnapshotMetrics {

    /** Scheduled snapshots a cluster may miss before its newest verified one is too old: one. */
    static final int ALLOWED_INTERVALS = 2;

    private final MeterRegistry registry;
    private final Map<String, Instant> newestVerified = new ConcurrentHashMap<>();

    public SnapshotMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void exportAllowedAge(@Observes StartupEvent started, HcpRollbackConfig config) {
        if (config.snapshot().scheduleEnabled()) {
            allowedAge(config.snapshot().interval());
        }
    }

    /** Publishes the allowed age of the newest verified snapshot for a schedule of {@code interval}. */
    public void allowedAge(Duration interval) {
        double seconds = interval.multipliedBy(ALLOWED_INTERVALS).toSeconds();
        Gauge.builder("hcp_rollback_snapshot_allowed_age_seconds", () -> seconds)
                .description("How old the newest verified snapshot of a cluster may be: " + ALLOWED_INTERVALS
                        + " x hcp-rollback.snapshot.interval")
                .register(registry);
    }

    public void succeeded(String backend, Duration took, long bytes) {
        Timer.builder("hcp_rollback_snapshot_duration").description("Time to stream, store and verify one snapshot")
                .tag("backend", backend).tag("result", "success").register(registry).record(took);
        Counter.builder("hcp_rollback_snapshot_bytes").description("Bytes of verified snapshots stored")
                .baseUnit("bytes").tag("backend", backend).register(registry).increment(bytes);
    }

    public void failed(String backend, Duration took, SnapshotFailure.Reason reason) {
        Timer.builder("hcp_rollback_snapshot_duration").description("Time to stream, store and verify one snapshot")
                .tag("backend", backend).tag("result", "failure").register(registry).record(took);
        Counter.builder("hcp_rollback_snapshot_failures").description("Failed snapshot attempts by reason")
                .tag("reason", reason.name()).register(registry).increment();
    }

    public double failures(SnapshotFailure.Reason reason) {
        Counter counter = registry.find("hcp_rollback_snapshot_failures").tag("reason", reason.name()).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Records the completion time of a cluster's newest verified snapshot (any payload). */
    public void newestVerified(String namespace, String cluster, Instant completed) {
        String key = namespace + "/" + cluster;
        Instant previous = newestVerified.put(key, completed);
        if (previous == null) {
            Gauge.builder("hcp_rollback_snapshot_newest_verified_age_seconds", newestVerified,
                    all -> all.containsKey(key) ? Duration.between(all.get(key), Instant.now()).toMillis() / 1000.0 : Double.NaN)
                    .description("Age of the newest verified snapshot of a cluster")
                    .tags(ClusterSeries.tags(namespace, cluster)).register(registry);
        } else if (previous.isAfter(completed)) {
            newestVerified.put(key, previous);
        }
    }

    public void forget(String namespace, String cluster) {
        newestVerified.remove(namespace + "/" + cluster);
        registry.find("hcp_rollback_snapshot_newest_verified_age_seconds").tags(ClusterSeries.tags(namespace, cluster))
                .gauges().forEach(registry::remove);
    }
}
