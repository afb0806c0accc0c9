package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.rollback.etcd.JetcdRevisionReader;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreSource;
import dev.hcprollback.rollback.restore.StoreRestoreSource;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.HyperShiftSimulator;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
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
    /** Generous, for a loaded machine: every wait ends as soon as its condition holds. */
    static final Duration LIMIT = Duration.ofSeconds(120);

    @Inject
    RollbackTrigger trigger;

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    @KubernetesTestServer
    KubernetesServer mockServer;

    /**
     * No object store runs beside these tests (StoreRestoreSourceTest covers the real one): the
     * restore Jobs get a plain URL, which only the simulator "downloads".
     */
    @BeforeEach
    void plainDownloadUrls() {
        QuarkusMock.installMockForType(new StoreRestoreSource(() -> null) {
            @Override
            public Download downloadOf(dev.hcprollback.api.ControlPlaneSnapshot snapshot, Duration ttl) {
                return new Download("https://snapshots.example.com/" + snapshot.getMetadata().getName(),
                        snapshot.getStatus().getSha256());
            }
        }, RestoreSource.class);
        // no etcd runs beside these tests: its members are the simulator's, the data-loss count is not read
        QuarkusMock.installMockForType(new JetcdRevisionReader() {
            @Override
            public DataLossWindow changesSince(String controlPlaneNamespace, long revision) throws Exception {
                throw new IllegalStateException("no etcd beside this test");
            }

            @Override
            public EtcdMembers read(String controlPlaneNamespace) {
                return read(controlPlaneNamespace, EtcdCluster.DEFAULT);
            }

            @Override
            public EtcdMembers read(String controlPlaneNamespace, EtcdCluster etcd) {
                return HyperShiftSimulator.of(controlPlaneNamespace).etcdMembers(controlPlaneNamespace, etcd);
            }
        }, JetcdRevisionReader.class);
    }

    /** A world whose revert dry runs the mock server answers (it has no admission chain, and would store them). */
    private RollbackWorld world(String cluster) {
        RollbackWorld world = RollbackWorld.besideController(client, NAMESPACE, cluster);
        world.expectations = mockServer::expect;
        return world;
    }

    @Test
    void annotationsOnTheHostedClusterLeadToOneSucceededRollback() throws Exception {
        RollbackWorld world = world("checkout");
        world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
        world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4712: API latency after 4.18.6");
        double succeededBefore = succeeded();
        Thread simulator = simulate(world);
        try {
            world.create();
            simulator.start();
            Awaitility.await("the rollback of checkout succeeds").atMost(LIMIT)
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

        // the request is done: the trigger moves the link to last-rollback
        Awaitility.await("the link moves to last-rollback").atMost(LIMIT).until(() -> rollback.getMetadata()
                .getName().equals(world.cluster().getMetadata().getAnnotations().get(RollbackNames.LAST_ANNOTATION)));
        HostedCluster cluster = world.cluster();
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackNames.LINK_ANNOTATION));
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackRequest.TO_VERSION));
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackRequest.REASON));
        assertEquals(HostedClusters.tag("4.18.5"), cluster.getSpec().getRelease().getImage());
        assertNull(cluster.getSpec().getPausedUntil());
        assertEquals(6, client.batch().v1().jobs().inNamespace(cluster.controlPlaneNamespace())
                .withLabel("app", RestoreJobs.APP_LABEL_VALUE).list().getItems().size(), "a stage and a swap Job per member");

        List<String> reasons = client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> "checkout".equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
        assertTrue(reasons.containsAll(List.of("RollbackStarted", "RollbackStepStarted", "RollbackStepSucceeded",
                "RollbackPointOfNoReturn", "RollbackSucceeded")), reasons.toString());
        assertEquals(succeededBefore + 1, succeeded());
        assertTrue(registry.get("hcp_rollback_duration_seconds").timer().count() >= 1);
    }

    @Test
    void aDryRunStopsAtPlannedAndDroppingTheFlagStartsTheRealRollback() throws Exception {
        RollbackWorld world = world("ledger");
        world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
        world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4713: what would a rollback lose?");
        world.clusterAnnotations.put(RollbackRequest.DRY_RUN, "true");
        Thread simulator = simulate(world);
        try {
            world.create();
            simulator.start();
            awaitPhase("the plan of ledger", "ledger", RollbackPhase.Planned);
            ControlPlaneRollback plan = rollbacksOf("ledger").get(0);
            assertTrue(plan.getSpec().isDryRun());
            assertTrue(plan.getMetadata().getName().contains("-plan-"), plan.getMetadata().getName());
            assertEquals("4.18.6", plan.getStatus().getPlan().getFromVersion());
            // this sidecar cannot reach the (absent) hosted etcd: the plan says so and is still written
            assertTrue(plan.getStatus().getPlan().getDataLoss().getNote().contains("could not be read"),
                    plan.getStatus().getPlan().getDataLoss().getNote());
            HostedCluster planned = world.cluster();
            assertNull(planned.getSpec().getPausedUntil());
            assertEquals(HostedClusters.tag("4.18.6"), planned.getSpec().getRelease().getImage());
            assertEquals(plan.getMetadata().getName(), planned.getMetadata().getAnnotations().get(RollbackNames.LINK_ANNOTATION));

            client.resources(HostedCluster.class).inNamespace(NAMESPACE).withName("ledger").edit(hc -> {
                hc.getMetadata().getAnnotations().remove(RollbackRequest.DRY_RUN);
                return hc;
            });
            awaitPhase("the rollback of ledger", "ledger", RollbackPhase.Succeeded, RollbackPhase.Failed);
        } finally {
            simulator.interrupt();
            simulator.join();
        }
        List<ControlPlaneRollback> records = rollbacksOf("ledger");
        assertEquals(2, records.size(), "the plan and the rollback");
        ControlPlaneRollback real = records.stream().filter(r -> !r.getSpec().isDryRun()).findFirst().orElseThrow();
        assertEquals(RollbackPhase.Succeeded, real.getStatus().getPhase(), real.getStatus().getMessage());
        assertEquals(RollbackPhase.Planned, records.stream().filter(r -> r.getSpec().isDryRun()).findFirst().orElseThrow()
                .getStatus().getPhase());
        Awaitility.await("the link moves to last-rollback").atMost(LIMIT).until(() -> real.getMetadata()
                .getName().equals(world.cluster().getMetadata().getAnnotations().get(RollbackNames.LAST_ANNOTATION)));
    }

    @Test
    void aRequestWhoseDryRunFlagIsNotRecognisedIsNeverActedOn() {
        // as a cluster annotated before the webhook ran (it refuses such values): the trigger never guesses, least of
        // all towards a real, data-losing rollback
        for (String value : List.of("yes", "True", " true")) {
            String name = "unreadable-" + Integer.toHexString(value.hashCode());
            RollbackWorld world = world(name);
            world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
            world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4717: flag spelled otherwise");
            world.clusterAnnotations.put(RollbackRequest.DRY_RUN, value);
            world.create();

            trigger.reconcile(world.cluster(), null);

            assertEquals(List.of(), rollbacksOf(name), "no record, no plan, for dry-run '" + value + "'");
            assertNull(world.cluster().getSpec().getPausedUntil(), "the cluster is not paused");
        }
    }

    @Test
    void aFailedRequestIsRetriedByRequestingAgainWithARecordOfItsOwn() throws Exception {
        RollbackWorld world = world("billing");
        world.withSnapshot = false; // the first request has no snapshot behind it (the webhook would refuse it)
        world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
        world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4715");
        Thread simulator = simulate(world);
        try {
            world.create();
            simulator.start();
            awaitPhase("the first request of billing fails", "billing", RollbackPhase.Failed);
            ControlPlaneRollback first = rollbacksOf("billing").get(0);
            assertEquals("NoSnapshot", first.getStatus().getFailureReason());
            assertNull(world.cluster().getSpec().getPausedUntil(), "refused before anything was touched");

            // the SRE withdraws the request, the snapshot appears, the SRE asks again
            annotate("billing", null, null);
            Awaitility.await("the link of billing moves").atMost(LIMIT).until(() -> first.getMetadata()
                    .getName().equals(world.cluster().getMetadata().getAnnotations().get(RollbackNames.LAST_ANNOTATION)));
            world.recordSnapshot();
            annotate("billing", "4.18.5", "INC-4715, with the snapshot restored from backup");
            Awaitility.await("the second request of billing succeeds").atMost(LIMIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> rollbacksOf("billing").stream()
                            .filter(r -> !r.getMetadata().getName().equals(first.getMetadata().getName()))
                            .anyMatch(r -> RollbackWorld.phase(r) == RollbackPhase.Succeeded
                                    || RollbackWorld.phase(r) == RollbackPhase.Failed));
        } finally {
            simulator.interrupt();
            simulator.join();
        }
        List<ControlPlaneRollback> records = rollbacksOf("billing");
        assertEquals(2, records.size());
        String firstName = records.stream().filter(r -> "NoSnapshot".equals(r.getStatus().getFailureReason()))
                .findFirst().orElseThrow().getMetadata().getName();
        ControlPlaneRollback second = records.stream().filter(r -> !r.getMetadata().getName().equals(firstName))
                .findFirst().orElseThrow();
        assertEquals(RollbackPhase.Succeeded, second.getStatus().getPhase(), second.getStatus().getMessage());
        assertEquals(firstName + "-2", second.getMetadata().getName());
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage());
    }

    @Test
    void aSidecarStoppedBetweenTheLinkAndTheRecordCreatesExactlyTheRecordTheLinkNames() throws Exception {
        RollbackWorld world = world("payroll");
        world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
        world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4716");
        // what the previous leader left: the link written, the record not yet created
        world.clusterAnnotations.put(RollbackNames.LINK_ANNOTATION, "payroll-to-4-18-5-named-before-the-crash");
        Thread simulator = simulate(world);
        try {
            world.create();
            simulator.start();
            awaitPhase("the rollback of payroll ends", "payroll", RollbackPhase.Succeeded, RollbackPhase.Failed);
        } finally {
            simulator.interrupt();
            simulator.join();
        }
        List<ControlPlaneRollback> records = rollbacksOf("payroll");
        assertEquals(List.of("payroll-to-4-18-5-named-before-the-crash"),
                records.stream().map(r -> r.getMetadata().getName()).toList());
        assertEquals(RollbackPhase.Succeeded, records.get(0).getStatus().getPhase(), records.get(0).getStatus().getMessage());
    }

    private void annotate(String cluster, String toVersion, String reason) {
        client.resources(HostedCluster.class).inNamespace(NAMESPACE).withName(cluster).edit(hc -> {
            if (toVersion == null) {
                hc.getMetadata().getAnnotations().remove(RollbackRequest.TO_VERSION);
                hc.getMetadata().getAnnotations().remove(RollbackRequest.REASON);
            } else {
                hc.getMetadata().getAnnotations().put(RollbackRequest.TO_VERSION, toVersion);
                hc.getMetadata().getAnnotations().put(RollbackRequest.REASON, reason);
            }
            return hc;
        });
    }

    @Test
    void aRecordDeletedWhileItsRollbackRunsStaysUntilTheRollbackEnded() throws Exception {
        RollbackWorld world = world("orders");
        world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
        world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4714");
        world.simulator.runJobs = false; // hold the rollback in Stage
        Thread simulator = simulate(world);
        try {
            world.create();
            simulator.start();
            Awaitility.await("orders restoring").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                    .until(() -> rollbacksOf("orders").stream().anyMatch(r -> r.getStatus() != null
                            && "Stage".equals(r.getStatus().getCurrentStep()) && r.getStatus().getRestoreJobs().size() == 6
                            && client.batch().v1().jobs().inNamespace(world.controlPlaneNamespace())
                                    .withLabel(RestoreJobs.PHASE_LABEL, "stage").list().getItems().size() == 3));
            ControlPlaneRollback running = rollbacksOf("orders").get(0);
            client.resource(running).delete();
            ControlPlaneRollback deleting = world.reload(running);
            assertTrue(deleting != null && deleting.getMetadata().getDeletionTimestamp() != null,
                    "kept, marked for deletion, while the rollback runs");
            assertEquals(RollbackPhase.Running, deleting.getStatus().getPhase());

            world.simulator.runJobs = true;
            Awaitility.await("orders rolled back and its record gone").atMost(LIMIT)
                    .pollInterval(Duration.ofMillis(200)).until(() -> world.reload(running) == null);
        } finally {
            simulator.interrupt();
            simulator.join();
        }
        HostedCluster cluster = world.cluster();
        assertEquals(HostedClusters.tag("4.18.5"), cluster.getSpec().getRelease().getImage());
        assertNull(cluster.getSpec().getPausedUntil());
        assertNull(cluster.getMetadata().getAnnotations().get(RollbackRequest.TO_VERSION));
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
    }

    private double succeeded() {
        var counter = registry.find("hcp_rollback_rollbacks_total").tag("result", "Succeeded").counter();
        return counter == null ? 0 : counter.count();
    }

    private static Thread simulate(RollbackWorld world) {
        return world.simulatorThread(50);
    }

    private List<ControlPlaneRollback> rollbacks() {
        return rollbacksOf("checkout");
    }

    private List<ControlPlaneRollback> rollbacksOf(String cluster) {
        return client.resources(ControlPlaneRollback.class).inNamespace(NAMESPACE).list().getItems().stream()
                .filter(r -> cluster.equals(r.getSpec().getHostedClusterName())).toList();
    }

    /** Waits until a rollback of the cluster reaches one of the phases. */
    private void awaitPhase(String what, String cluster, RollbackPhase... phases) {
        java.util.Set<RollbackPhase> wanted = java.util.Set.of(phases);
        Awaitility.await(what).atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                // a record the controller has not looked at yet has no phase
                .until(() -> rollbacksOf(cluster).stream().map(RollbackWorld::phase).anyMatch(p -> p != null && wanted.contains(p)));
    }
}
