package dev.hcprollback.update;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.cluster.ClusterSeries;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The newest update record of each cluster, as gauges with one series per cluster (labelled by
 * {@link ClusterSeries}): {@code hcp_rollback_update_health{hosted_cluster_namespace,hosted_cluster,health}} (1 for
 * the current verdict; the series of the previous verdict is removed), {@code hcp_rollback_update_rollback_point{hosted_cluster_namespace,hosted_cluster}}
 * (1 with a verified rollback point, else 0), {@code hcp_rollback_update_rollback_window_seconds}
 * (seconds left, 0 once closed) and {@code hcp_rollback_update_rollback_recommended} (1/0); plus the
 * counter {@code hcp_rollback_auto_rollbacks_total}. A cluster that is gone loses all its series.
 */
public class UpdateMetrics {

    static final String HEALTH = "hcp_rollback_update_health";
    static final String POINT = "hcp_rollback_update_rollback_point";
    static final String WINDOW = "hcp_rollback_update_rollback_window_seconds";
    static final String RECOMMENDED = "hcp_rollback_update_rollback_recommended";

    /** What the gauges of one cluster read. */
    private static final class Values {
        volatile UpdateHealth health;
        volatile double point;
        volatile Instant windowCloses = Instant.EPOCH;
        volatile double recommended;
    }

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, Values> clusters = new ConcurrentHashMap<>();

    public UpdateMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** {@code windowCloses}: the window gauge counts down to it between two looks at the cluster. */
    public void publish(String namespace, String cluster, UpdateHealth health, boolean rollbackPoint, Instant windowCloses,
            boolean recommended) {
        String key = namespace + "/" + cluster;
        Tags tags = ClusterSeries.tags(namespace, cluster);
        Values values = clusters.computeIfAbsent(key, k -> {
            Values created = new Values();
            Gauge.builder(POINT, created, v -> v.point).description("1 when the cluster's newest update has a verified rollback point")
                    .tags(tags).register(registry);
            Gauge.builder(WINDOW, created,
                    v -> Math.max(0, Duration.between(clock.instant(), v.windowCloses).toSeconds())).description("Seconds left in the rollback window of the newest update")
                    .baseUnit("seconds").tags(tags).register(registry);
            Gauge.builder(RECOMMENDED, created, v -> v.recommended)
                    .description("1 when a rollback of the cluster's newest update is recommended").tags(tags).register(registry);
            return created;
        });
        values.point = rollbackPoint ? 1 : 0;
        values.windowCloses = windowCloses;
        values.recommended = recommended ? 1 : 0;
        if (values.health != health) {
            if (values.health != null) {
                removeHealth(namespace, cluster);
            }
            values.health = health;
            Gauge.builder(HEALTH, () -> 1).description("1 for the health verdict of the cluster's newest update")
                    .tags(tags.and("health", health.name())).register(registry);
        }
    }

    public void autoRollbackFiled() {
        Counter.builder("hcp_rollback_auto_rollbacks").description("Rollback requests the sidecar filed itself")
                .register(registry).increment();
    }

    /**
     * Removes the series of the clusters with series for which {@code present(namespace, name)} is false: one
     * lookup per cluster that has series, not a pass over every cluster.
     */
    public void retainOnly(BiPredicate<String, String> present) {
        for (String key : Set.copyOf(clusters.keySet())) {
            String[] parts = key.split("/", 2);
            if (!present.test(parts[0], parts[1])) {
                forget(parts[0], parts[1]);
            }
        }
    }

    public void forget(String namespace, String cluster) {
        clusters.remove(namespace + "/" + cluster);
        for (String name : new String[] { HEALTH, POINT, WINDOW, RECOMMENDED }) {
            registry.find(name).tags(ClusterSeries.tags(namespace, cluster)).meters().forEach(this::remove);
        }
    }

    private void removeHealth(String namespace, String cluster) {
        registry.find(HEALTH).tags(ClusterSeries.tags(namespace, cluster)).meters().forEach(this::remove);
    }

    private void remove(Meter meter) {
        registry.remove(meter);
    }
}
