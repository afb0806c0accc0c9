package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.RestoreRecovery;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * What HyperShift expects around a rollback, played by the simulator: its post-restore recovery handshake
 * ({@code restored-from-backup}, {@code HostedClusterRestoredFromBackup}), its own check of a release change (a forced
 * update's {@code force-upgrade-to}), and NodePools that keep reporting their ignition endpoint reached.
 */
@EnableKubernetesMockClient(crud = true)
class HyperShiftRepairsTest {

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

    private static String stepMessage(ControlPlaneRollback rollback, String step) {
        return rollback.getStatus().getSteps().stream().filter(s -> s.getName().equals(step)).map(RollbackStep::getMessage)
                .findFirst().orElseThrow();
    }

    /** The update to 4.18.6 was forced: its image in force-upgrade-to, and the cluster not Upgradeable since. */
    private static void forced(RollbackWorld world) {
        world.client.resources(HostedCluster.class).inNamespace(world.namespace).withName(world.clusterName).edit(hc -> {
            hc.getMetadata().getAnnotations().put(ReleaseChangeCheck.FORCE_UPGRADE_TO, HostedClusters.tag("4.18.6"));
            return hc;
        });
        world.simulator.reportedConditions.put(ReleaseChangeCheck.UPGRADEABLE, "False");
        world.simulator.tick();
    }

    @Test
    void anEtcdRestoreSetsRestoredFromBackupAndVerifyWaitsForHyperShiftsRecovery() {
        RollbackWorld world = world("r-handshake");
        ControlPlaneRollback done = run(world, RollbackStrategy.RestoreEtcd);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Succeeded, status.getPhase(), status.getMessage());
        // the Revert set the annotation, HyperShift ran its recovery (one round unfinished) and removed it
        assertTrue(stepMessage(done, "Revert").contains(RestoreRecovery.ANNOTATION + " set"), stepMessage(done, "Revert"));
        assertTrue(world.simulator.recoveryRounds.get() >= 1, "the recovery ran");
        HostedCluster cluster = world.cluster();
        assertNull(cluster.getMetadata().getAnnotations().get(RestoreRecovery.ANNOTATION));
        Condition recovered = cluster.getStatus().condition(RestoreRecovery.CONDITION).orElseThrow();
        assertEquals("True", recovered.getStatus());
        assertEquals(RestoreRecovery.REASON, recovered.getReason());
        assertTrue(stepMessage(done, "Verify").contains(RestoreRecovery.CONDITION + "=True"), stepMessage(done, "Verify"));
        // one patch: the payload and both annotations (the preflight's dry run sends the same one)
        assertEquals(1, world.log.count("PATCH", p -> !p.contains("dryRun"), b -> b.contains(RestoreRecovery.ANNOTATION)
                && b.contains(ReleaseChangeCheck.FORCE_UPGRADE_TO) && b.contains(HostedClusters.tag("4.18.5"))));
    }

    @Test
    void aPayloadOnlyRollbackRestoresNothingAndAsksForNoRecovery() {
        RollbackWorld world = world("r-payload-only");
        ControlPlaneRollback done = run(world, RollbackStrategy.PayloadOnly);
        assertEquals(RollbackPhase.Succeeded, done.getStatus().getPhase(), done.getStatus().getMessage());
        assertEquals(0, world.simulator.recoveryRounds.get());
        assertEquals(0, world.log.count("PATCH", p -> true, b -> b.contains(RestoreRecovery.ANNOTATION)));
        assertTrue(world.cluster().getStatus().condition(RestoreRecovery.CONDITION).isEmpty());
    }

    @Test
    void aRecoveryThatNeverFinishesFailsVerifyNamingTheCondition() {
        RollbackWorld world = world("r-no-recovery");
        world.simulator.recoverAfterRestore = false;
        ControlPlaneRollback done = run(world, RollbackStrategy.RestoreEtcd);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals("VerifyTimeout", status.getFailureReason());
        String verify = stepMessage(done, "Verify");
        assertTrue(verify.contains(RestoreRecovery.CONDITION + " is False (RecoveryFinished: Hosted cluster recovery not "
                + "finished yet)") && verify.contains("prometheus-k8s"), verify);
        // the payload itself is back; HyperShift keeps the annotation and goes on trying
        assertEquals("4.18.5", world.cluster().versionHistory().get(0).getVersion());
        assertEquals(RestoreRecovery.VALUE, world.cluster().getMetadata().getAnnotations().get(RestoreRecovery.ANNOTATION));
        assertNull(world.cluster().getSpec().getPausedUntil());
    }

    /**
     * A cluster restored once before keeps {@code HostedClusterRestoredFromBackup=True} from then on its
     * HostedCluster and HostedControlPlane; HyperShift copies that True as soon as this rollback sets the annotation
     * and removes the annotation at once, while its recovery of this restore has not finished (here: never does).
     * Verify must not take that old True for this restore's recovery.
     */
    @Test
    void aTrueLeftByAnEarlierRestoreIsNotTakenForThisRestoresRecovery() {
        RollbackWorld world = world("r-restored-before");
        java.time.Instant earlier = world.clock.instant().minus(java.time.Duration.ofDays(30));
        world.simulator.restoredBefore(world.cluster(), earlier);
        world.simulator.recoverAfterRestore = false;
        ControlPlaneRollback done = run(world, RollbackStrategy.RestoreEtcd);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals("VerifyTimeout", status.getFailureReason(), status.getMessage());
        String verify = stepMessage(done, "Verify");
        assertTrue(verify.contains(RestoreRecovery.CONDITION + "=True dates from "
                + dev.hcprollback.hypershift.Timestamps.format(earlier)), verify);
        // HyperShift was fooled itself: it copied the old True and dropped the annotation
        assertNull(world.cluster().getMetadata().getAnnotations().get(RestoreRecovery.ANNOTATION));
        assertEquals(dev.hcprollback.hypershift.Timestamps.format(earlier), world.cluster().getStatus()
                .condition(RestoreRecovery.CONDITION).orElseThrow().getLastTransitionTime());
    }

    /**
     * Before the Revert removed force-upgrade-to, HyperShift refused the older payload (the annotation names 4.18.6),
     * and the restored cluster stayed on the newer spec with reconciliation blocked until Verify timed out.
     */
    @Test
    void aForcedClusterNotUpgradeableIsRolledBackToItsPreviousPayload() {
        RollbackWorld world = world("r-forced");
        forced(world);
        ControlPlaneRollback done = run(world, RollbackStrategy.RestoreEtcd);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Succeeded, status.getPhase(), status.getMessage() + " / Verify: "
                + status.getSteps().stream().filter(s -> s.getName().equals("Verify")).map(RollbackStep::getMessage).toList());
        assertEquals(0, world.simulator.refusedReleaseChanges.get(), "HyperShift never refused the revert");
        HostedCluster cluster = world.cluster();
        assertEquals("4.18.5", cluster.versionHistory().get(0).getVersion());
        assertTrue(cluster.versionHistory().get(0).isCompleted());
        assertNull(cluster.getMetadata().getAnnotations().get(ReleaseChangeCheck.FORCE_UPGRADE_TO));
        assertTrue(stepMessage(done, "Revert").contains(ReleaseChangeCheck.FORCE_UPGRADE_TO + " ("
                + HostedClusters.tag("4.18.6") + ") removed"), stepMessage(done, "Revert"));
        PreflightCheck item = status.getPlan().getPreflight().stream()
                .filter(c -> c.getName().equals("hyperShiftAcceptsRevert")).findFirst().orElseThrow();
        assertTrue(item.passed() && item.getDetail().contains("ClusterVersionUpgradeable is False; the revert removes "
                + ReleaseChangeCheck.FORCE_UPGRADE_TO), item.toString());
    }

    @Test
    void aRevertHyperShiftWouldRefuseIsRefusedInThePlanWithNothingTouched() {
        RollbackWorld world = world("r-refused");
        forced(world);
        // a version HyperShift cannot parse as the current target: its z-stream exception cannot apply
        HostedCluster cluster = world.cluster();
        cluster.getStatus().getVersion().getDesired().setVersion("");
        world.simulator.reportStatus(cluster);
        ControlPlaneRollback done = run(world, RollbackStrategy.RestoreEtcd);

        assertEquals(RollbackPhase.Failed, done.getStatus().getPhase());
        assertEquals("PreflightFailed", done.getStatus().getFailureReason(), done.getStatus().getMessage());
        assertTrue(done.getStatus().getMessage().contains("the hypershift-operator would refuse the payload change to 4.18.5"),
                done.getStatus().getMessage());
        assertEquals(List.of(), done.getStatus().getSteps());
        assertNull(world.cluster().getSpec().getPausedUntil());
    }

    @Test
    void aNodePoolWithNodesThatNoLongerReportsItsIgnitionEndpointFailsVerifyNamingIt() {
        RollbackWorld world = world("r-ignition");
        nodePool(world, "workers", 3, "True");
        nodePool(world, "gpu", 2, "False");
        nodePool(world, "spare", 0, "False");
        ControlPlaneRollback done = run(world, RollbackStrategy.PayloadOnly);

        assertEquals("VerifyTimeout", done.getStatus().getFailureReason(), done.getStatus().getMessage());
        String verify = stepMessage(done, "Verify");
        assertTrue(verify.contains("NodePool(s) with nodes not reporting ReachedIgnitionEndpoint=True: gpu (False, "
                + "IgnitionNotReached)") && !verify.contains("workers") && !verify.contains("spare"), verify);
    }

    private static void nodePool(RollbackWorld world, String name, int replicas, String reached) {
        NodePool pool = new NodePool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(world.namespace).build());
        NodePool.Spec spec = new NodePool.Spec();
        spec.setClusterName(world.clusterName);
        spec.setRelease(Release.of(HostedClusters.tag("4.18.5")));
        pool.setSpec(spec);
        NodePool created = world.client.resource(pool).create();
        NodePool.Status status = new NodePool.Status();
        status.setVersion("4.18.5");
        status.setReplicas(replicas);
        status.setConditions(List.of(new NodePool.Condition(RestoreRecovery.REACHED_IGNITION_ENDPOINT, reached,
                "True".equals(reached) ? "AsExpected" : "IgnitionNotReached", "")));
        created.setStatus(status);
        world.client.resource(created).updateStatus();
    }
}
