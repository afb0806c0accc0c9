package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RecordedReplicas;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.hypershift.ManagedEtcd;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * A rollback of a cluster with etcd shards (TechPreview EtcdSharding), driven step by step against the mock API server
 * with the HyperShift simulator running the shards' StatefulSets, pods and volumes: "events" on PersistentVolumes with 3
 * members, "leases" on PersistentVolumes (storage unset) with 1, "scratch" in memory (EmptyDir).
 */
@EnableKubernetesMockClient(crud = true)
class ShardedRollbackTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    private static RollbackWorld sharded(String namespace, String... leftOutOfTheSet) {
        RollbackWorld world = new RollbackWorld(client, server, namespace, "payments");
        world.etcdShards.add(HostedClusters.shard("events", 3, "PersistentVolume", "/events"));
        world.etcdShards.add(HostedClusters.shard("leases", 1, null, "coordination.k8s.io/leases"));
        world.etcdShards.add(HostedClusters.shard("scratch", 1, "EmptyDir", "/pods"));
        world.shardsLeftOutOfTheSet.addAll(List.of(leftOutOfTheSet));
        return world.create();
    }

    private static EtcdCluster shard(RollbackWorld world, String name) {
        ManagedEtcd.Shard shard = world.cluster().etcdShards().stream().filter(s -> s.name.equals(name)).findFirst().orElseThrow();
        return new EtcdCluster(shard);
    }

    @Test
    void aShardedClusterIsRolledBackWhole() {
        RollbackWorld world = sharded("sharded-whole");
        String cp = world.controlPlaneNamespace();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);

        ControlPlaneRollback done = world.runToEnd(world.driver(), rollback);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Succeeded, status.getPhase(), status.getMessage());
        // every etcd recorded, stopped and given back at its replicas, the EmptyDir shard too
        Map<String, Integer> etcd = status.getRecordedReplicas().stream()
                .filter(r -> RecordedReplicas.STATEFUL_SET.equals(r.getKind()))
                .collect(Collectors.toMap(RecordedReplicas::getName, RecordedReplicas::getReplicas));
        assertEquals(Map.of("etcd", 3, "etcd-events", 3, "etcd-leases", 1, "etcd-scratch", 1), etcd);
        etcd.forEach((set, replicas) -> assertEquals(replicas, client.apps().statefulSets().inNamespace(cp).withName(set)
                .get().getSpec().getReplicas(), set));
        long bump = RollbackSettings.defaults().bumpRevision();
        assertEquals(Map.of("events", world.simulator.shardRevision, "leases", world.simulator.shardRevision),
                status.getShardRevisionsAtQuiesce(), "each restored shard's revision when its writers stopped");

        // each PersistentVolume shard's members staged from that shard's own snapshot in the set, on its own volumes
        for (String name : List.of("events", "leases")) {
            EtcdCluster shard = shard(world, name);
            int members = shard.declaredMembers(0);
            for (int member = 0; member < members; member++) {
                Job stage = client.batch().v1().jobs().inNamespace(cp).withName(RollbackNames.stageJob(done, shard, member)).get();
                assertNotNull(stage, shard.memberName(member));
                Map<String, String> env = env(stage);
                assertTrue(env.get("SNAPSHOT_URL").startsWith("https://bucket.example.com/" + world.snapshotName() + "/" + name
                        + "?"), env.get("SNAPSHOT_URL"));
                assertEquals(RollbackWorld.shardSha256(name), env.get("SNAPSHOT_SHA256"));
                assertEquals(shard.memberName(member), env.get("MEMBER_NAME"));
                assertEquals(shard.peerUrl(cp, member), env.get("PEER_URL"));
                assertTrue(env.get("INITIAL_CLUSTER").startsWith("etcd-" + name + "-0=https://etcd-" + name + "-0.etcd-discovery-"
                        + name + "." + cp + ".svc:2380"), env.get("INITIAL_CLUSTER"));
                assertEquals(shard.claim(member), stage.getSpec().getTemplate().getSpec().getVolumes().get(0)
                        .getPersistentVolumeClaim().getClaimName());
                Job swap = client.batch().v1().jobs().inNamespace(cp).withName(RollbackNames.swapJob(done, shard, member)).get();
                assertEquals(shard.claim(member), swap.getSpec().getTemplate().getSpec().getVolumes().get(0)
                        .getPersistentVolumeClaim().getClaimName());
                String item = "volumeCapacity/" + shard.claim(member);
                assertTrue(status.getPlan().getPreflight().stream().anyMatch(c -> c.getName().equals(item) && c.passed()),
                        item + " in " + status.getPlan().getPreflight());
            }
            assertEquals(world.simulator.shardSnapshotRevision + bump, world.simulator.shardRevisions.get(shard.statefulSet()),
                    "etcd-" + name + " runs the restored data, bumped");
        }
        // the default etcd, 3 members, and the shards' 3 + 1: a stage and a swap Job each, all listed in the status
        List<Job> jobs = client.batch().v1().jobs().inNamespace(cp).withLabel("app", RestoreJobs.APP_LABEL_VALUE).list().getItems();
        assertEquals(14, jobs.size(), jobs.stream().map(j -> j.getMetadata().getName()).toList().toString());
        assertEquals(jobs.stream().map(j -> j.getMetadata().getName()).sorted().toList(),
                status.getRestoreJobs().stream().sorted().toList());
        assertTrue(jobs.stream().noneMatch(j -> j.getMetadata().getName().contains("scratch")), "no Job of the EmptyDir shard");

        // the EmptyDir shard was emptied with its pods, and the plan and StartEtcd say what it held
        assertTrue(world.simulator.emptiedShards.contains("etcd-scratch"));
        PreflightCheck shards = status.getPlan().getPreflight().stream().filter(c -> c.getName().equals("etcdShards"))
                .findFirst().orElseThrow();
        assertTrue(shards.passed(), shards.toString());
        assertTrue(shards.getDetail().contains("etcd-scratch (EmptyDir in memory, 1 member; holds pods) need none (a rollback"
                + " empties them)"), shards.getDetail());
        String started = status.step(Step.StartEtcd).orElseThrow().getMessage();
        assertTrue(started.contains("etcd-scratch: 1 member(s)") && started.contains("EmptyDir, emptied: it held pods")
                && started.contains("etcd-events: 3 member(s)"), started);
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage());
    }

    /** A set that lacks a PersistentVolume shard's snapshot backs no rollback: refused in the plan, nothing touched. */
    @Test
    void aMissingShardSnapshotRefusesTheRollback() {
        RollbackWorld world = sharded("sharded-missing", "leases");
        String cp = world.controlPlaneNamespace();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);

        ControlPlaneRollback done = world.runToEnd(world.driver(), rollback);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertTrue(status.getMessage().contains("etcd-leases (PersistentVolume, 1 member; holds coordination.k8s.io/leases)"),
                status.getMessage());
        assertTrue(status.getSteps().isEmpty(), "no step ran: " + status.getSteps());
        assertNull(status.getPointOfNoReturn());
        assertTrue(client.batch().v1().jobs().inNamespace(cp).withLabel("app", RestoreJobs.APP_LABEL_VALUE).list().getItems()
                .isEmpty(), "no stage or swap Job");
        assertEquals(3, client.apps().statefulSets().inNamespace(cp).withName("etcd-events").get().getSpec().getReplicas());
        assertFalse(world.simulator.emptiedShards.contains("etcd-scratch"), "the EmptyDir shard kept its pods");
    }

    /**
     * A shard whose revision is already past what its restore would bring it back at fails Quiesce, before any data is
     * touched, naming that shard; the undo scales every etcd back, the shards too.
     */
    @Test
    void aShardPastItsBumpIsRefusedAtQuiesceAndEveryEtcdIsScaledBack() {
        RollbackWorld world = sharded("sharded-bump");
        String cp = world.controlPlaneNamespace();
        long bump = RollbackSettings.defaults().bumpRevision();
        world.simulator.shardRevisions.put("etcd-events", world.simulator.shardSnapshotRevision + bump + 7);
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);

        ControlPlaneRollback done = world.runToEnd(world.driver(), rollback);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals("BumpTooSmall", status.getFailureReason());
        assertTrue(status.getMessage().contains("etcd shard etcd-events reached revision"), status.getMessage());
        assertTrue(status.getMessage().contains("Undone"), status.getMessage());
        assertFalse(Boolean.TRUE.equals(status.getPointOfNoReturn()));
        for (Map.Entry<String, Integer> set : Map.of("etcd", 3, "etcd-events", 3, "etcd-leases", 1, "etcd-scratch", 1).entrySet()) {
            assertEquals(set.getValue(), client.apps().statefulSets().inNamespace(cp).withName(set.getKey()).get().getSpec()
                    .getReplicas(), set.getKey());
        }
        assertTrue(client.batch().v1().jobs().inNamespace(cp).withLabel(RestoreJobs.PHASE_LABEL, "swap").list().getItems()
                .isEmpty(), "no swap Job");
    }

    private static Map<String, String> env(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, e -> e.getValue() == null ? "" : e.getValue()));
    }
}
