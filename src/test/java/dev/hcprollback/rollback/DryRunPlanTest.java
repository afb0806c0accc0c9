package dev.hcprollback.rollback;

import static dev.hcprollback.testing.LocalEtcd.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.KindCount;
import dev.hcprollback.api.NewerNodePool;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.rollback.etcd.KeyChanges;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.LocalEtcd;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * A dry run stops at Planned with the plan, and its data-loss window is counted in a real etcd: keys
 * are written after the snapshot's revision and the keys-only range reads of {@link KeyChanges} must
 * find exactly those, by resource.
 */
@EnableKubernetesMockClient(crud = true)
class DryRunPlanTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    private static void put(KV kv, String key) throws Exception {
        kv.put(bytes(key), bytes("x")).get(30, TimeUnit.SECONDS);
    }

    @Test
    void planCountsTheKeysWrittenAfterTheSnapshotAndChangesNothing() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.single(dir.resolve("etcd")); Client etcdClient = etcd.client()) {
            KV kv = etcdClient.getKVClient();
            for (int i = 0; i < 10; i++) {
                put(kv, "/kubernetes.io/pods/app/pod-" + i);
                put(kv, "/kubernetes.io/configmaps/app/cm-" + i);
            }
            put(kv, "/kubernetes.io/hypershift.openshift.io/nodepools/clusters/workers");
            long snapshotRevision = kv.get(bytes("/kubernetes.io/pods/app/pod-0")).get(30, TimeUnit.SECONDS).getHeader()
                    .getRevision();
            // after the snapshot: 3 new pods, 2 changed config maps, 1 lease, 1 new route, 1 custom resource
            // changed, 2 pods deleted
            for (int i = 10; i < 13; i++) {
                put(kv, "/kubernetes.io/pods/app/pod-" + i);
            }
            put(kv, "/kubernetes.io/configmaps/app/cm-3");
            put(kv, "/kubernetes.io/configmaps/app/cm-4");
            put(kv, "/kubernetes.io/leases/kube-node-lease/node-a");
            put(kv, "/openshift.io/routes/app/web");
            put(kv, "/kubernetes.io/hypershift.openshift.io/nodepools/clusters/workers");
            kv.delete(bytes("/kubernetes.io/pods/app/pod-1")).get(30, TimeUnit.SECONDS);
            kv.delete(bytes("/kubernetes.io/pods/app/pod-2")).get(30, TimeUnit.SECONDS);
            long now = kv.get(bytes("/kubernetes.io/pods/app/pod-0")).get(30, TimeUnit.SECONDS).getHeader().getRevision();

            RollbackWorld world = new RollbackWorld(client, server, "dry-run", "payments").create();
            ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace("dry-run")
                    .withName(world.snapshotName()).get();
            snapshot.getStatus().setEtcdRevision(snapshotRevision);
            client.resource(snapshot).updateStatus();
            nodePool(world, "workers-new", HostedClusters.tag("4.18.6"));
            nodePool(world, "workers-old", HostedClusters.tag("4.18.5"));
            world.etcd = (controlPlaneNamespace, revision) -> KeyChanges.since(kv, revision, Duration.ofSeconds(30));

            ControlPlaneRollback rollback = world.runToEnd(world.driver(),
                    world.requestRollback("payments-to-4-18-5-plan", RollbackStrategy.RestoreEtcd, true));

            ControlPlaneRollbackStatus status = rollback.getStatus();
            assertEquals(RollbackPhase.Planned, status.getPhase(), status.getMessage());
            RollbackPlan plan = status.getPlan();
            assertEquals("4.18.6", plan.getFromVersion());
            assertEquals("4.18.5", plan.getToVersion());
            assertEquals(HostedClusters.tag("4.18.6"), plan.getFromReleaseImage());
            assertEquals(HostedClusters.tag("4.18.5"), plan.getToReleaseImage());
            assertEquals(world.snapshotName(), plan.getSnapshot());
            assertEquals(List.of("Pause", "Stage", "Quiesce", "Swap", "StartEtcd", "Revert", "Resume", "Verify"), plan.getSteps());
            // the preflight checklist is in the plan, each item with its figures
            assertEquals(List.of("volumeCapacity/data-etcd-0", "volumeCapacity/data-etcd-1", "volumeCapacity/data-etcd-2",
                    "fetchImage", "restoreImage", "snapshotObject", "revisionHeadroom", "revisionBump", "encryptionKey",
                    "revertAdmission", "hyperShiftAcceptsRevert", "nodePoolSkew"),
                    plan.getPreflight().stream().map(PreflightCheck::getName).toList());
            plan.getPreflight().forEach(check -> assertTrue(check.passed(), check.toString()));
            assertTrue(plan.getPreflight().get(0).getDetail().startsWith("needs "), plan.getPreflight().get(0).getDetail());
            String nodePoolSkew = plan.getPreflight().stream().filter(c -> c.getName().equals("nodePoolSkew")).findFirst()
                    .orElseThrow().getDetail();
            assertTrue(nodePoolSkew.contains("workers-new (4.18.6)"), nodePoolSkew);
            assertTrue(plan.getExpectedDowntime().contains("while the control plane serves"), plan.getExpectedDowntime());
            String fetchImage = plan.getPreflight().stream().filter(c -> c.getName().equals("fetchImage")).findFirst()
                    .orElseThrow().getDetail();
            assertTrue(fetchImage.startsWith(RollbackSettings.DEFAULT_FETCH_IMAGE + " (from hcp-rollback.rollback.fetch-image) "
                    + "was pulled and ran beside the etcd members"), fetchImage);
            assertEquals(RollbackSettings.DEFAULT_FETCH_IMAGE, plan.getFetchImage(), "the plan decides the stage Jobs' image");
            assertTrue(status.getMessage().contains("Preflight: all 12 items pass."), status.getMessage());
            DataLossWindow loss = plan.getDataLoss();
            assertEquals(snapshotRevision, loss.getSnapshotRevision());
            assertEquals(now, loss.getCurrentRevision());
            assertEquals(snapshot.getStatus().getCompletionTime(), loss.getSnapshotTime());
            assertEquals(8L, loss.getKeysChanged());
            assertEquals(Map.of("pods", 3L, "configmaps", 2L, "leases", 1L, "openshift.io:routes", 1L,
                    "hypershift.openshift.io/nodepools", 1L),
                    loss.getKeysChangedByResource().stream().collect(Collectors.toMap(KindCount::getResource, KindCount::getCount)));
            assertEquals(2L, loss.getKeysDeleted());
            assertEquals(List.of("workers-new"), plan.getNodePoolsStayingNewer().stream().map(NewerNodePool::getName).toList());
            assertTrue(status.getMessage().contains("8 keys changed"), status.getMessage());
            assertTrue(status.getMessage().contains("Dry run: nothing was changed."), status.getMessage());
            assertTrue(status.getSteps().isEmpty());
            // nothing but the record's own status, the probe of the restore image (a Job without a volume) and the
            // measures of the volumes (each mounts its volume read-only) was written; the revert patch went as a dry
            // run only
            assertEquals(0, world.log.count("PATCH", p -> true, b -> true));
            assertEquals(1, world.log.countDryRuns("PATCH", p -> p.endsWith("/hostedclusters/payments")));
            assertEquals(0, world.log.count("POST", p -> !p.endsWith("/events"),
                    b -> !b.contains("hcp-rollback-probe") && !(b.contains("hcp-rollback-measure") && b.contains("\"readOnly\":true"))));
            assertEquals("4.18.6", world.cluster().versionHistory().get(0).getVersion());
            assertNull(world.cluster().getSpec().getPausedUntil());

            // once etcd compacts the snapshot's revision, the deletions can no longer be counted, the changes can
            etcdClient.getKVClient().compact(now).get(30, TimeUnit.SECONDS);
            DataLossWindow compacted = KeyChanges.since(kv, snapshotRevision, Duration.ofSeconds(30));
            assertEquals(8L, compacted.getKeysChanged());
            assertNull(compacted.getKeysDeleted());
            assertTrue(compacted.getNote().contains("compacted"), compacted.getNote());
        }
    }

    /** The plan applies the rollback floor as the webhook does: a dry run below it stops before anything, saying why. */
    @Test
    void aDryRunBelowTheRollbackFloorIsRefusedByThePlanAndAMalformedFloorToo() {
        for (Map.Entry<String, String> floor : Map.of("4.18.6", "[below-rollback-floor] 4.18.5 is below the rollback floor"
                + " of 4.18, 4.18.6 (ConfigMap hcp-rollback/hcp-rollback-rollback-floors)", "4.18.six",
                "[rollback-floor-invalid] the rollback floor of 4.18 (ConfigMap hcp-rollback/hcp-rollback-rollback-floors)"
                        + " cannot be read").entrySet()) {
            RollbackWorld world = new RollbackWorld(client, server, "floor-" + floor.getKey().replace('.', '-'), "payments")
                    .create();
            world.floors = dev.hcprollback.eligibility.RollbackFloors.parse(
                    "ConfigMap hcp-rollback/hcp-rollback-rollback-floors", Map.of("4.18", floor.getKey()));
            ControlPlaneRollback rollback = world.runToEnd(world.driver(),
                    world.requestRollback("payments-to-4-18-5-plan", RollbackStrategy.RestoreEtcd, true));
            ControlPlaneRollbackStatus status = rollback.getStatus();
            assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
            assertEquals("NotEligible", status.getFailureReason());
            assertTrue(status.getMessage().contains(floor.getValue()), status.getMessage());
            assertEquals(0, world.log.count("PATCH", p -> true, b -> true), "nothing changed");
        }
    }

    /**
     * The snapshot was taken with the fixture's AWS KMS key; a rotation since replaced it (HyperShift re-encrypted and
     * no longer configures the old key): the plan's preflight item encryptionKey fails, naming both keys.
     */
    @Test
    void aSnapshotWhoseEncryptionKeyWasRotatedAwayIsRefusedByThePreflight() throws Exception {
        RollbackWorld world = new RollbackWorld(client, server, "rotated-key", "payments").create();
        HostedCluster cluster = world.cluster();
        String oldKey = cluster.getSpec().getSecretEncryption().kms.aws.activeKey.arn;
        cluster.getSpec().getSecretEncryption().kms.aws.activeKey.arn = oldKey + "-rotated";
        client.resource(cluster).update();

        ControlPlaneRollback rollback = world.runToEnd(world.driver(),
                world.requestRollback("payments-to-4-18-5-rotated", RollbackStrategy.RestoreEtcd, true));

        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertTrue(status.getMessage().contains("A rollback would be refused now"), status.getMessage());
        PreflightCheck key = status.getPlan().getPreflight().stream().filter(c -> c.getName().equals("encryptionKey"))
                .findFirst().orElseThrow();
        assertFalse(key.passed(), key.toString());
        assertTrue(key.getDetail().contains("AWS KMS key " + oldKey + ", which the hosted API server no longer has"),
                key.getDetail());
    }

    /**
     * A sharded cluster (TechPreview EtcdSharding): the snapshot holds the default etcd only, so the plan's preflight
     * item etcdShards fails, naming each shard, its storage and the resources it holds, and nothing is touched.
     */
    @Test
    void aSnapshotWithoutTheClustersEtcdShardsIsRefusedByThePreflight() throws Exception {
        RollbackWorld world = new RollbackWorld(client, server, "sharded", "payments").create();
        HostedCluster cluster = world.cluster();
        cluster.getSpec().setEtcd(HostedClusters.JSON.treeToValue(HostedClusters.of(cluster).withEtcdShards(
                HostedClusters.shard("events", 3, "PersistentVolume", "/events"),
                HostedClusters.shard("leases", 1, "EmptyDir", "coordination.k8s.io/leases")).json().at("/spec/etcd"),
                dev.hcprollback.hypershift.ManagedEtcd.Spec.class));
        client.resource(cluster).update();

        ControlPlaneRollback rollback = world.runToEnd(world.driver(),
                world.requestRollback("payments-to-4-18-5-sharded", RollbackStrategy.RestoreEtcd, true));

        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertTrue(status.getMessage().contains("A rollback would be refused now"), status.getMessage());
        PreflightCheck shards = status.getPlan().getPreflight().stream().filter(c -> c.getName().equals("etcdShards"))
                .findFirst().orElseThrow();
        assertFalse(shards.passed(), shards.toString());
        assertTrue(shards.getDetail().contains("not the etcd shards etcd-events (PersistentVolume, 3 members; holds events)")
                && shards.getDetail().contains("etcd-leases (EmptyDir in memory, 1 member; holds coordination.k8s.io/leases)"),
                shards.getDetail());
        assertEquals(3, world.replicasOf("kube-apiserver"), "nothing touched");
    }

    private static void nodePool(RollbackWorld world, String name, String image) {
        NodePool pool = new NodePool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(world.namespace).build());
        NodePool.Spec spec = new NodePool.Spec();
        spec.setClusterName(world.clusterName);
        spec.setRelease(Release.of(image));
        pool.setSpec(spec);
        world.client.resource(pool).create();
    }
}
