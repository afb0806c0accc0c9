package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.rollback.steps.RollbackConditions;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.RollbackWorld;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The automatic cancel ({@code hcp-rollback.rollback.cancel-after}) on a real API server: a rollback that has not
 * reached its point of no return within cancel-after of its record's creation (which the API server stamps) is
 * cancelled by the sidecar and undone. Time is the subject, so the driver runs in this process on a hand-moved clock
 * (its constructor's), as the sidecar's service account under the shipped RBAC; HyperShift is the simulator as
 * {@link TestUser#HYPERSHIFT_OPERATOR}, on the same clock. No webhook is routed: nothing here asks admission.
 */
class AutoCancelOnRealApiServerIT {

    private static final String NAMESPACE = "auto-cancel";

    private static RealManagementCluster management;
    private static KubernetesClient hyperShift;
    private static KubernetesClient sidecar;

    @BeforeAll
    static void start() {
        management = RealManagementCluster.fresh("auto-cancel-on-real-api-server", NAMESPACE);
        hyperShift = management.client(TestUser.HYPERSHIFT_OPERATOR);
        sidecar = management.server().clientWithToken(Install.sidecarToken(management.server()));
    }

    @AfterAll
    static void stop() {
        TestTools.closeAll(sidecar, hyperShift, management);
    }

    /**
     * The API servers' pods never go (a stuck kubelet), so the rollback waits in Quiesce, paused and scaled down;
     * once cancel-after has passed since its record was created, the next pass cancels it: phase Cancelled, the
     * sidecar named as the canceller, reason CancelTimeout on the record's Succeeded condition and an Event on the
     * HostedCluster and the record, the API servers' replicas given back, the cluster unpaused, etcd untouched.
     */
    @Test
    void aRollbackStillShortOfItsPointOfNoReturnAfterCancelAfterIsCancelledAndUndone() {
        RollbackWorld world = RollbackWorld.withDriverOnRealApiServer(hyperShift, sidecar, NAMESPACE, "payments").create();
        world.events = new ClusterEvents(sidecar);
        world.simulator.stuckPods.add("kube-apiserver");
        RollbackDriver driver = world.driver();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        ControlPlaneRollback quiescing = world.driveUntilStepRuns(driver, rollback, Step.Quiesce);
        assertEquals("true", world.cluster().getSpec().getPausedUntil(), "paused");
        world.simulator.tick();
        assertTrue(driver.reconcile(quiescing).isPresent(), "Quiesce waits for the API servers' pods to go");
        assertEquals(0, world.replicasOf("kube-apiserver"), "scaled down");

        Instant due = Instant.parse(quiescing.getMetadata().getCreationTimestamp()).plus(world.settings.cancelAfter());
        world.clock.advance(Duration.between(world.clock.instant(), due));
        world.simulator.tick();
        assertEquals(Optional.empty(), driver.reconcile(quiescing), "the cancel ends the rollback in one pass");

        ControlPlaneRollback ended = world.reload(rollback);
        ControlPlaneRollbackStatus status = ended.getStatus();
        assertEquals(RollbackPhase.Cancelled, status.getPhase(), status.getMessage());
        assertEquals("hcp-rollback", status.getCancelledBy());
        assertEquals("CancelTimeout", status.getFailureReason());
        assertTrue(status.getMessage().contains("cancelled automatically") && status.getMessage()
                .contains("hcp-rollback.rollback.cancel-after"), status.getMessage());
        Condition succeeded = status.condition(RollbackConditions.SUCCEEDED).orElseThrow();
        assertEquals("False/CancelTimeout", succeeded.getStatus() + "/" + succeeded.getReason(), succeeded.getMessage());
        assertFalse(status.isTrue(RollbackConditions.POINT_OF_NO_RETURN), "never passed");
        assertEquals(RollbackPhase.Cancelled, status.step(Step.Quiesce).orElseThrow().getPhase(), "the step it was in");

        assertNull(world.cluster().getSpec().getPausedUntil(), "unpaused");
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage(), "payload unchanged");
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        assertEquals(3, world.etcdReplicas(), "etcd never stopped");
        assertEquals(List.of(), hyperShift.batch().v1().jobs().inNamespace(world.controlPlaneNamespace())
                .withLabel(dev.hcprollback.rollback.restore.RestoreJobs.PHASE_LABEL,
                        dev.hcprollback.rollback.restore.RestoreJobs.Phase.swap.name()).list().getItems(), "no swap Job");

        List<Event> cancelled;
        try (KubernetesClient admin = management.client(TestUser.ADMIN)) {
            cancelled = admin.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                    .filter(e -> "RollbackCancelled".equals(e.getReason())).toList();
        }
        assertEquals(List.of("ControlPlaneRollback", "HostedCluster"), cancelled.stream()
                .map(e -> e.getInvolvedObject().getKind()).sorted().toList(), cancelled.toString());
        assertTrue(cancelled.stream().allMatch(e -> e.getMessage().contains("Cancelled by hcp-rollback")),
                cancelled.toString());
    }
}
