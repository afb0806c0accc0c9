package dev.hcprollback.testing;


import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.cluster.ClusterCaches;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Waits until the sidecar's caches hold what the API server holds of a world's snapshots, update records
 * and rollbacks, version for version: a look at a lagging cache would decide on less than the test wrote.
 */
public final class CachesCaughtUp {

    private CachesCaughtUp() {
    }

    public static void await(KubernetesClient client, ClusterCaches caches, RollbackWorld world, Duration limit) {
        String namespace = world.namespace;
        String cluster = world.clusterName;
        org.awaitility.Awaitility.await("the caches of " + namespace + " catch up with the API server").atMost(limit)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> caches.isSynced(ControlPlaneSnapshot.class, ControlPlaneRollback.class, ControlPlaneUpdate.class)
                        && versions(client.resources(ControlPlaneSnapshot.class).inNamespace(namespace).list().getItems()
                                .stream().filter(s -> s.getSpec() != null && cluster.equals(s.getSpec().getHostedClusterName()))
                                .toList()).equals(versions(caches.snapshotsOf(namespace, cluster)))
                        && versions(client.resources(ControlPlaneUpdate.class).inNamespace(namespace).list().getItems()
                                .stream().filter(u -> u.getSpec() != null && cluster.equals(u.getSpec().getHostedClusterName()))
                                .toList()).equals(versions(caches.updatesOf(namespace, cluster)))
                        && versions(client.resources(ControlPlaneRollback.class).inNamespace(namespace).list().getItems())
                                .equals(versions(caches.rollbacksIn(namespace))));
    }

    private static Map<String, String> versions(List<? extends HasMetadata> objects) {
        return objects.stream().collect(Collectors.toMap(o -> o.getMetadata().getName(),
                o -> o.getMetadata().getResourceVersion()));
    }
}
