package dev.hcprollback.snapshot;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Applies {@link Retention} to one cluster: deletes the ControlPlaneSnapshots it lets go (their finalizer removes
 * the objects). Looks first in the shared caches ({@link ClusterCaches}), which is free and, on a steady cluster,
 * the whole job; only when they show something to delete is the decision taken again from the API server's
 * lists, since a cache may not show yet the rollback that names a snapshot. With caches that have not listed
 * once it deletes nothing (the next reconciliation of the cluster tries again).
 */
@ApplicationScoped
public class RetentionRunner {

    private static final Logger LOG = Logger.getLogger(RetentionRunner.class);

    private final KubernetesClient client;
    private final HcpRollbackConfig config;
    private final ClusterEvents events;
    private final ClusterCaches caches;

    public RetentionRunner(KubernetesClient client, HcpRollbackConfig config, ClusterEvents events, ClusterCaches caches) {
        this.client = client;
        this.config = config;
        this.events = events;
        this.caches = caches;
    }

    /** Deletes what retention lets go for one cluster. */
    public void apply(HostedCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        if (!caches.isSynced(ControlPlaneSnapshot.class, ControlPlaneRollback.class)) {
            LOG.debugf("retention for %s/%s: the caches have not listed once yet; nothing deleted", namespace, name);
            return;
        }
        // without the update records' holds, which only keep more: an empty answer here is final
        if (!toDelete(cluster, caches.snapshotsOf(namespace, name), caches.rollbacksIn(namespace), Set.of()).isEmpty()) {
            applyListed(cluster);
        }
    }

    /**
     * Deletes what retention lets go for one cluster, decided from the API server's lists: for a snapshot just
     * verified, which the caches may not show as such yet.
     */
    public void applyListed(HostedCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        try {
            List<ControlPlaneSnapshot> snapshots = client.resources(ControlPlaneSnapshot.class).inNamespace(namespace)
                    .list().getItems();
            for (ControlPlaneSnapshot doomed : toDelete(cluster, snapshots, rollbacks(namespace), heldByUpdates(namespace))) {
                LOG.infof("retention: deleting ControlPlaneSnapshot %s/%s", namespace, doomed.getMetadata().getName());
                client.resource(doomed).delete();
                events.normal(cluster, "SnapshotPruned", "ControlPlaneSnapshot " + doomed.getMetadata().getName()
                        + " deleted by retention (keeping " + config.snapshot().retentionCount() + " per payload)");
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("retention for %s/%s: %s", namespace, name, e.getMessage());
        }
    }

    private List<ControlPlaneSnapshot> toDelete(HostedCluster cluster, List<ControlPlaneSnapshot> snapshots,
            List<ControlPlaneRollback> rollbacks, Set<String> heldByUpdates) {
        return Retention.toDelete(cluster, snapshots, rollbacks, heldByUpdates, config.snapshot().retentionCount(),
                config.rollback().window(), Instant.now());
    }

    /** The rollback points update records still hold ({@link RollbackPoint#heldBy}). */
    private Set<String> heldByUpdates(String namespace) {
        return client.resources(ControlPlaneUpdate.class).inNamespace(namespace).list().getItems().stream()
                .filter(update -> RollbackPoint.heldBy(update, config.rollback().window(), Instant.now()))
                .map(update -> update.getStatus().getRollbackPoint()).collect(Collectors.toSet());
    }

    private List<ControlPlaneRollback> rollbacks(String namespace) {
        try {
            return client.resources(ControlPlaneRollback.class).inNamespace(namespace).list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of();
            }
            // without knowing which snapshots rollbacks use, delete nothing
            throw e;
        }
    }

}
