package dev.hcprollback.webhook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.quarkus.runtime.StartupEvent;

/**
 * Informer caches of what the admission decisions read, so that judging a request costs no call
 * to the API server: HostedClusters, their NodePools and their ControlPlaneSnapshots, the last two
 * indexed by the cluster they belong to.
 */
@ApplicationScoped
public class AdmissionCaches {

    private static final Logger LOG = Logger.getLogger(AdmissionCaches.class);
    private static final String BY_CLUSTER = "by-cluster";

    @Inject
    KubernetesClient client;

    private SharedIndexInformer<HostedCluster> hostedClusters;
    private SharedIndexInformer<NodePool> nodePools;
    private SharedIndexInformer<ControlPlaneSnapshot> snapshots;

    void start(@Observes StartupEvent started) {
        hostedClusters = inform(HostedCluster.class, null);
        nodePools = inform(NodePool.class, pool -> pool.clusterName().orElse(""));
        snapshots = inform(ControlPlaneSnapshot.class,
                snapshot -> snapshot.getSpec() == null ? "" : snapshot.getSpec().getHostedClusterName());
    }

    private <T extends HasMetadata> SharedIndexInformer<T> inform(Class<T> type, Function<T, String> clusterOf) {
        SharedIndexInformer<T> informer = client.resources(type).inAnyNamespace().runnableInformer(0);
        if (clusterOf != null) {
            informer.addIndexers(Map.of(BY_CLUSTER,
                    object -> List.of(clusterKey(object.getMetadata().getNamespace(), clusterOf.apply(object)))));
        }
        // keep retrying a list that fails (CRD not installed yet, API server away): readiness tells
        informer.exceptionHandler((started, failure) -> {
            LOG.warnf("informer for %s: %s", type.getSimpleName(), failure.getMessage());
            return true;
        });
        informer.start();
        return informer;
    }

    @PreDestroy
    void stop() {
        for (SharedIndexInformer<?> informer : informers()) {
            if (informer != null) {
                informer.stop();
            }
        }
    }

    /** Names of the caches that have not finished their first list yet; empty when all are synced. */
    public List<String> unsynced() {
        List<String> pending = new ArrayList<>();
        if (hostedClusters == null || !hostedClusters.hasSynced()) {
            pending.add("hostedclusters");
        }
        if (nodePools == null || !nodePools.hasSynced()) {
            pending.add("nodepools");
        }
        if (snapshots == null || !snapshots.hasSynced()) {
            pending.add("controlplanesnapshots");
        }
        return pending;
    }

    public Optional<HostedCluster> hostedCluster(String namespace, String name) {
        return Optional.ofNullable(hostedClusters.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name)));
    }

    public List<NodePool> nodePoolsOf(String namespace, String clusterName) {
        return nodePools.getIndexer().byIndex(BY_CLUSTER, clusterKey(namespace, clusterName));
    }

    public List<ControlPlaneSnapshot> snapshotsOf(String namespace, String clusterName) {
        return snapshots.getIndexer().byIndex(BY_CLUSTER, clusterKey(namespace, clusterName));
    }

    private List<SharedIndexInformer<?>> informers() {
        List<SharedIndexInformer<?>> all = new ArrayList<>();
        all.add(hostedClusters);
        all.add(nodePools);
        all.add(snapshots);
        return all;
    }

    private static String clusterKey(String namespace, String clusterName) {
        return namespace + "/" + clusterName;
    }
}
