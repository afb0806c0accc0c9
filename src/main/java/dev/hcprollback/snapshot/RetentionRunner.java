package dev.hcprollback.snapshot;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.hcprollback.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.rollback.ControlPlaneRollback;
import dev.hcprollback.update.ControlPlaneUpdate;
import dev.hcprollback.update.UpdateWatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Applies {@link Retention} to one cluster: deletes the ControlPlaneSnapshots it lets go (their finalizer removes the objects). */
@ApplicationScoped
public class RetentionRunner {

    private static final Logger LOG = Logger.getLogger(RetentionRunner.class);

    private final KubernetesClient client;
    private final HcpRollbackConfig config;
    private final ClusterEvents events;

    public RetentionRunner(KubernetesClient client, HcpRollbackConfig config, ClusterEvents events) {
        this.client = client;
        this.config = config;
        this.events = events;
    }

    /** Deletes what retention lets go for one cluster. */
    public void apply(HostedCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        try {
            List<ControlPlaneSnapshot> snapshots = client.resources(ControlPlaneSnapshot.class).inNamespace(namespace)
                    .list().getItems();
            List<ControlPlaneRollback> rollbacks = rollbacks(namespace);
            for (ControlPlaneSnapshot doomed : Retention.toDelete(cluster, snapshots, rollbacks, heldByUpdates(namespace),
                    config.snapshot().retentionCount(), config.rollback().window(), Instant.now())) {
                LOG.infof("retention: deleting ControlPlaneSnapshot %s/%s", namespace, doomed.getMetadata().getName());
                client.resource(doomed).delete();
                events.normal(cluster, "SnapshotPruned", "ControlPlaneSnapshot " + doomed.getMetadata().getName()
                        + " deleted by retention (keeping " + config.snapshot().retentionCount() + " per payload)");
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("retention for %s/%s: %s", namespace, cluster.getMetadata().getName(), e.getMessage());
        }
    }

    /** The rollback points update records still hold ({@link UpdateWatch#holdsSnapshot}). */
    private Set<String> heldByUpdates(String namespace) {
        return client.resources(ControlPlaneUpdate.class).inNamespace(namespace).list().getItems().stream()
                .filter(update -> UpdateWatch.holdsSnapshot(update, config.rollback().window(), Instant.now()))
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
