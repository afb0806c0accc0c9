package dev.hcprollback.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The sidecar's one watch per kind, in every namespace: informer caches of HostedClusters, NodePools,
 * ControlPlaneSnapshots, ControlPlaneRollbacks and ControlPlaneUpdates; NodePools, snapshots and update records
 * indexed by the cluster they belong to ({@code <namespace>/<spec.clusterName | spec.hostedClusterName>}),
 * rollbacks by namespace. The webhook
 * judges requests from them and the snapshot controllers decide from them, so that neither asks the API
 * server anything per cluster: a lookup is a map read.
 *
 * <p>A cache that has not finished its first list is unknown, not empty: a reader checks {@link #isSynced}
 * before deciding. What a cache shows may lag the API server by a watch event; readers that act on it (create,
 * delete) decide again from the API server first. Writes never go through here.
 */
@ApplicationScoped
public class ClusterCaches {

    private static final Logger LOG = Logger.getLogger(ClusterCaches.class);
    private static final String BY_CLUSTER = "by-cluster";

    /** The defaults of {@code hcp-rollback.rollback.floors.*}, for tests without Quarkus. */
    public static final String DEFAULT_FLOORS_NAMESPACE = "hcp-rollback";
    public static final String DEFAULT_FLOORS_CONFIG_MAP = "hcp-rollback-rollback-floors";

    private final KubernetesClient client;
    private final String floorsNamespace;
    private final String floorsName;
    /** By kind; empty until {@link #start()}, then never changed (read without a lock on the webhook's path). */
    private volatile Map<Class<?>, SharedIndexInformer<?>> informers = Map.of();

    public ClusterCaches(KubernetesClient client) {
        this(client, DEFAULT_FLOORS_NAMESPACE, DEFAULT_FLOORS_CONFIG_MAP);
    }

    @Inject
    public ClusterCaches(KubernetesClient client, HcpRollbackConfig config) {
        this(client, config.rollback().floors().namespace(), config.rollback().floors().configMap());
    }

    public ClusterCaches(KubernetesClient client, String floorsNamespace, String floorsName) {
        this.client = client;
        this.floorsNamespace = floorsNamespace;
        this.floorsName = floorsName;
    }

    /**
     * Starts the watches (each lists once, then follows events); idempotent. Called once every watched kind is served
     * ({@code dev.hcprollback.CrdGate}), so that a missing CRD is said once rather than by each watch's retries.
     */
    public synchronized void start() {
        if (!informers.isEmpty()) {
            return;
        }
        Map<Class<?>, SharedIndexInformer<?>> started = new LinkedHashMap<>();
        started.put(HostedCluster.class, inform(HostedCluster.class, null));
        started.put(NodePool.class, inform(NodePool.class, pool -> pool.clusterName().orElse("")));
        started.put(ControlPlaneSnapshot.class, inform(ControlPlaneSnapshot.class,
                snapshot -> snapshot.getSpec() == null ? "" : snapshot.getSpec().getHostedClusterName()));
        // indexed by namespace as every fabric8 informer is (Cache.NAMESPACE_INDEX)
        started.put(ControlPlaneRollback.class, inform(ControlPlaneRollback.class, null));
        // not part of readiness (the webhook never reads it): the update watch falls back to the API server
        started.put(ControlPlaneUpdate.class, inform(ControlPlaneUpdate.class,
                update -> update.getSpec() == null ? "" : update.getSpec().getHostedClusterName()));
        // the rollback floors: one ConfigMap of the sidecar's namespace, watched by name (RBAC grants that name only)
        SharedIndexInformer<ConfigMap> floors = client.configMaps().inNamespace(floorsNamespace).withName(floorsName)
                .runnableInformer(0);
        floors.exceptionHandler((isStarted, failure) -> {
            LOG.warnf("informer for ConfigMap %s/%s: %s", floorsNamespace, floorsName, failure.getMessage());
            return true;
        });
        floors.start();
        started.put(ConfigMap.class, floors);
        informers = Map.copyOf(started);
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
    public synchronized void stop() {
        informers.values().forEach(SharedIndexInformer::stop);
    }

    /** Plural names of the caches that have not finished their first list yet; empty when all are synced. */
    public List<String> unsynced() {
        List<String> pending = new ArrayList<>();
        for (Class<? extends HasMetadata> kind : List.of(HostedCluster.class, NodePool.class, ControlPlaneSnapshot.class,
                ControlPlaneRollback.class, ConfigMap.class)) {
            if (!isSynced(kind)) {
                pending.add(HasMetadata.getPlural(kind));
            }
        }
        return pending;
    }

    /** Whether the caches of every kind given have finished their first list (what they hold is complete). */
    @SafeVarargs
    public final boolean isSynced(Class<? extends HasMetadata>... kinds) {
        for (Class<? extends HasMetadata> kind : kinds) {
            SharedIndexInformer<?> informer = informers.get(kind);
            if (informer == null || !informer.hasSynced()) {
                return false;
            }
        }
        return true;
    }

    public Optional<HostedCluster> hostedCluster(String namespace, String name) {
        return Optional.ofNullable(informer(HostedCluster.class).getStore()
                .getByKey(Cache.namespaceKeyFunc(namespace, name)));
    }

    /** NodePools whose {@code spec.clusterName} is {@code clusterName}, in {@code namespace}. */
    public List<NodePool> nodePoolsOf(String namespace, String clusterName) {
        return informer(NodePool.class).getIndexer().byIndex(BY_CLUSTER, clusterKey(namespace, clusterName));
    }

    /** ControlPlaneSnapshots whose {@code spec.hostedClusterName} is {@code clusterName}, in {@code namespace}. */
    public List<ControlPlaneSnapshot> snapshotsOf(String namespace, String clusterName) {
        return informer(ControlPlaneSnapshot.class).getIndexer().byIndex(BY_CLUSTER, clusterKey(namespace, clusterName));
    }

    /** ControlPlaneUpdates whose {@code spec.hostedClusterName} is {@code clusterName}, in {@code namespace}. */
    public List<ControlPlaneUpdate> updatesOf(String namespace, String clusterName) {
        return informer(ControlPlaneUpdate.class).getIndexer().byIndex(BY_CLUSTER, clusterKey(namespace, clusterName));
    }

    /** Every ControlPlaneRollback of {@code namespace}. */
    public List<ControlPlaneRollback> rollbacksIn(String namespace) {
        return informer(ControlPlaneRollback.class).getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
    }

    /** {@code ConfigMap <namespace>/<name>}: where the rollback floors are read from. */
    public String floorsSource() {
        return "ConfigMap " + floorsNamespace + "/" + floorsName;
    }

    /**
     * The {@code data} of the rollback floors ConfigMap: empty when the cache has not listed yet (unknown), an empty
     * map when there is no such ConfigMap.
     */
    public Optional<Map<String, String>> floorsData() {
        SharedIndexInformer<?> informer = informers.get(ConfigMap.class);
        if (informer == null || !informer.hasSynced()) {
            return Optional.empty();
        }
        ConfigMap map = informer(ConfigMap.class).getStore().getByKey(Cache.namespaceKeyFunc(floorsNamespace, floorsName));
        return Optional.of(map == null || map.getData() == null ? Map.of() : Map.copyOf(map.getData()));
    }

    /** How many objects of {@code kind} the cache holds (for the start-up report). */
    public int count(Class<? extends HasMetadata> kind) {
        SharedIndexInformer<?> informer = informers.get(kind);
        return informer == null ? 0 : informer.getStore().listKeys().size();
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> kind) {
        SharedIndexInformer<T> informer = (SharedIndexInformer<T>) informers.get(kind);
        if (informer == null) {
            throw new IllegalStateException("the " + HasMetadata.getPlural(kind) + " cache has not been started");
        }
        return informer;
    }

    private static String clusterKey(String namespace, String clusterName) {
        return namespace + "/" + clusterName;
    }
}
