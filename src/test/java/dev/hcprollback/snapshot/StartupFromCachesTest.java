package dev.hcprollback.snapshot;

import static dev.hcprollback.testing.HostedClusters.tag;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RequestLog;
import dev.hcprollback.testing.RollbackCrds;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The snapshot scheduler and retention starting on a management cluster of many HostedClusters, as after a
 * restart of the sidecar: every cluster reconciled once by the real controller, as the operator SDK does when the
 * sidecar becomes leader, its decisions read from the shared informer caches. What an operator of the management cluster notices: the API server is asked for each kind
 * once, however many clusters there are, and caches that have not listed yet never make the sidecar take a
 * snapshot it already has or delete one a rollback needs. The mock API server has no RBAC and no admission;
 * neither matters to what is counted here.
 */
@EnableKubernetesMockClient(crud = true)
class StartupFromCachesTest {

    static final int CLUSTERS = 40;
    static final String SNAPSHOTS = "/controlplanesnapshots";
    static final String ROLLBACKS = "/controlplanerollbacks";

    static KubernetesClient client;
    static KubernetesMockServer server;

    final RequestLog log = new RequestLog();
    final KubernetesClient sidecar = log.recordingClient(server);
    final HcpRollbackConfig config = config();
    final ClusterCaches caches = new ClusterCaches(sidecar);
    final StartupReconciliation startup = new StartupReconciliation(new SimpleMeterRegistry());
    final ClusterEvents events = new ClusterEvents(sidecar);
    final RetentionRunner retention = new RetentionRunner(sidecar, config, events, caches);
    final SnapshotScheduler scheduler = new SnapshotScheduler(sidecar, config, retention,
            new SnapshotMetrics(new SimpleMeterRegistry()), events, caches, startup);

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    @AfterEach
    void stop() {
        caches.stop();
        sidecar.close();
    }

    static HcpRollbackConfig config() {
        // Quarkus' converter reads durations as the application does ("6h")
        return new SmallRyeConfigBuilder().addDefaultInterceptors().withMapping(HcpRollbackConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of("quarkus.application.version", "test",
                        "hcp-rollback.snapshot.schedule-enabled", "true", "hcp-rollback.snapshot.interval", "6h",
                        "hcp-rollback.snapshot.retention-count", "1"), "test", 500))
                .build().getConfigMapping(HcpRollbackConfig.class);
    }

    /** {@code count} clusters on 4.18.6 in {@code namespace}, each with a verified snapshot of 4.18.6, 4.18.5 and 4.18.4. */
    static void populate(String namespace, int count) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .create();
        ManagementCluster writer = new ManagementCluster(client);
        Instant now = Instant.now();
        for (int c = 0; c < count; c++) {
            String name = String.format(Locale.ROOT, "hc-%03d", c);
            HostedCluster cluster = HostedClusters.onSixAfterFive(name).model();
            cluster.getMetadata().setNamespace(namespace);
            cluster.getMetadata().setResourceVersion(null);
            cluster.getMetadata().setUid(null);
            cluster.getMetadata().setCreationTimestamp(null);
            cluster.getMetadata().setGeneration(null);
            // Available on a Completed 4.18.6: the scheduler would snapshot it if it saw no fresh snapshot
            HostedCluster created = client.resource(cluster).create();
            created.setStatus(cluster.getStatus());
            client.resource(created).updateStatus();
            for (int s = 0; s < 3; s++) {
                String version = "4.18." + (6 - s);
                ControlPlaneSnapshot snapshot = ManagementCluster.verifiedSnapshot(name + "-" + version.replace('.', '-'),
                        name, version, tag(version), null, now.minus(Duration.ofHours(1 + 24L * s)));
                snapshot.getMetadata().setNamespace(namespace);
                writer.record(snapshot);
            }
        }
    }

    /** The caches list, then the start-up: every cluster reconciled once, which the scheduler reports. */
    void startUpOnceListed() {
        caches.start();
        await().atMost(Duration.ofSeconds(120)).until(() -> caches.unsynced().isEmpty());
        startUp();
        assertTrue(startup.isDone(SnapshotScheduler.NAME), "every cluster reconciled once");
    }

    /**
     * What the operator SDK does when the sidecar becomes leader: its informer of HostedClusters has listed, and
     * every cluster in it is reconciled once, here from a pool of threads like the SDK's. The context offers what
     * the scheduler reads from it: the primary cache.
     */
    void startUp() {
        List<HostedCluster> clusters = client.resources(HostedCluster.class).inAnyNamespace().list().getItems();
        Context<HostedCluster> context = context(clusters);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (Future<?> done : pool.invokeAll(clusters.stream().map(c -> (Callable<Object>) () -> scheduler
                    .reconcile(c, context)).toList())) {
                done.get();
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    static Context<HostedCluster> context(List<HostedCluster> clusters) {
        IndexedResourceCache<HostedCluster> cache = (IndexedResourceCache<HostedCluster>) Proxy.newProxyInstance(
                IndexedResourceCache.class.getClassLoader(), new Class<?>[] { IndexedResourceCache.class },
                (proxy, method, args) -> switch (method.getName()) {
                    case "list" -> clusters.stream();
                    case "get" -> clusters.stream().filter(c -> ResourceID.fromResource(c).equals(args[0])).findFirst();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (Context<HostedCluster>) Proxy.newProxyInstance(Context.class.getClassLoader(),
                new Class<?>[] { Context.class }, (proxy, method, args) -> {
                    if (method.getName().equals("getPrimaryCache")) {
                        return cache;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    long lists(String namespacePart, String plural) {
        return log.count("GET", path -> path.contains(namespacePart) && path.endsWith(plural), body -> true);
    }

    long writes(String method, String plural) {
        return log.count(method, path -> path.contains(plural), body -> true);
    }

    @Test
    void aRestartOnABusyManagementClusterListsEachKindOnceNotOncePerCluster() {
        String namespace = "busy";
        populate(namespace, CLUSTERS);
        startUpOnceListed();
        // every cluster was looked at and none needed anything: fresh snapshots, one per payload
        assertEquals(0, writes("POST", SNAPSHOTS), "no snapshot taken again");
        assertEquals(0, writes("DELETE", SNAPSHOTS), "no snapshot deleted");
        // the caches' one list per kind, in all namespaces; nothing per cluster or per namespace
        assertEquals(0, lists("/namespaces/" + namespace + "/", SNAPSHOTS), "snapshots listed per namespace");
        assertEquals(0, lists("/namespaces/" + namespace + "/", ROLLBACKS), "rollbacks listed per namespace");
        long snapshotLists = lists("/v1alpha1/controlplanesnapshots", SNAPSHOTS);
        long rollbackLists = lists("/v1alpha1/controlplanerollbacks", ROLLBACKS);
        assertTrue(snapshotLists >= 1 && snapshotLists <= 2, "cluster-wide lists of snapshots: " + snapshotLists);
        assertTrue(rollbackLists >= 1 && rollbackLists <= 2, "cluster-wide lists of rollbacks: " + rollbackLists);
        assertEquals(3 * CLUSTERS, client.resources(ControlPlaneSnapshot.class).inNamespace(namespace).list().getItems()
                .size());
    }

    @Test
    void cachesThatHaveNotListedYetDecideNothing() {
        String namespace = "unlisted";
        populate(namespace, 1);
        HostedCluster cluster = client.resources(HostedCluster.class).inNamespace(namespace).withName("hc-000").get();
        assertEquals(java.util.Optional.empty(), SnapshotScheduler.notSettled(cluster), "a cluster the scheduler looks after");
        // retention-count 1 lets an older snapshot of 4.18.6 go, unless an unfinished rollback names it, as this one does
        ControlPlaneSnapshot older = ManagementCluster.verifiedSnapshot("hc-000-4-18-6-older", "hc-000", "4.18.6",
                tag("4.18.6"), null, Instant.now().minus(Duration.ofHours(3)));
        older.getMetadata().setNamespace(namespace);
        new ManagementCluster(client).record(older);
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName("hc-000-to-4-18-4").build());
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName("hc-000");
        spec.setToVersion("4.18.4");
        spec.setSnapshotName("hc-000-4-18-6-older");
        rollback.setSpec(spec);
        client.resource(rollback).create();

        // the caches have not listed: an empty cache would look like a cluster without any snapshot
        UpdateControl<HostedCluster> control = scheduler.reconcile(cluster, null);
        assertTrue(control.getScheduleDelay().isPresent(), "looks again once the caches have listed");
        retention.apply(cluster);
        assertEquals(0, log.count("GET", path -> true, body -> true) + writes("POST", SNAPSHOTS)
                + writes("DELETE", SNAPSHOTS), "nothing asked, created or deleted before the caches listed");

        startUpOnceListed();
        assertEquals(0, writes("POST", SNAPSHOTS), "no second snapshot of 4.18.6");
        assertEquals(0, writes("DELETE", SNAPSHOTS), "the snapshot the rollback names stays");
        assertEquals(List.of("hc-000-4-18-4", "hc-000-4-18-5", "hc-000-4-18-6", "hc-000-4-18-6-older"),
                client.resources(ControlPlaneSnapshot.class).inNamespace(namespace).list().getItems().stream()
                        .map(s -> s.getMetadata().getName()).sorted().toList());
    }
}
