package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * Every failure class ends in the state docs/runbook.md documents: before etcd is touched the
 * rollback undoes what it did (replicas back, unpaused); after, it leaves the cluster paused and
 * names the next manual step. Timeouts are reached by moving the test's clock, never by sleeping.
 */
@EnableKubernetesMockClient(crud = true)
class RollbackFailureTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    private RollbackWorld world(String namespace) {
        return new RollbackWorld(client, server, namespace, "payments").create();
    }

    private static ControlPlaneRollback run(RollbackWorld world, RollbackStrategy strategy) {
        return world.runToEnd(world.driver(), world.requestRollback("payments-to-4-18-5", strategy, false));
    }

    /** Undone: every workload at its recorded replicas, the pause taken back, no restore Job. */
    private static void assertUndone(RollbackWorld world, ControlPlaneRollback rollback, String reason) {
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals(reason, status.getFailureReason());
        assertTrue(status.getMessage().contains("Undone"), status.getMessage());
        assertTrue(status.getMessage().contains("etcd data was not touched"), status.getMessage());
        assertNull(status.getUndoing());
        HostedCluster cluster = world.cluster();
        assertNull(cluster.getSpec().getPausedUntil());
        assertEquals(HostedClusters.tag("4.18.6"), cluster.getSpec().getRelease().getImage());
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        assertEquals(3, world.etcdReplicas());
        assertTrue(client.batch().v1().jobs().inNamespace(world.controlPlaneNamespace()).list().getItems().isEmpty());
    }

    /** Left paused, failed, with the next manual step in the message. */
    private static void assertLeftPaused(RollbackWorld world, ControlPlaneRollback rollback, String reason, String nextStep) {
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals(reason, status.getFailureReason());
        assertEquals("true", world.cluster().getSpec().getPausedUntil(), status.getMessage() + " / " + status.getSteps().stream().map(s -> s.getName() + ":" + s.getPhase() + ":" + s.getMessage()).toList());
        assertTrue(status.getMessage().contains(nextStep), status.getMessage());
        assertTrue(status.getMessage().contains("docs/runbook.md"), status.getMessage());
    }

    @Test
    void pauseNeverReportedIsUndone() {
        RollbackWorld world = world("f-pause");
        world.simulator.honourPause = false;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "PauseTimeout");
        assertEquals(0, world.log.count("PATCH", p -> p.contains("/deployments/"), b -> true));
    }

    @Test
    void podsThatDoNotGoAreUndone() {
        RollbackWorld world = world("f-quiesce");
        world.simulator.stuckPods.add("kube-apiserver");
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "QuiesceTimeout");
        assertTrue(rollback.getStatus().getMessage().contains("kube-apiserver"), rollback.getStatus().getMessage());
    }

    @Test
    void noDownloadUrlIsUndoneBeforeAnyJob() {
        RollbackWorld world = world("f-source");
        world.restoreSource = (snapshot, ttl) -> {
            throw new RestoreSource.RestoreSourceException("bucket hcp-rollback-test: access denied");
        };
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "SnapshotUnavailable");
        assertTrue(rollback.getStatus().getMessage().contains("access denied"));
    }

    @Test
    void aMissingEtcdVolumeIsFoundBeforeAnyJobAndUndone() {
        RollbackWorld world = world("f-volume");
        client.persistentVolumeClaims().inNamespace(world.controlPlaneNamespace()).withName("data-etcd-2").delete();
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "EtcdVolumeMissing");
        assertTrue(rollback.getStatus().getMessage().contains("data-etcd-2"), rollback.getStatus().getMessage());
    }

    @Test
    void aFailedRestoreJobLeavesTheClusterPausedAndIsNotRetried() {
        RollbackWorld world = world("f-restore");
        world.simulator.failingRestoreMembers.add(1);
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        String cp = world.controlPlaneNamespace();
        assertLeftPaused(world, rollback, "RestoreJobFailed", "kubectl -n " + cp + " delete job "
                + String.join(" ", rollback.getStatus().getRestoreJobs()));
        assertEquals(0, world.etcdReplicas());
        RollbackWorld.WRITERS.keySet().forEach(name -> assertEquals(0, world.replicasOf(name), name));
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage());
        // more calls (a resync, a restart) change nothing: the destructive step is not repeated
        long jobsCreated = world.log.count("POST", p -> p.endsWith("/jobs"), b -> true);
        assertEquals(3, jobsCreated);
        for (int i = 0; i < 3; i++) {
            world.simulator.tick();
            assertTrue(world.driver().reconcile(rollback).isEmpty());
        }
        assertEquals(jobsCreated, world.log.count("POST", p -> p.endsWith("/jobs"), b -> true));
        assertEquals(RollbackPhase.Failed, world.reload(rollback).getStatus().getPhase());
        assertEquals(RollbackPhase.Failed, world.reload(rollback).getStatus().step(Step.Restore).get().getPhase());
    }

    @Test
    void aRestoreJobThatNeverFinishesTimesOutAndLeavesTheClusterPaused() {
        RollbackWorld world = world("f-restore-slow");
        world.simulator.runJobs = false;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertLeftPaused(world, rollback, "RestoreTimeout", "kubectl -n " + world.controlPlaneNamespace() + " logs job/");
        assertEquals(0, world.etcdReplicas());
        assertEquals(3, world.log.count("POST", p -> p.endsWith("/jobs"), b -> true));
    }

    @Test
    void aRefusedPayloadPatchOfPayloadOnlyIsUndone() {
        RollbackWorld world = world("f-revert-payload");
        String path = "/apis/hypershift.openshift.io/v1beta1/namespaces/f-revert-payload/hostedclusters/payments";
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.PayloadOnly, false);
        RollbackDriver driver = world.driver(name -> {
            if (name.equals("completed:Pause")) {
                server.expect().patch().withPath(path).andReturn(403, new StatusBuilder().withCode(403)
                        .withMessage("admission webhook denied the request").build()).once();
            }
        });
        ControlPlaneRollback end = world.runToEnd(driver, rollback);
        assertEquals(RollbackPhase.Failed, end.getStatus().getPhase());
        assertEquals("RevertRejected", end.getStatus().getFailureReason());
        assertTrue(end.getStatus().getMessage().contains("Undone"), end.getStatus().getMessage());
        assertNull(world.cluster().getSpec().getPausedUntil());
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage());
    }

    @Test
    void etcdWithoutQuorumLeavesTheClusterPausedWithTheManualSteps() {
        RollbackWorld world = world("f-quorum");
        world.simulator.etcdBecomesReady = false;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertLeftPaused(world, rollback, "StartEtcdTimeout",
                "patch hostedcluster payments --type merge -p '{\"spec\":{\"release\":{\"image\":\""
                        + HostedClusters.tag("4.18.5") + "\"}}}'");
        assertTrue(rollback.getStatus().getMessage()
                .contains("scale deployment/kube-apiserver --replicas=3"), rollback.getStatus().getMessage());
        assertEquals(3, world.etcdReplicas());
    }

    @Test
    void aRefusedPayloadPatchLeavesTheClusterPaused() {
        RollbackWorld world = world("f-revert");
        String path = "/apis/hypershift.openshift.io/v1beta1/namespaces/f-revert/hostedclusters/payments";
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        // the admission webhook refuses the downgrade (here: an expectation answering the PATCH with 403)
        RollbackDriver driver = world.driver(name -> {
            if (name.equals("completed:StartEtcd")) {
                server.expect().patch().withPath(path).andReturn(403, new StatusBuilder().withCode(403)
                        .withMessage("admission webhook \"hostedclusters.hcp-rollback.dev\" denied the request")
                        .build()).once();
            }
        });
        ControlPlaneRollback end = world.runToEnd(driver, rollback);
        assertLeftPaused(world, end, "RevertRejected", "as an authorised SRE kubectl -n f-revert patch hostedcluster payments");
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage());
    }

    @Test
    void aControlPlaneThatNeverSettlesFailsVerifyWithReconciliationResumed() {
        RollbackWorld world = world("f-verify");
        world.client.resources(HostedCluster.class).inNamespace("f-verify").withName("payments").edit(hc -> {
            hc.getMetadata().getAnnotations().put(RollbackRequest.TO_VERSION, "4.18.5");
            hc.getMetadata().getAnnotations().put(RollbackRequest.REASON, "INC-4711");
            return hc;
        });
        world.simulator.completeRollouts = false;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase());
        assertEquals("VerifyTimeout", status.getFailureReason());
        assertTrue(status.getMessage().contains("describe hostedcluster payments"), status.getMessage());
        assertNull(world.cluster().getSpec().getPausedUntil());
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage());
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        // the request annotations stay: the SRE sees the cluster is still in a rollback
        assertEquals("4.18.5", world.cluster().getMetadata().getAnnotations().get(RollbackRequest.TO_VERSION));
    }

    @Test
    void anUnverifiedSnapshotIsRefusedBeforeAnythingIsTouched() {
        RollbackWorld world = world("f-plan");
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace("f-plan")
                .withName(world.snapshotName()).get();
        snapshot.getStatus().setVerified(false);
        client.resource(snapshot).updateStatus();
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertEquals(RollbackPhase.Failed, rollback.getStatus().getPhase());
        assertEquals("SnapshotNotVerified", rollback.getStatus().getFailureReason());
        assertTrue(rollback.getStatus().getMessage().endsWith("Nothing was changed."));
        assertTrue(rollback.getStatus().getSteps().isEmpty());
        assertEquals(0, world.log.count("PATCH", p -> true, b -> true));
    }

    @Test
    void payloadOnlyKeepsEtcd() {
        RollbackWorld world = world("payload-only");
        ControlPlaneRollback rollback = run(world, RollbackStrategy.PayloadOnly);
        assertEquals(RollbackPhase.Succeeded, rollback.getStatus().getPhase(), rollback.getStatus().getMessage());
        assertEquals(List.of("Pause", "Revert", "Resume", "Verify"),
                rollback.getStatus().getSteps().stream().map(RollbackStep::getName).toList());
        assertNull(rollback.getStatus().getPlan().getDataLoss());
        assertEquals(0, world.log.count("PATCH", p -> p.contains("/statefulsets/") || p.contains("/deployments/"), b -> true));
        assertEquals(0, world.log.count("POST", p -> p.endsWith("/jobs"), b -> true));
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage());
    }

    @Test
    void oneRollbackPerClusterAtATime() {
        RollbackWorld world = world("one-at-a-time");
        ControlPlaneRollback first = world.requestRollback("first", RollbackStrategy.RestoreEtcd, false);
        world.simulator.runJobs = false;
        RollbackDriver driver = world.driver();
        for (int i = 0; i < 30 && (world.reload(first).getStatus() == null
                || !"Restore".equals(world.reload(first).getStatus().getCurrentStep())); i++) {
            world.simulator.tick();
            driver.reconcile(first).ifPresent(world.clock::advance);
        }
        assertEquals(RollbackPhase.Running, world.reload(first).getStatus().getPhase());
        ControlPlaneRollback second = world.requestRollback("second", RollbackStrategy.PayloadOnly, false);
        assertFalse(driver.reconcile(second).isEmpty());
        ControlPlaneRollbackStatus status = world.reload(second).getStatus();
        assertEquals(RollbackPhase.Pending, status.getPhase());
        assertTrue(status.getMessage().contains("rollback first of the same HostedCluster is running"), status.getMessage());
        assertTrue(status.getSteps().isEmpty());
    }
}
