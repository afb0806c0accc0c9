package dev.hcprollback.webhook.rules;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;

/**
 * What the admission decisions read, so that judging a request costs no call to the API server:
 * HostedClusters, their NodePools and their ControlPlaneSnapshots, from the informer caches the
 * whole sidecar shares ({@link ClusterCaches}: one watch per kind, also read by the snapshot
 * controllers).
 */
@ApplicationScoped
public class AdmissionCaches {

    private final ClusterCaches caches;

    public AdmissionCaches(ClusterCaches caches) {
        this.caches = caches;
    }

    /** Names of the caches that have not finished their first list yet; empty when all are synced. */
    public List<String> unsynced() {
        return caches.unsynced();
    }

    public Optional<HostedCluster> hostedCluster(String namespace, String name) {
        return caches.hostedCluster(namespace, name);
    }

    public List<NodePool> nodePoolsOf(String namespace, String clusterName) {
        return caches.nodePoolsOf(namespace, clusterName);
    }

    public List<ControlPlaneSnapshot> snapshotsOf(String namespace, String clusterName) {
        return caches.snapshotsOf(namespace, clusterName);
    }

    /** The rollback floors, as the cache holds them (unread until it has listed). */
    public dev.hcprollback.eligibility.RollbackFloors rollbackFloors() {
        return dev.hcprollback.eligibility.RollbackFloors.of(caches.floorsSource(), caches.floorsData());
    }

    /** The rollback record of that name in that namespace, as the cache holds it. */
    public Optional<dev.hcprollback.api.ControlPlaneRollback> rollback(String namespace, String name) {
        return caches.rollbacksIn(namespace).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst();
    }

    /** The rollback records of that HostedCluster, as the cache holds them. */
    public List<dev.hcprollback.api.ControlPlaneRollback> rollbacksOf(String namespace, String clusterName) {
        return caches.rollbacksIn(namespace).stream()
                .filter(r -> r.getSpec() != null && clusterName.equals(r.getSpec().getHostedClusterName())).toList();
    }
}
