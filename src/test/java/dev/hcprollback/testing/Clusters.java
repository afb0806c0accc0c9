package dev.hcprollback.testing;

import java.util.ArrayList;
import java.util.List;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.HostedClusterSpec;
import dev.hcprollback.hypershift.HostedClusterStatus;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.VersionStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** HostedCluster fixtures. */
public final class Clusters {

    public static final String PAYLOAD = "quay.io/openshift-release-dev/ocp-release:";

    private Clusters() {
    }

    public static String image(String version) {
        return PAYLOAD + version + "-x86_64";
    }

    /** An Available cluster whose history is {@code versions}, newest first, all Completed. */
    public static HostedCluster available(String namespace, String name, String... versions) {
        HostedCluster cluster = new HostedCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withUid(name + "-uid").build());
        HostedClusterSpec spec = new HostedClusterSpec();
        spec.setRelease(Release.of(image(versions[0])));
        cluster.setSpec(spec);
        HostedClusterStatus status = new HostedClusterStatus();
        VersionStatus version = new VersionStatus();
        List<UpdateHistory> history = new ArrayList<>();
        java.time.Instant at = java.time.Instant.parse("2026-11-20T12:00:00Z");
        for (int i = 0; i < versions.length; i++) {
            java.time.Instant started = at.minus(java.time.Duration.ofDays(i * 7L));
            history.add(new UpdateHistory(UpdateHistory.COMPLETED, versions[i], image(versions[i]), started.toString(),
                    started.plus(java.time.Duration.ofHours(1)).toString()));
        }
        version.setHistory(history);
        status.setVersion(version);
        status.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType("Available").withStatus("True")
                .withReason("AsExpected").withLastTransitionTime("2026-11-20T12:00:00Z").build())));
        cluster.setStatus(status);
        return cluster;
    }

    public static HostedCluster withRelease(HostedCluster cluster, String version) {
        HostedCluster copy = copy(cluster);
        copy.getSpec().setRelease(Release.of(image(version)));
        return copy;
    }

    public static HostedCluster copy(HostedCluster cluster) {
        var json = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
        return json.unmarshal(json.asJson(cluster), HostedCluster.class);
    }
}
