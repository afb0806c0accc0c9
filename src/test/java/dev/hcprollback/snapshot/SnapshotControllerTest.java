package dev.hcprollback.snapshot;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.eligibility.SnapshotPayloads;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ManagedEtcd;
import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.testing.Clusters;
import dev.hcprollback.testing.ManagementCluster;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** The controllers against the mock API server, a real TLS etcd and s3proxy. */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
@QuarkusTestResource(value = SnapshotTestServers.class, restrictToAnnotatedClass = true)
class SnapshotControllerTest {

    static final Duration WAIT = Duration.ofSeconds(90);
    /** The only namespace the snapshot controllers watch in tests (src/test/resources/application.properties). */
    static final String NAMESPACE = "snapshot-controller-test";

    @Inject
    KubernetesClient client;

    @Inject
    SnapshotMetrics metrics;

    @Inject
    SnapshotReconciler reconciler;

    @Inject
    EtcdAccessPolicy accessPolicy;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @Inject
    dev.hcprollback.config.HcpRollbackConfig config;

    S3SnapshotStore bucket() {
        return new S3SnapshotStore(SnapshotTestServers.s3.client(), SnapshotTestServers.s3.presigner(),
                SnapshotTestServers.BUCKET, Optional.empty(), 5 * 1024 * 1024);
    }

    HostedCluster createCluster(String name, boolean available) {
        return createCluster(name, available, List.of());
    }

    /** @param shards etcd shards on PersistentVolumes (TechPreview EtcdSharding), besides an EmptyDir one */
    HostedCluster createCluster(String name, boolean available, List<String> shards) {
        HostedCluster cluster = Clusters.available(NAMESPACE, name, "4.18.6", "4.18.5");
        if (!shards.isEmpty()) {
            ManagedEtcd.Spec etcd = new ManagedEtcd.Spec();
            etcd.managementType = ManagedEtcd.MANAGED;
            etcd.managed = new ManagedEtcd.Managed();
            etcd.managed.shards = new java.util.ArrayList<>();
            for (String shardName : shards) {
                ManagedEtcd.Shard shard = new ManagedEtcd.Shard();
                shard.name = shardName;
                etcd.managed.shards.add(shard);
            }
            ManagedEtcd.Shard memory = new ManagedEtcd.Shard();
            memory.name = "scratch";
            memory.storage = new ManagedEtcd.Storage();
            memory.storage.type = ManagedEtcd.EMPTY_DIR;
            etcd.managed.shards.add(memory);
            cluster.getSpec().setEtcd(etcd);
        }
        if (!available) {
            cluster.getStatus().setConditions(List.of(new ConditionBuilder().withType("Available").withStatus("False")
                    .withReason("Testing").withLastTransitionTime("2026-11-20T12:00:00Z").build()));
        }
        var status = cluster.getStatus();
        cluster.getMetadata().setUid(null);
        HostedCluster created = client.resource(cluster).create();
        created.setStatus(status);
        return client.resource(created).updateStatus();
    }

    void createCredentials(String controlPlane) {
        new ManagementCluster(client).recordEtcdCredentials(controlPlane, SnapshotTestServers.pki);
    }

    ControlPlaneSnapshot manual(String cluster, String name) {
        ControlPlaneSnapshot snapshot = new ControlPlaneSnapshot();
        snapshot.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(name).build());
        snapshot.setSpec(new ControlPlaneSnapshotSpec(cluster, SnapshotReason.Manual));
        return client.resource(snapshot).create();
    }

    ControlPlaneSnapshot get(String name) {
        return client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).withName(name).get();
    }

    ControlPlaneSnapshot awaitVerified(String name) {
        await().atMost(WAIT).until(() -> get(name) != null && get(name).isVerified());
        return get(name);
    }

    /** The reconciler's log lines, as the console handler would print them. */
    static final List<String> LOG = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final java.util.logging.Logger RECONCILER_LOG = java.util.logging.Logger.getLogger(SnapshotReconciler.class.getName());

    static {
        RECONCILER_LOG.addHandler(new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                LOG.add(record.getLevel() + " " + new java.util.logging.SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    static List<String> logLines(String start) {
        return LOG.stream().filter(line -> line.contains(start)).toList();
    }

    List<Event> events(String cluster, String reason) {
        return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> cluster.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    /** The alert HcpRollbackSnapshotTooOld compares with this gauge, so the rule holds no copy of the setting. */
    @Test
    void theAllowedAgeOfTheNewestSnapshotFollowsTheConfiguredInterval() {
        var allowed = registry.find("hcp_rollback_snapshot_allowed_age_seconds").gauge();
        assertNotNull(allowed, "exported from the start when scheduled snapshots are on");
        assertEquals(2 * config.snapshot().interval().toSeconds(), allowed.value());
    }

    @Test
    void anAvailableCompletedClusterGetsAVerifiedScheduledSnapshot() throws Exception {
        HostedCluster cluster = createCluster("alpha", true);
        createCredentials(cluster.controlPlaneNamespace());

        await().atMost(WAIT).until(() -> client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).list()
                .getItems().stream().anyMatch(s -> s.belongsTo(cluster) && s.isVerified()));
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).list()
                .getItems().stream().filter(s -> s.belongsTo(cluster)).findFirst().orElseThrow();

        assertEquals(SnapshotReason.Scheduled, snapshot.getSpec().getReason());
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
        assertEquals(Clusters.image("4.18.6"), status.getReleaseImage());
        assertEquals("4.18.6", status.getVersion());
        assertEquals("4.18.6", status.getReleaseVersion());
        assertEquals(cluster.getMetadata().getUid(), status.getHostedClusterUid(), "the uid of the cluster snapshotted");
        assertTrue(SnapshotPayloads.backs(snapshot, cluster));
        assertTrue(status.getEtcdRevision() > 0);
        assertTrue(status.getSizeBytes() > 0);
        // what a restore writes on a member's volume: the snapshot as etcd sent it (stored as is here)
        assertEquals(status.getSizeBytes(), status.getEtcdSizeBytes());
        assertEquals(64, status.getSha256().length());
        assertTrue(status.getLocation().startsWith("s3://" + SnapshotTestServers.BUCKET + "/hcp/" + NAMESPACE + "/alpha/4.18.6/"),
                status.getLocation());
        assertTrue(snapshot.getMetadata().getFinalizers().stream().anyMatch(f -> f.contains("controlplanesnapshot")),
                "finalizer " + snapshot.getMetadata().getFinalizers());
        assertEquals("True", status.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst()
                .orElseThrow().getStatus());
        assertTrue(bucket().exists(status.getObjectKey()));
        assertTrue(bucket().exists(SnapshotKeys.manifestKey(status.getObjectKey())));

        assertEquals(1, events("alpha", "SnapshotVerified").size());
        List<String> outcome = logLines("snapshot succeeded: cluster=" + NAMESPACE + "/alpha snapshot=" + snapshot.getMetadata().getName() + " ");
        assertEquals(1, outcome.size(), "one line for the outcome: " + LOG);
        assertTrue(outcome.get(0).matches("INFO snapshot succeeded: .* trigger=Scheduled duration=\\d+\\.\\d{3}s size="
                + status.getSizeBytes() + " version=4\\.18\\.6 revision=" + status.getEtcdRevision() + " location=s3://.*"), outcome.get(0));
        assertNull(client.network().v1().networkPolicies().inNamespace(cluster.controlPlaneNamespace())
                .withName(EtcdAccessPolicy.NAME).get(), "the NetworkPolicy goes once no snapshot runs");

        assertNotNull(registry.find("hcp_rollback_snapshot_newest_verified_age_seconds").tag(ClusterSeries.NAME, "alpha").gauge());
        assertTrue(registry.find("hcp_rollback_snapshot_bytes_total").counter() != null
                || registry.find("hcp_rollback_snapshot_bytes").counter() != null);

        // the cluster reaches a new Completed version: a snapshot of the new payload follows at once
        HostedCluster updated = client.resources(HostedCluster.class).inNamespace(NAMESPACE).withName("alpha").get();
        updated.getSpec().getRelease().setImage(Clusters.image("4.18.7"));
        updated = client.resource(updated).update();
        updated.getStatus().getVersion().getHistory().add(0, new dev.hcprollback.hypershift.UpdateHistory(
                dev.hcprollback.hypershift.UpdateHistory.COMPLETED, "4.18.7", Clusters.image("4.18.7"),
                "2026-11-20T13:00:00Z", "2026-11-20T13:40:00Z"));
        client.resource(updated).updateStatus();
        await().atMost(WAIT).until(() -> client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).list()
                .getItems().stream().anyMatch(s -> s.belongsTo(cluster) && s.isVerified()
                        && "4.18.7".equals(s.getStatus().getVersion())));
        // each payload fresh: nothing more is created
        assertEquals(2, client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).list().getItems().stream()
                .filter(s -> s.belongsTo(cluster)).count());
    }

    /**
     * EtcdSharding: a snapshot of a cluster with a PersistentVolume shard is one set, recorded on status.shards and
     * verified only with every member. Shard "events" is reached through hcp-rollback.snapshot.etcd.shard-endpoints
     * (the test etcd stands for it; SnapshotTakerTest takes a set of distinct etcds); the EmptyDir shard is left out.
     */
    @Test
    void aShardedClustersSnapshotRecordsItsShardsTogetherAndDeletionRemovesThemAll() {
        HostedCluster cluster = createCluster("sigma", false, List.of("events"));
        createCredentials(cluster.controlPlaneNamespace());
        manual("sigma", "sigma-set");
        ControlPlaneSnapshotStatus status = awaitVerified("sigma-set").getStatus();

        assertEquals(1, status.getShards().size(), "the PersistentVolume shard only: " + status.getShards());
        SnapshotShard events = status.getShards().get(0);
        assertEquals("events", events.getName());
        assertTrue(events.getVerified());
        assertEquals(SnapshotKeys.shardKey(status.getObjectKey(), "events"), events.getObjectKey());
        assertTrue(bucket().exists(events.getObjectKey()));
        assertTrue(events.getSizeBytes() > 0 && events.getEtcdRevision() > 0 && events.getSha256().length() == 64);
        assertTrue(status.getMessage().contains("with the etcd shards events (revision "), status.getMessage());

        client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).withName("sigma-set").delete();
        await().atMost(WAIT).until(() -> get("sigma-set") == null);
        assertEquals(List.of(), bucket().list("hcp/" + NAMESPACE + "/sigma/"), "every object of the set went");
    }

    /** A shard whose endpoint cannot be derived fails the whole set naming it, and nothing of the set stays stored. */
    @Test
    void aShardWithoutAnEndpointFailsTheSnapshotNamingIt() {
        HostedCluster cluster = createCluster("tau", false, List.of("leases"));
        createCredentials(cluster.controlPlaneNamespace());
        manual("tau", "tau-set");
        await().atMost(WAIT).until(() -> "EtcdUnreachable".equals(failureReason("tau-set")));

        ControlPlaneSnapshotStatus status = get("tau-set").getStatus();
        assertTrue(status.getMessage().startsWith("etcd shard leases: no endpoint: hcp-rollback.snapshot.etcd.endpoint"),
                status.getMessage());
        assertFalse(get("tau-set").isVerified());
        assertEquals(null, status.getShards());
        assertEquals(List.of(), bucket().list("hcp/" + NAMESPACE + "/tau/"));
    }

    String failureReason(String name) {
        ControlPlaneSnapshot snapshot = get(name);
        return snapshot == null || snapshot.getStatus() == null ? null : snapshot.getStatus().getFailureReason();
    }

    @Test
    void etcdDownAndBucketDownEndInReadableFailuresThenALaterSuccessWithoutExtraObjects() {
        HostedCluster cluster = createCluster("zeta", false);
        createCredentials(cluster.controlPlaneNamespace());

        SnapshotTestServers.etcd.stop();
        try {
            manual("zeta", "zeta-etcd");
            await().atMost(WAIT).until(() -> "EtcdUnreachable".equals(failureReason("zeta-etcd")));
            assertTrue(get("zeta-etcd").getStatus().getMessage().startsWith("etcd at https://127.0.0.1:"),
                    get("zeta-etcd").getStatus().getMessage());
        } finally {
            SnapshotTestServers.etcd.start();
        }
        awaitVerified("zeta-etcd");

        SnapshotTestServers.s3.stop();
        try {
            manual("zeta", "zeta-bucket");
            await().atMost(WAIT).until(() -> "StorageUnavailable".equals(failureReason("zeta-bucket")));
            assertTrue(get("zeta-bucket").getStatus().getMessage().startsWith("S3 bucket " + SnapshotTestServers.BUCKET
                    + ": could not"), get("zeta-bucket").getStatus().getMessage());
        } finally {
            SnapshotTestServers.s3.start();
        }
        awaitVerified("zeta-bucket");

        assertEquals(2, client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).list().getItems().stream()
                .filter(s -> s.belongsTo(cluster)).count(), "retries reuse their object");
        assertEquals(4, bucket().list("hcp/" + NAMESPACE + "/zeta/").size(), "two snapshots and two manifests, no leftovers");
    }

    @Test
    void theConcurrencyLimitMakesSnapshotsWait() {
        HostedCluster cluster = createCluster("delta", false);
        createCredentials(cluster.controlPlaneNamespace());
        int slots = reconciler.slots().drainPermits();
        assertTrue(slots > 0);
        try {
            manual("delta", "delta-waiting");
            await().atMost(WAIT).until(() -> get("delta-waiting").getStatus() != null
                    && get("delta-waiting").getStatus().getPhase() == SnapshotPhase.Pending);
            assertTrue(get("delta-waiting").getStatus().getMessage().startsWith("waiting for a free slot: 2 snapshots"),
                    get("delta-waiting").getStatus().getMessage());
        } finally {
            reconciler.slots().release(slots);
        }
        awaitVerified("delta-waiting");
    }

    @Test
    void theEtcdNetworkPolicyAdmitsTheSidecarWhileNeeded() {
        accessPolicy.acquire("clusters-epsilon");
        accessPolicy.acquire("clusters-epsilon");
        var policy = client.network().v1().networkPolicies().inNamespace("clusters-epsilon").withName(EtcdAccessPolicy.NAME)
                .get();
        assertNotNull(policy);
        var etcdPods = policy.getSpec().getPodSelector().getMatchExpressions().get(0);
        assertEquals(List.of("app", "In", List.of("etcd")), List.of(etcdPods.getKey(), etcdPods.getOperator(),
                etcdPods.getValues()), "the default etcd's pods only: no other pod of the namespace is isolated");
        assertEquals(2379, policy.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal());
        assertEquals(Map.of("kubernetes.io/metadata.name", "hcp-rollback"),
                policy.getSpec().getIngress().get(0).getFrom().get(0).getNamespaceSelector().getMatchLabels());
        // a snapshot of a sharded cluster widens it to its shards' pods, and a reader of the default etcd beside it
        // does not narrow it while that snapshot runs
        accessPolicy.acquire("clusters-epsilon", List.of("etcd", "etcd-events"));
        accessPolicy.acquire("clusters-epsilon");
        assertEquals(List.of("etcd", "etcd-events"), client.network().v1().networkPolicies().inNamespace("clusters-epsilon")
                .withName(EtcdAccessPolicy.NAME).get().getSpec().getPodSelector().getMatchExpressions().get(0).getValues());
        accessPolicy.release("clusters-epsilon");
        accessPolicy.release("clusters-epsilon");
        accessPolicy.release("clusters-epsilon");
        assertNotNull(client.network().v1().networkPolicies().inNamespace("clusters-epsilon")
                .withName(EtcdAccessPolicy.NAME).get(), "still in use by a second snapshot");
        accessPolicy.release("clusters-epsilon");
        assertNull(client.network().v1().networkPolicies().inNamespace("clusters-epsilon")
                .withName(EtcdAccessPolicy.NAME).get());
    }

    @Test
    void aMissingCertificateFailsReadablyAndALaterAttemptSucceedsThenDeletionRemovesTheObjects() {
        HostedCluster cluster = createCluster("beta", false);
        manual("beta", "beta-manual");

        await().atMost(WAIT).until(() -> "CredentialsMissing".equals(get("beta-manual").getStatus() == null ? null
                : get("beta-manual").getStatus().getFailureReason()));
        ControlPlaneSnapshotStatus failed = get("beta-manual").getStatus();
        assertEquals(SnapshotPhase.Failed, failed.getPhase());
        assertTrue(failed.getMessage().startsWith("etcd client certificate missing: Secret " + NAMESPACE + "-beta/etcd-client-tls "
                + "not found; ConfigMap " + NAMESPACE + "-beta/etcd-ca not found (attempt "), failed.getMessage());
        assertNotNull(failed.getNextAttemptTime());
        List<String> outcome = logLines("snapshot failed: cluster=" + NAMESPACE + "/beta snapshot=beta-manual trigger=Manual duration=");
        assertTrue(outcome.get(0).matches("WARN snapshot failed: .* duration=\\d+\\.\\d{3}s reason=CredentialsMissing attempt=1/20: "
                + "etcd client certificate missing: .*"), outcome.get(0));
        assertTrue(metrics.failures(SnapshotFailure.Reason.CredentialsMissing) >= 1);
        await().atMost(WAIT).until(() -> !events("beta", "SnapshotFailed").isEmpty());

        createCredentials(cluster.controlPlaneNamespace());
        ControlPlaneSnapshot verified = awaitVerified("beta-manual");
        assertNull(verified.getStatus().getFailureReason());
        String key = verified.getStatus().getObjectKey();
        assertTrue(bucket().exists(key));

        client.resource(verified).delete();
        await().atMost(WAIT).until(() -> get("beta-manual") == null);
        assertEquals(List.of(), bucket().list("hcp/" + NAMESPACE + "/beta/"), "the finalizer removed snapshot and manifest");
    }

    @Test
    void retentionKeepsTheNewestVerifiedSnapshotsOfAPayload() {
        HostedCluster cluster = createCluster("gamma", false);
        createCredentials(cluster.controlPlaneNamespace());
        for (String name : List.of("gamma-1", "gamma-2", "gamma-3")) {
            manual("gamma", name);
            awaitVerified(name);
        }
        // retention-count is 2 in the tests: the oldest goes, with its objects
        await().atMost(WAIT).until(() -> get("gamma-1") == null);
        assertNotNull(get("gamma-2"));
        assertNotNull(get("gamma-3"));
        await().atMost(WAIT).until(() -> bucket().list("hcp/" + NAMESPACE + "/gamma/").size() == 4);
    }
}
