package dev.hcprollback.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.testing.Clusters;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

public class QuarantineMetricsTest {

    static final String DIGEST = "sha256:" + "6".repeat(64);

    /** Cluster clusters/{@code name} on 4.18.5 after 4.18.6, with 4.18.6 (by digest) quarantined. */
    public static HostedCluster quarantined(String name) {
        HostedCluster cluster = Clusters.available("clusters", name, "4.18.5", "4.18.4");
        PayloadImage six = PayloadImage.of(Clusters.PAYLOAD.replaceAll(":$", "") + "@" + DIGEST).get();
        cluster.getMetadata().setAnnotations(new HashMap<>());
        cluster.getMetadata().getAnnotations().put(PayloadQuarantine.ANNOTATION, new PayloadQuarantine.Entry(
                new PayloadIdentity(six, six.digest(), ReleaseVersion.parse("4.18.6")), name + "-to-4-18-5", "2026-12-07T10:00:00Z")
                .toAnnotation());
        return cluster;
    }

    @Test
    void aHeldQuarantineIsOneSeriesByPayloadAndGoesWhenLiftedOrWhenANewerPayloadRuns() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        QuarantineMetrics metrics = new QuarantineMetrics(registry);
        HostedCluster cluster = quarantined("payments");
        metrics.publish(cluster);
        var gauge = registry.find(QuarantineMetrics.QUARANTINED).tag("hosted_cluster_namespace", "clusters")
                .tag("hosted_cluster", "payments").tag("payload", DIGEST).tag("version", "4.18.6").gauge();
        assertTrue(gauge != null && gauge.value() == 1.0, registry.scrape());

        cluster.getMetadata().getAnnotations().put(PayloadQuarantine.LIFTED_BY, "sre-alice");
        metrics.publish(cluster);
        assertEquals(0, registry.find(QuarantineMetrics.QUARANTINED).meters().size(), registry.scrape());

        HostedCluster newer = quarantined("payments");
        newer.getSpec().setRelease(Release.of(Clusters.image("4.18.7")));
        metrics.publish(quarantined("payments"));
        assertEquals(1, registry.find(QuarantineMetrics.QUARANTINED).meters().size());
        metrics.publish(newer);
        assertEquals(0, registry.find(QuarantineMetrics.QUARANTINED).meters().size(), "4.18.7 is newer than 4.18.6");

        metrics.publish(quarantined("payments"));
        metrics.retainOnly((namespace, name) -> false);
        assertEquals(0, registry.find(QuarantineMetrics.QUARANTINED).meters().size(), "a cluster that is gone");
        registry.close();
    }
}
