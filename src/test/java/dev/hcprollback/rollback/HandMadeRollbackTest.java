package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * A ControlPlaneRollback made by hand, not from admitted request annotations: the controller judges it
 * by the same eligibility as the webhook, in its plan, and one that is not eligible fails there with the
 * rule's message and nothing touched (no pause, no scaling, no Job). The mock API server has no
 * admission, so these records reach the controller as they would if the webhook were bypassed.
 */
@EnableKubernetesMockClient(crud = true)
class HandMadeRollbackTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    record Case(String name, Consumer<RollbackWorld> before, Consumer<ControlPlaneRollbackSpec> spec, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("two updates back", world -> {
                }, spec -> spec.setToVersion("4.18.4"), "[not-previous-version] 4.18.4 is not the version spec.release.image"
                        + " ran before 4.18.6; the most recent Completed version before it is 4.18.5"),
                new Case("newer than the current version", world -> {
                }, spec -> spec.setToVersion("4.18.7"), "[target-not-older] 4.18.7 is not older than 4.18.6"),
                new Case("non-canonical version", world -> {
                }, spec -> spec.setToVersion("v4.18.5"), "[to-version-not-canonical] toVersion is 'v4.18.5'; write it as 4.18.5"),
                new Case("snapshot re-pointed from another cluster", world -> {
                    ControlPlaneSnapshot snapshot = world.client.resources(ControlPlaneSnapshot.class).inNamespace(world.namespace)
                            .withName(world.snapshotName()).get();
                    snapshot.getStatus().setHostedClusterUid("0a0b0c0d-0000-4000-8000-000000000002");
                    world.client.resource(snapshot).updateStatus();
                }, spec -> {
                }, "[no-verified-snapshot] no ControlPlaneSnapshot of"),
                new Case("snapshot with no recorded uid", world -> {
                    ControlPlaneSnapshot snapshot = world.client.resources(ControlPlaneSnapshot.class).inNamespace(world.namespace)
                            .withName(world.snapshotName()).get();
                    snapshot.getStatus().setHostedClusterUid(null);
                    world.client.resource(snapshot).updateStatus();
                }, spec -> {
                }, "records no HostedCluster uid"),
                new Case("outside the rollback window", world -> {
                    world.clock.advance(java.time.Duration.ofHours(30));
                }, spec -> {
                }, "[rollback-window-expired] the update to 4.18.6 started at"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void failsInThePlanWithNothingTouched(Case c) {
        String namespace = "hand-" + Integer.toHexString(c.name().hashCode());
        RollbackWorld world = new RollbackWorld(client, server, namespace, "demo");
        List<String> warnings = new ArrayList<>();
        world.events = new RollbackEvents() {
            @Override
            public void normal(HostedCluster cluster, HasMetadata record, String reason, String message) {
            }

            @Override
            public void warning(HostedCluster cluster, HasMetadata record, String reason, String message) {
                warnings.add(reason + ": " + message);
            }
        };
        world.create();
        c.before().accept(world);
        ControlPlaneRollback made = world.requestRollback("demo-by-hand", RollbackStrategy.RestoreEtcd, false);
        ControlPlaneRollbackSpec spec = made.getSpec();
        c.spec().accept(spec);
        // the customer's own record: the mock API server runs no admission, which would refuse it
        // (RollbackRecordAdmissionTest); the controller must refuse it on its own
        spec.setRequestedBy(RbacSimulator.CUSTOMER);
        made = world.client.resource(made).update();
        world.log.clear();

        ControlPlaneRollback done = world.runToEnd(world.driver(), made);

        ControlPlaneRollbackStatus status = done.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals("NotEligible", status.getFailureReason());
        assertTrue(status.getMessage().contains(c.message()), status.getMessage());
        assertTrue(status.getMessage().endsWith("Nothing was changed."), status.getMessage());
        assertTrue(status.getSteps().isEmpty(), "no step started");
        // nothing but the record's own status and the Event was written
        assertEquals(0, world.log.count("PATCH", p -> true, b -> true));
        assertEquals(0, world.log.count("POST", p -> !p.endsWith("/events"), b -> true));
        HostedCluster cluster = world.cluster();
        assertNull(cluster.getSpec().getPausedUntil());
        assertEquals(HostedClusters.tag("4.18.6"), cluster.getSpec().getRelease().getImage());
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        assertEquals(3, world.etcdReplicas());
        assertEquals(0, client.batch().v1().jobs().inNamespace(world.controlPlaneNamespace()).list().getItems().size());
        // the Event says who asked: a record made directly, not from request annotations
        Optional<String> refused = warnings.stream().filter(w -> w.startsWith("RollbackRefused: ")).findFirst();
        assertTrue(refused.isPresent(), warnings.toString());
        assertTrue(refused.get().contains("Requested by: " + RbacSimulator.CUSTOMER + ", who created ControlPlaneRollback"
                + " demo-by-hand directly, not from request annotations"), refused.get());
    }
}
