package dev.hcprollback.update;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ReleaseVersion;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * {@code hcp_rollback_payload_quarantined{hosted_cluster_namespace,hosted_cluster,version,payload}}: 1 for each
 * cluster whose {@link PayloadQuarantine} holds now (the payload a rollback took it off, not lifted, and the cluster
 * not on a newer version), with the payload's version ({@code unknown} when not recorded) and its identity
 * ({@code payload}: the digest, else {@code version:<v>}, the same for every spelling of one payload, so that a
 * payload rolled back on several clusters counts as one; {@code unreadable} for an annotation that cannot be read).
 * No series while no quarantine holds.
 */
public class QuarantineMetrics {

    static final String QUARANTINED = "hcp_rollback_payload_quarantined";

    private final MeterRegistry registry;
    /** The labels published per {@code namespace/name}. */
    private final Map<String, Tags> published = new ConcurrentHashMap<>();

    public QuarantineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Publishes the quarantine of {@code cluster} as its annotations and version history say now. */
    public void publish(HostedCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        PayloadQuarantine quarantine = PayloadQuarantine.of(cluster);
        Optional<ReleaseVersion> current = cluster.releaseImage().flatMap(cluster::versionOf);
        if (!quarantine.holdsAt(current)) {
            forget(namespace, name);
            return;
        }
        Tags tags = ClusterSeries.tags(namespace, name)
                .and("version", quarantine.entry().flatMap(e -> e.payload().version()).map(Object::toString).orElse("unknown"))
                .and("payload", quarantine.entry().map(e -> e.payload().groupingKey()).orElse("unreadable"));
        Tags before = published.put(namespace + "/" + name, tags);
        if (tags.equals(before)) {
            return;
        }
        if (before != null) {
            remove(before);
        }
        Gauge.builder(QUARANTINED, () -> 1).description("1 while a payload a rollback took the cluster off is quarantined on it")
                .tags(tags).register(registry);
    }

    /** Removes the series of clusters for which {@code present(namespace, name)} is false. */
    public void retainOnly(BiPredicate<String, String> present) {
        for (String key : Set.copyOf(published.keySet())) {
            String[] parts = key.split("/", 2);
            if (!present.test(parts[0], parts[1])) {
                forget(parts[0], parts[1]);
            }
        }
    }

    public void forget(String namespace, String name) {
        Tags before = published.remove(namespace + "/" + name);
        if (before != null) {
            remove(before);
        }
    }

    private void remove(Tags tags) {
        registry.find(QUARANTINED).tags(tags).meters().forEach(registry::remove);
    }
}
