package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The running sidecar end to end: an SRE's annotations on a HostedCluster make the trigger create one
 * ControlPlaneRollback, which the JOSDK reconciler drives to Succeeded while the simulator, on a
 * thread of its own, plays HyperShift. The mock API server has no admission chain: the webhook that
 * guards the annotations and the payload patch is tested on its own.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class RollbackControllerTest {

    static final String NAMESPACE = "rollback-e2e";

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    @Test
    void annotationsOnTheHostedClusterLeadToOneSucceededRollback() throws Exception {
        RollbackWorld world = new RollbackWorld(client, NAMESPACE, "checkout");
        world.snapshotLocation = "https://snapshots.example.com/rollback-e2e/checkout/4.18.5.db";
        world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
        world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4712: API latency after 4.18.6");
        // the simulator runs beside the sidecar until the test ends
        Thread simulator = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    world.simulator.tick();
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException raced) {
                    // an object changed under the simulator: the next round sees the new state
                }
            }
        }, "hypershift-simulator");
        try {
            world.create();
            simulator.start();
            Awaitility.await("the rollback of checkout succeeds").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> rollbacks().stream().anyMatch(r -> RollbackWorld.phase(r) == RollbackPhase.Succeeded
                            || RollbackWorld.phase(r) == RollbackPhase.Failed));
        } finally {
            simulator.interrupt();
            simulator.join();
        }
        List<ControlPlaneRollback> rollbacks = rollbacks();
        assertEquals(1, rollbacks.size(), "exactly one record for the request");
        ControlPlaneRollback rollback = rollbacks.get(0);
        assertEquals(RollbackPhase.Succeeded, rollback.getStatus().getPhase(), rollback.getStatus().getMessage());
        assertEquals(world.snapshotName(), rollback.getSpec().getSnapshotName());
        assertEquals(RollbackStrategy.RestoreEtcd, rollback.getSpec().getStrategy());
        assertTrue(rollback.getMetadata().getName().startsWith("checkout-to-4-18-5-"), rollback.getMetadata().getName());

        HostedCluster cluster = world.cluster();
        assertEquals(rollback.getMetadata().getName(), cluster.getMetadata().getAnnotations().get(RollbackNames.LINK_ANNOTATION));
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackRequest.TO_VERSION));
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackRequest.REASON));
        assertEquals(HostedClusters.tag("4.18.5"), cluster.getSpec().getRelease().getImage());
        assertNull(cluster.getSpec().getPausedUntil());
        assertEquals(3, client.batch().v1().jobs().inNamespace(cluster.controlPlaneNamespace()).list().getItems().size());

        List<String> reasons = client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> "checkout".equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
        assertTrue(reasons.containsAll(List.of("RollbackStarted", "RollbackStep", "RollbackSucceeded")), reasons.toString());
        assertEquals(1.0, registry.get("hcp_rollback_rollbacks_total").tag("result", "Succeeded").counter().count());
        assertTrue(registry.get("hcp_rollback_duration_seconds").timer().count() >= 1);
    }

    private List<ControlPlaneRollback> rollbacks() {
        return client.resources(ControlPlaneRollback.class).inNamespace(NAMESPACE).list().getItems();
    }
}
