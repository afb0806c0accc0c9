package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.steps.RollbackConditions;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * Cancelling a rollback: before its point of no return it is undone through the same undo as a failure (replicas
 * back, unpaused, etcd untouched) and ends Cancelled, naming who cancelled; after it, the cancel is ignored, said so
 * in a condition, and the rollback finishes; one that has not reached the point within cancel-after is cancelled by
 * the sidecar. The webhook's side (who may cancel, and when) is in HostedClusterAdmissionTest and on the real API
 * server in RollbackOnRealApiServerIT.
 */
@EnableKubernetesMockClient(crud = true)
class RollbackCancelTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    private RollbackWorld world(String namespace) {
        RollbackWorld world = new RollbackWorld(client, server, namespace, "payments");
        world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
        world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4711");
        return world.create();
    }

    @Test
    void cancelBeforeThePointOfNoReturnIsUndoneAndNamesWhoCancelled() {
        RollbackWorld world = world("c-before");
        RollbackDriver driver = world.driver();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        world.driveUntilStepRuns(driver, rollback, Step.Quiesce);
        assertEquals("true", world.cluster().getSpec().getPausedUntil(), "paused by the rollback");

        world.annotateCluster(RollbackRequest.CANCEL, "sre-alice");
        ControlPlaneRollback ended = world.runToEnd(driver, rollback);

        ControlPlaneRollbackStatus status = ended.getStatus();
        assertEquals(RollbackPhase.Cancelled, status.getPhase(), status.getMessage());
        assertEquals("sre-alice", status.getCancelledBy());
        assertEquals("Cancelled", status.getFailureReason());
        assertTrue(status.getMessage().contains("cancelled by sre-alice"), status.getMessage());
        assertTrue(status.getMessage().contains("etcd data was not touched"), status.getMessage());
        assertEquals(RollbackPhase.Cancelled, status.step(Step.Quiesce).orElseThrow().getPhase());
        assertCondition(ended, RollbackConditions.SUCCEEDED, "False", "Cancelled");
        assertCondition(ended, RollbackConditions.PROGRESSING, "False", "Cancelled");
        assertFalse(Boolean.TRUE.equals(status.getPointOfNoReturn()));
        HostedCluster cluster = world.cluster();
        assertNull(cluster.getSpec().getPausedUntil(), "unpaused");
        assertEquals(HostedClusters.tag("4.18.6"), cluster.getSpec().getRelease().getImage(), "payload unchanged");
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        assertEquals(3, world.etcdReplicas());
        assertTrue(client.batch().v1().jobs().inNamespace(world.controlPlaneNamespace())
                .withLabel(RestoreJobs.PHASE_LABEL, "swap").list().getItems().isEmpty(), "no swap Job");
        // (the mock API server keeps a key a merge patch removes, with a null value)
        RollbackRequest.WITHDRAWN_BY_CANCEL.forEach(key -> assertNull(cluster.getMetadata().getAnnotations().get(key),
                key + " withdrawn"));
        assertEquals(0.0, failedGauge(world), "a cancel pages nobody");
    }

    @Test
    void cancelPastThePointOfNoReturnIsIgnoredAndTheRollbackFinishes() {
        RollbackWorld world = world("c-after");
        RollbackDriver driver = world.driver();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        world.driveUntilStepRuns(driver, rollback, Step.StartEtcd);

        world.annotateCluster(RollbackRequest.CANCEL, "sre-alice");
        ControlPlaneRollback ended = world.runToEnd(driver, rollback);

        ControlPlaneRollbackStatus status = ended.getStatus();
        assertEquals(RollbackPhase.Succeeded, status.getPhase(), status.getMessage());
        assertNull(status.getCancelledBy());
        assertEquals("sre-alice", status.getCancelIgnoredFor());
        assertCondition(ended, RollbackConditions.CANCEL_IGNORED, "True", "PastPointOfNoReturn");
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage(), "rolled back");
        assertNull(world.cluster().getMetadata().getAnnotations().get(RollbackRequest.CANCEL),
                "the ignored cancel goes with the request");
    }

    @Test
    void aRollbackThatDoesNotReachThePointOfNoReturnInTimeIsCancelledAutomatically() {
        RollbackWorld world = world("c-auto");
        world.simulator.honourPause = false;
        RollbackSettings d = world.settings;
        // Pause would wait a week: the automatic cancel, at 2h, ends it first
        world.settings = new RollbackSettings(Duration.ofDays(7), d.quiesceTimeout(), d.restoreTimeout(), d.etcdQuorumTimeout(),
                d.verifyTimeout(), d.pollInterval(), d.maxPollInterval(), d.restoreUrlTtl(), d.bumpRevision(), d.window(),
                d.stageWhileServing(), d.fetchImage(), Duration.ofHours(2));
        ControlPlaneRollback ended = world.runToEnd(world.driver(),
                world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false));

        ControlPlaneRollbackStatus status = ended.getStatus();
        assertEquals(RollbackPhase.Cancelled, status.getPhase(), status.getMessage());
        assertEquals("hcp-rollback", status.getCancelledBy());
        assertEquals("CancelTimeout", status.getFailureReason());
        assertTrue(status.getMessage().contains("hcp-rollback.rollback.cancel-after"), status.getMessage());
        assertCondition(ended, RollbackConditions.SUCCEEDED, "False", "CancelTimeout");
        assertNull(world.cluster().getSpec().getPausedUntil(), "unpaused");
        Duration ran = Duration.between(java.time.Instant.parse(ended.getMetadata().getCreationTimestamp()),
                java.time.Instant.parse(status.getCompletionTime()));
        assertTrue(ran.compareTo(Duration.ofHours(2)) >= 0 && ran.compareTo(Duration.ofHours(3)) < 0, ran.toString());
    }

    private static void assertCondition(ControlPlaneRollback rollback, String type, String status, String reason) {
        Condition condition = rollback.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type + ": " + rollback.getStatus().getConditions()));
        assertEquals(status + "/" + reason, condition.getStatus() + "/" + condition.getReason(), condition.getMessage());
    }

    private static double failedGauge(RollbackWorld world) {
        return world.meters.find(RollbackMetrics.FAILED).tags(ClusterSeries.tags(world.namespace, world.clusterName)).gauge()
                .value();
    }
}
