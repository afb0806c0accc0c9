package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.RestoreRecovery;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.steps.RollbackConditions;
import dev.hcprollback.testing.ApiRequest;
import dev.hcprollback.testing.Caller;
import dev.hcprollback.testing.EtcdProcess;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.LocalHostedCluster;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.RealObjects.Kind;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatorLoop;
import dev.hcprollback.testing.TestPki;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The controllers of the packaged sidecar on a real API server ({@link RealManagementCluster}): the sidecar runs as
 * its service account under the shipped RBAC, with its webhooks in the server's admission chain; the control plane's
 * etcd is a real etcd 3.5 with TLS and client certificates, as HyperShift's, and snapshots go to an S3 server. The
 * other actors use their own users: HyperShift is the simulator acting as {@link TestUser#HYPERSHIFT_OPERATOR}
 * ({@link LocalHostedCluster}, which also runs etcd's kubelet and the restore Jobs here), the service's release
 * tooling is the cluster administrator, and the rollback is asked for by an SRE ({@link TestUser#SRE}). One sidecar
 * serves every test; each test has a namespace and a cluster of its own. Every wait is on a condition with a generous
 * limit: nothing here measures time.
 */
class RollbackOnRealApiServerIT {

    private static final Path DIR = Path.of("target", "rollback-on-real-api-server");
    private static final String BUCKET = "hcp-rollback-it";
    private static final Duration LIMIT = Duration.ofSeconds(240);
    /** A key of the hosted cluster's own data in its etcd, as its kube-apiserver stores a ConfigMap. */
    private static final String DATA_KEY = "/kubernetes.io/configmaps/payments-app/settings";

    /**
     * The sidecar's own pod, as the Deployment's downward API names it: it runs a build renamed to a registry of the
     * site's own (kustomize {@code images:}), which its Jobs must run too, by the digest the kubelet reports.
     */
    private static final String OWN_POD = "hcp-rollback-6f7d9c5b8-x2x9q";
    private static final String RENAMED_IMAGE = "registry.example.com/platform/hcp-rollback:0.1.0";
    private static final String RENAMED_BY_DIGEST = "registry.example.com/platform/hcp-rollback@sha256:" + "ab".repeat(32);

    private static RealManagementCluster management;
    private static S3Server s3;
    private static EtcdProcess etcd;
    /** The etcd of every control plane's shard "events" (EtcdSharding), reached as its own Service would be. */
    private static EtcdProcess eventsShard;
    /** The etcd of every control plane's EmptyDir shard "leases": emptied whenever its StatefulSet is scaled to 0. */
    private static EtcdProcess leasesShard;
    /** A key of the shard "events", as the API server stores an event there. */
    private static final String EVENT_KEY = "/kubernetes.io/events/payments-app/settings-changed";
    /** A key of the EmptyDir shard "leases", as the API server stores a lease there. */
    private static final String LEASE_KEY = "/kubernetes.io/leases/payments-app/leader";
    private static TestPki pki;
    private static SidecarProcess sidecar;
    /** The service: creates clusters, forces updates, reads every record. */
    private static KubernetesClient admin;
    private static KubernetesClient hyperShift;

    @BeforeAll
    static void startManagementCluster() throws Exception {
        TestTools.deleteRecursively(DIR);
        management = RealManagementCluster.start(DIR);
        s3 = new S3Server();
        s3.createBucket(BUCKET);
        pki = new TestPki();
        etcd = EtcdProcess.startTls(DIR.resolve("etcd"), pki);
        eventsShard = EtcdProcess.startTlsNamed(DIR.resolve("etcd-events"), pki, "etcd-events-0");
        leasesShard = EtcdProcess.startTlsNamed(DIR.resolve("etcd-leases"), pki, "etcd-leases-0");
        admin = management.client(TestUser.ADMIN);
        hyperShift = management.client(TestUser.HYPERSHIFT_OPERATOR);
        createOwnPod();
        sidecar = management.startSidecar("sidecar", sidecarConfig());
        management.routeWebhooksTo(sidecar);
    }

    /**
     * The pod the sidecar runs as: the shipped Deployment's template (it passes the namespace's restricted Pod
     * Security) with the renamed image, and the status the kubelet writes.
     */
    private static void createOwnPod() {
        Deployment shipped = Install.renderBase().stream().filter(o -> "Deployment".equals(o.path("kind").asText()))
                .map(o -> admin.getKubernetesSerialization().convertValue(o, Deployment.class)).findFirst().orElseThrow();
        PodSpec spec = shipped.getSpec().getTemplate().getSpec();
        spec.getContainers().get(0).setImage(RENAMED_IMAGE);
        Pod pod = admin.resource(new PodBuilder().withNewMetadata().withName(OWN_POD).withNamespace(Install.NAMESPACE)
                .withLabels(shipped.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                .withSpec(spec).build()).create();
        pod.setStatus(new PodStatusBuilder().withPhase("Running").addNewContainerStatus().withName("hcp-rollback")
                .withImage(RENAMED_IMAGE).withImageID("docker-pullable://" + RENAMED_BY_DIGEST).withReady(true)
                .withRestartCount(0).withNewState().withNewRunning().endRunning().endState().endContainerStatus().build());
        admin.resource(pod).updateStatus();
    }

    @AfterAll
    static void stopManagementCluster() {
        if (admin != null) {
            admin.pods().inNamespace(Install.NAMESPACE).withName(OWN_POD).delete();
        }
        // the webhooks and the sidecar first: a fail-closed webhook must not outlive the sidecar behind it
        TestTools.closeAll(management, etcd, eventsShard, leasesShard, s3, hyperShift, admin);
    }

    private static Map<String, String> sidecarConfig() {
        Map<String, String> config = new LinkedHashMap<>(s3.sidecarConfig(BUCKET));
        // every control plane's etcd is the one local etcd (the Service name does not resolve here)
        config.put("hcp-rollback.snapshot.etcd.endpoint", etcd.endpoint());
        config.put("hcp-rollback.snapshot.etcd.shard-endpoints.events", eventsShard.endpoint());
        config.put("hcp-rollback.snapshot.etcd.shard-endpoints.leases", leasesShard.endpoint());
        // the simulated control plane answers in milliseconds: look again soon
        config.put("hcp-rollback.rollback.poll-interval", "300ms");
        config.put("hcp-rollback.rollback.max-poll-interval", "1s");
        // minutes in production; seconds here, so that a broken update is judged within the test
        config.put("hcp-rollback.update.poll-interval", "1s");
        config.put("hcp-rollback.update.degraded-threshold", "5s");
        // every payload here has a version in its tag: nothing needs the registry, and nothing leaves the machine
        config.put("hcp-rollback.registry.enabled", "false");
        // the downward API of the Deployment
        config.put("POD_NAME", OWN_POD);
        config.put("POD_NAMESPACE", Install.NAMESPACE);
        return config;
    }

    /** A test that failed in the middle of a restore may have left the control plane's etcd stopped. */
    @BeforeEach
    void etcdRuns() {
        etcd.start();
        eventsShard.start();
        leasesShard.start();
    }

    @Test
    void aScheduledSnapshotOfAnAvailableClusterIsTakenAndVerified() throws Exception {
        management.createNamespace("scheduled");
        LocalHostedCluster inventory = LocalHostedCluster.seed(admin, hyperShift, "scheduled", "inventory", etcd, pki,
                DIR.resolve("scheduled"), RollbackOnRealApiServerIT::say);

        ControlPlaneSnapshot taken = await("a verified Scheduled snapshot of scheduled/inventory", inventory,
                () -> snapshotsOf(inventory).stream().filter(s -> s.getSpec().getReason() == SnapshotReason.Scheduled)
                        .filter(ControlPlaneSnapshot::isVerified).findFirst());

        var status = taken.getStatus();
        assertEquals("4.18.5", status.getVersion());
        assertEquals(HostedClusters.tag("4.18.5"), status.getReleaseImage());
        assertEquals(inventory.cluster().getMetadata().getUid(), status.getHostedClusterUid(), "recorded of this cluster");
        assertTrue(status.getEtcdRevision() > 0, "the etcd revision it was taken at");
        assertStoredAsRecorded(taken);
    }

    @Test
    void aForcedUpdateThatDegradesIsRecordedUnhealthyAndRolledBackWithTheSnapshotsEtcdData() throws Exception {
        management.createNamespace("story");
        // the hosted cluster's data is in its etcd before the sidecar sees the cluster (and snapshots it)
        etcd.write(DATA_KEY, "4.18.5 settings");
        LocalHostedCluster payments = LocalHostedCluster.seed(admin, hyperShift, "story", "payments", etcd, pki,
                DIR.resolve("story"), RollbackOnRealApiServerIT::say);
        try (SimulatorLoop hyperShiftRuns = payments.start()) {
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(payments);
            payments.putInEtcd(DATA_KEY, "4.18.5 settings, edited after the snapshot");

            ControlPlaneUpdate update = forceUpdateTo(payments, "4.18.6", preUpgrade);
            // forced as HyperShift forces one: the annotation names 4.18.6 for good, and the broken release is not
            // Upgradeable; before the Revert removed the annotation, HyperShift refused the revert to 4.18.5
            admin.resources(HostedCluster.class).inNamespace(payments.namespace).withName(payments.name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                            + ReleaseChangeCheck.FORCE_UPGRADE_TO + "\":\"" + HostedClusters.tag("4.18.6") + "\"}}}");
            payments.hyperShift.reportedConditions.put(ReleaseChangeCheck.UPGRADEABLE, "False");
            payments.putInEtcd(DATA_KEY, "written on 4.18.6 by the broken release");
            ControlPlaneUpdate unhealthy = breakTheUpdate(payments, update);

            ControlPlaneRollback done = sreRequestsTheRollback(payments, unhealthy);

            assertPayloadBack(payments, done);
            HostedCluster after = payments.cluster();
            assertNull(after.getMetadata().getAnnotations().get(ReleaseChangeCheck.FORCE_UPGRADE_TO), "the Revert removed it");
            assertEquals(0, payments.hyperShift.refusedReleaseChanges.get(), "HyperShift never refused the revert");
            assertNull(after.getMetadata().getAnnotations().get(RestoreRecovery.ANNOTATION), "HyperShift removed it");
            assertTrue(after.getStatus().isConditionTrue(RestoreRecovery.CONDITION), "HyperShift's recovery ran");
            assertTrue(payments.hyperShift.recoveryRounds.get() >= 1, "Verify waited for the recovery");
            assertEquals("4.18.5 settings", payments.readFromEtcd(DATA_KEY), "etcd holds the snapshot's data again");
            assertTrue(payments.hyperShift.ranJobs.containsAll(done.getStatus().getRestoreJobs()),
                    "every restore Job ran for real: " + payments.hyperShift.ranJobs);
            assertStagedWithTheSidecarsOwnImage(payments, done);
            ControlPlaneUpdate rolledBack = await("the update's record marked RolledBack", payments, () -> updatesOf(payments)
                    .stream().filter(u -> u.getMetadata().getName().equals(update.getMetadata().getName()))
                    .filter(u -> u.health() == UpdateHealth.RolledBack).findFirst());
            assertEquals(done.getSpec().getSnapshotName(), rolledBack.getStatus().getRollbackPoint(),
                    "the final record names the point the rollback restored: " + rolledBack.getStatus().getRollbackPointMessage());
            assertNull(rolledBack.getStatus().getWindowLeft(), "a final record has no window left");
            say("test", "HyperShift's simulator redid " + payments.hyperShift.conflictsRetried.get()
                    + " status writes after a 409 (another writer came first)");
        }
    }

    /**
     * The sidecar runs from a registry nobody can pull from here: the preflight's measure Jobs wait on it, and the
     * rollback is refused before anything is touched, naming the image. Before, nothing looked at it: the rollback
     * paused the cluster and waited in Stage until restore-timeout.
     */
    @Test
    void aRollbackWhoseFetchImageTheNodesCannotPullIsRefusedBeforeAnythingIsTouched() throws Exception {
        management.createNamespace("unpullable");
        LocalHostedCluster billing = LocalHostedCluster.seed(admin, hyperShift, "unpullable", "billing", etcd, pki,
                DIR.resolve("unpullable"), RollbackOnRealApiServerIT::say);
        billing.hyperShift.unpullableImages.add(RENAMED_BY_DIGEST);
        try (SimulatorLoop hyperShiftRuns = billing.start()) {
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(billing);
            forceUpdateTo(billing, "4.18.6", preUpgrade);
            try (KubernetesClient sre = management.client(TestUser.SRE)) {
                sre.resources(HostedCluster.class).inNamespace(billing.namespace).withName(billing.name)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), LocalHostedCluster.requestPatch("4.18.5",
                                "INC-4712 billing down after 4.18.6", Map.of()));
            }
            ControlPlaneRollback refused = await("the rollback refused", billing, () -> rollbackOf(billing)
                    .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == RollbackPhase.Failed));
            assertEquals("PreflightFailed", refused.getStatus().getFailureReason(), refused.getStatus().getMessage());
            assertTrue(refused.getStatus().getMessage().contains(RENAMED_BY_DIGEST + " (from the sidecar's own pod "
                    + Install.NAMESPACE + "/" + OWN_POD + ") cannot be pulled on the management cluster")
                    && refused.getStatus().getMessage().contains("ImagePullBackOff"), refused.getStatus().getMessage());
            assertEquals(List.of(), refused.getStatus().getSteps(), "no step ran");
            HostedCluster after = billing.cluster();
            assertNull(after.getSpec().getPausedUntil(), "never paused");
            assertEquals(HostedClusters.tag("4.18.6"), after.getSpec().getRelease().getImage());
            assertEquals(List.of(), hyperShift.batch().v1().jobs().inNamespace(billing.controlPlaneNamespace())
                    .withLabel("app", RestoreJobs.APP_LABEL_VALUE).list().getItems(), "no stage Job");
        }
    }

    /**
     * Once per update means once per update: an SRE opts the cluster in, the update breaks, the sidecar files its
     * rollback, which is refused before anything is touched (the nodes cannot pull the sidecar's image), and the SRE
     * withdraws the request. The service's cleanup then deletes the update's records, as RBAC lets it: the sidecar
     * records the same update again and judges it Unhealthy again, but files nothing. Before, it filed a second
     * automatic rollback of the same update (and a second ControlPlaneRollback).
     */
    @Test
    void anAutomaticRollbackIsFiledOncePerUpdateEvenAfterTheUpdatesRecordsAreDeleted() throws Exception {
        management.createNamespace("once");
        LocalHostedCluster orders = LocalHostedCluster.seed(admin, hyperShift, "once", "orders", etcd, pki,
                DIR.resolve("once"), RollbackOnRealApiServerIT::say);
        orders.hyperShift.unpullableImages.add(RENAMED_BY_DIGEST);
        try (SimulatorLoop hyperShiftRuns = orders.start(); KubernetesClient sre = management.client(TestUser.SRE)) {
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(orders);
            sre.resources(HostedCluster.class).inNamespace(orders.namespace).withName(orders.name).patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"annotations\":{\"" + RollbackRequest.AUTO_ROLLBACK + "\":\"true\"}}}");
            ControlPlaneUpdate update = forceUpdateTo(orders, "4.18.6", preUpgrade);
            orders.brokenVersion = "4.18.6";

            ControlPlaneRollback refused = await("the automatic rollback filed and refused", orders, () -> rollbackOf(orders)
                    .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == RollbackPhase.Failed));
            assertTrue(refused.getSpec().getReason().startsWith("automatic: "), refused.getSpec().getReason());
            ControlPlaneUpdate filed = await("the update's record says Filed", orders, () -> updatesOf(orders).stream()
                    .filter(u -> autoRollback(u).map(c -> "Filed".equals(c.getReason())).orElse(false)).findFirst());
            // the PreUpgrade snapshot, or a Scheduled one of 4.18.5 that completed after it and before the update
            ControlPlaneSnapshot point = admin.resources(ControlPlaneSnapshot.class).inNamespace(orders.namespace)
                    .withName(filed.getStatus().getRollbackPoint()).get();
            String pointCompleted = Instant.parse(point.getStatus().getCompletionTime())
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
            assertEquals(pointCompleted, filed.getStatus().getRollbackPointTime(),
                    "the data-loss window starts when the rollback point completed");
            assertNotNull(filed.getStatus().getDataLossWindow(), "and is shown as its age");
            assertTrue(autoRollback(filed).get().getMessage().contains("restoring snapshot " + point.getMetadata().getName()
                    + " throws away the etcd writes since " + pointCompleted),
                    autoRollback(filed).get().getMessage());
            assertEquals(Optional.of(filed.getMetadata().getName()), RollbackRequest.autoRollbackFiled(orders.cluster()),
                    "the filing recorded on the HostedCluster, by the update's record name");
            // the SRE withdraws the refused request; the record of the filing is not theirs to remove
            sre.resources(HostedCluster.class).inNamespace(orders.namespace).withName(orders.name).patch(
                    PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"" + RollbackRequest.TO_VERSION
                            + "\":null,\"" + RollbackRequest.REASON + "\":null}}}");
            KubernetesClientException refusal = assertThrows(KubernetesClientException.class, () -> sre
                    .resources(HostedCluster.class).inNamespace(orders.namespace).withName(orders.name).patch(
                            PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                                    + RollbackRequest.AUTO_ROLLBACK_FILED + "\":null}}}"));
            assertEquals(403, refusal.getCode());
            assertTrue(refusal.getMessage().contains("[auto-rollback-filed-by-sidecar] " + RollbackRequest.AUTO_ROLLBACK_FILED
                    + " (ControlPlaneUpdate " + filed.getMetadata().getName() + ") records that hcp-rollback filed"),
                    refusal.getMessage());

            admin.resources(ControlPlaneUpdate.class).inNamespace(orders.namespace).withName(filed.getMetadata().getName())
                    .delete();
            ControlPlaneUpdate again = await("the update recorded again, Unhealthy, its automatic rollback looked at",
                    orders, () -> updatesOf(orders).stream()
                            .filter(u -> !u.getMetadata().getUid().equals(filed.getMetadata().getUid()))
                            .filter(u -> u.health() == UpdateHealth.Unhealthy && autoRollback(u).isPresent()).findFirst());
            assertEquals(update.getMetadata().getName(), again.getMetadata().getName(), "the same update, by its name");
            assertFalse(RollbackRequest.of(orders.cluster()).isPresent(), "no second request for the same update: "
                    + orders.cluster().getMetadata().getAnnotations());
            assertEquals("Filed", autoRollback(again).get().getReason(), autoRollback(again).get().getMessage());
            assertEquals(refused.getMetadata().getUid(), rollbackOf(orders).orElseThrow().getMetadata().getUid(),
                    "still the one rollback");
        }
    }

    /**
     * An SRE cancels a rollback waiting in Stage (HyperShift leaves the stage Jobs running), before its point of no
     * return, with the runbook's command; a customer's cancel before it is refused. The sidecar undoes the rollback:
     * the record ends Cancelled naming the SRE, the cluster runs unpaused on the payload it had, etcd keeps the data
     * written since the snapshot, and the request and the cancel are gone from the HostedCluster.
     */
    @Test
    void anSreCancelsARollbackBeforeItsPointOfNoReturnAndItIsUndoneWithEtcdUntouched() throws Exception {
        management.createNamespace("cancelled");
        LocalHostedCluster shop = LocalHostedCluster.seed(admin, hyperShift, "cancelled", "shop", etcd, pki,
                DIR.resolve("cancelled"), RollbackOnRealApiServerIT::say);
        try (SimulatorLoop hyperShiftRuns = shop.start()) {
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(shop);
            forceUpdateTo(shop, "4.18.6", preUpgrade);
            shop.putInEtcd(DATA_KEY, "written on 4.18.6, after the snapshot");
            shop.hyperShift.runJobs = false;
            requestAsSre(shop, "INC-4714 shop slow after 4.18.6");
            ControlPlaneRollback staging = await("the rollback waiting in Stage, the cluster paused", shop,
                    () -> rollbackOf(shop).filter(r -> r.getStatus() != null && "Stage".equals(r.getStatus().getCurrentStep()))
                            .filter(r -> "true".equals(shop.cluster().getSpec().getPausedUntil())));
            assertFalse(staging.getStatus().isTrue(RollbackConditions.POINT_OF_NO_RETURN), "before the point of no return");

            ApiRequest.Answer customers = cancelWithTheRunbooksCommand(Caller.CUSTOMER, shop);
            assertEquals(403, customers.status(), customers.toString());
            assertTrue(customers.message().contains("[request-unauthorised]"), customers.message());

            ApiRequest.Answer sres = cancelWithTheRunbooksCommand(Caller.SRE, shop);
            assertTrue(sres.succeeded(), sres.toString());
            ControlPlaneRollback cancelled = await("the rollback Cancelled", shop, () -> rollbackOf(shop)
                    .filter(r -> r.getStatus().getPhase() == RollbackPhase.Cancelled));

            var status = cancelled.getStatus();
            assertEquals(TestUser.SRE.username, status.getCancelledBy(), status.getMessage());
            Condition succeeded = status.condition(RollbackConditions.SUCCEEDED).orElseThrow();
            assertEquals("False/Cancelled", succeeded.getStatus() + "/" + succeeded.getReason(), succeeded.getMessage());
            assertFalse(status.isTrue(RollbackConditions.POINT_OF_NO_RETURN), "never passed");
            assertEquals(RollbackPhase.Cancelled, status.step(dev.hcprollback.api.Step.Stage).orElseThrow().getPhase(),
                    "the step it was in");
            HostedCluster after = await("the HostedCluster unpaused, its request and cancel removed", shop,
                    () -> Optional.of(shop.cluster()).filter(c -> c.getSpec().getPausedUntil() == null
                            && RollbackRequest.WITHDRAWN_BY_CANCEL.stream().noneMatch(c.getMetadata().getAnnotations()::containsKey)));
            assertEquals(HostedClusters.tag("4.18.6"), after.getSpec().getRelease().getImage(), "the payload unchanged");
            assertEquals("written on 4.18.6, after the snapshot", shop.readFromEtcd(DATA_KEY), "etcd's data untouched");
            LocalHostedCluster.WRITERS.forEach((name, replicas) -> assertEquals(replicas, hyperShift.apps().deployments()
                    .inNamespace(shop.controlPlaneNamespace()).withName(name).get().getSpec().getReplicas(), name));
            assertEquals(List.of(), hyperShift.batch().v1().jobs().inNamespace(shop.controlPlaneNamespace())
                    .withLabel(RestoreJobs.PHASE_LABEL, RestoreJobs.Phase.swap.name()).list().getItems(), "no swap Job");
        }
    }

    /**
     * Past its point of no return (etcd's data swapped; HyperShift does not finish rolling the payload out, so the
     * rollback waits in Verify) the webhook refuses an SRE's cancel, and the rollback finishes once the rollout does.
     */
    @Test
    void anSresCancelPastThePointOfNoReturnIsRefusedAndTheRollbackFinishes() throws Exception {
        management.createNamespace("uncancellable");
        etcd.write(DATA_KEY, "4.18.5 settings");
        LocalHostedCluster ledger = LocalHostedCluster.seed(admin, hyperShift, "uncancellable", "books", etcd, pki,
                DIR.resolve("uncancellable"), RollbackOnRealApiServerIT::say);
        try (SimulatorLoop hyperShiftRuns = ledger.start()) {
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(ledger);
            forceUpdateTo(ledger, "4.18.6", preUpgrade);
            ledger.putInEtcd(DATA_KEY, "written on 4.18.6");
            ledger.hyperShift.completeRollouts = false;
            requestAsSre(ledger, "INC-4715 books broken after 4.18.6");
            ControlPlaneRollback verifying = await("the rollback past its point of no return, waiting in Verify", ledger,
                    () -> rollbackOf(ledger).filter(r -> r.getStatus() != null && "Verify".equals(r.getStatus().getCurrentStep())
                            && r.getStatus().isTrue(RollbackConditions.POINT_OF_NO_RETURN)));

            ApiRequest.Answer refused = cancelWithTheRunbooksCommand(Caller.SRE, ledger);
            assertEquals(403, refused.status(), refused.toString());
            assertTrue(refused.message().contains("[cancel-past-point-of-no-return] rollback "
                    + verifying.getMetadata().getName() + " of books has passed its point of no return"), refused.message());
            assertFalse(ledger.cluster().getMetadata().getAnnotations().containsKey(RollbackRequest.CANCEL), "no cancel set");

            ledger.hyperShift.completeRollouts = true;
            ControlPlaneRollback done = await("the rollback ended", ledger, () -> rollbackOf(ledger).filter(r -> r.getStatus()
                    .condition(RollbackConditions.SUCCEEDED).filter(c -> !"Unknown".equals(c.getStatus())).isPresent()));
            assertEquals(RollbackPhase.Succeeded, done.getStatus().getPhase(), done.getStatus().getMessage());
            assertNull(done.getStatus().getCancelledBy());
            assertPayloadBack(ledger, done);
            assertEquals("4.18.5 settings", ledger.readFromEtcd(DATA_KEY), "etcd holds the snapshot's data");
        }
    }

    private static void requestAsSre(LocalHostedCluster cluster, String reason) {
        try (KubernetesClient sre = management.client(TestUser.SRE)) {
            sre.resources(HostedCluster.class).inNamespace(cluster.namespace).withName(cluster.name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), LocalHostedCluster.requestPatch("4.18.5", reason, Map.of()));
        }
    }

    /**
     * docs/runbook.md's cancel, as {@code who} runs it: {@code kubectl auth whoami} (a SelfSubjectReview) for the user
     * name, then {@code kubectl annotate} (a merge patch) with it.
     */
    private static ApiRequest.Answer cancelWithTheRunbooksCommand(Caller who, LocalHostedCluster cluster) {
        ApiRequest.Answer whoami = who.send(management.server(), ApiRequest.create(
                "/apis/authentication.k8s.io/v1/selfsubjectreviews", HostedClusters.JSON.createObjectNode()
                        .put("apiVersion", "authentication.k8s.io/v1").put("kind", "SelfSubjectReview")));
        assertTrue(whoami.succeeded(), "kubectl auth whoami: " + whoami);
        String username = whoami.body().at("/status/userInfo/username").asText();
        assertEquals(who.username(), username, "kubectl auth whoami");
        var patch = HostedClusters.JSON.createObjectNode();
        patch.putObject("metadata").putObject("annotations").put(RollbackRequest.CANCEL, username);
        return who.send(management.server(), ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(cluster.namespace,
                cluster.name), patch));
    }

    private static Optional<Condition> autoRollback(ControlPlaneUpdate update) {
        return update.getStatus() == null ? Optional.empty() : update.getStatus().condition("AutoRollback");
    }

    /**
     * HyperShift re-encrypts etcd after a key rotation and drops the old key (status.secretEncryption, as its
     * 3ee9615 CRDs write it): the snapshot records the key its data is encrypted with; while a rotation runs the old
     * key is still configured and the snapshot stays the update's rollback point; once the rotation completed, the
     * snapshot is no rollback point, the update record says why, and an SRE's rollback request is refused.
     */
    @Test
    void aSnapshotWhoseEncryptionKeyARotationDroppedIsNoRollbackPoint() throws Exception {
        management.createNamespace("rotated");
        LocalHostedCluster ledger = LocalHostedCluster.seed(admin, hyperShift, "rotated", "ledger", etcd, pki,
                DIR.resolve("rotated"), RollbackOnRealApiServerIT::say);
        String oldKey = ledger.cluster().getSpec().getSecretEncryption().kms.aws.activeKey.arn;
        String newKey = oldKey + "-rotated";
        try (SimulatorLoop hyperShiftRuns = ledger.start()) {
            publishActiveKey(ledger, oldKey, null);
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(ledger);
            assertEquals("kms", preUpgrade.getStatus().getEncryption().getType());
            assertEquals(List.of("AWS " + oldKey), preUpgrade.getStatus().getEncryption().getKeys().stream()
                    .map(k -> k.getProvider() + " " + k.getId()).toList(), "the key its data is encrypted with");
            ControlPlaneUpdate update = forceUpdateTo(ledger, "4.18.6", preUpgrade);

            // the rotation starts: the new key writes, the old one still reads
            admin.resources(HostedCluster.class).inNamespace(ledger.namespace).withName(ledger.name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"secretEncryption\":{\"kms\":{\"aws\":"
                            + "{\"activeKey\":{\"arn\":\"" + newKey + "\"}}}}}}");
            publishActiveKey(ledger, oldKey, newKey);
            HostedCluster rotating = ledger.cluster();
            assertTrue(dev.hcprollback.eligibility.EncryptionKeyCheck.readable(preUpgrade, rotating),
                    dev.hcprollback.eligibility.EncryptionKeyCheck.of(preUpgrade, rotating).detail());
            assertEquals(preUpgrade.getMetadata().getName(), updatesOf(ledger).stream()
                    .filter(u -> u.getMetadata().getName().equals(update.getMetadata().getName())).findFirst().orElseThrow()
                    .getStatus().getRollbackPoint(), "still the rollback point while the old key is configured");

            // re-encryption completed: HyperShift drops the old key
            publishActiveKey(ledger, newKey, null);
            ControlPlaneUpdate without = await("the update's record without its rollback point, saying why", ledger,
                    () -> updatesOf(ledger).stream().filter(u -> u.getMetadata().getName().equals(update.getMetadata().getName()))
                            .filter(u -> u.getStatus().getRollbackPoint() == null).findFirst());
            assertTrue(without.getStatus().getRollbackPointMessage().contains("AWS KMS key " + oldKey)
                    && without.getStatus().getRollbackPointMessage().contains("not a rollback point"),
                    without.getStatus().getRollbackPointMessage());
            try (KubernetesClient sre = management.client(TestUser.SRE)) {
                io.fabric8.kubernetes.client.KubernetesClientException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        io.fabric8.kubernetes.client.KubernetesClientException.class,
                        () -> sre.resources(HostedCluster.class).inNamespace(ledger.namespace).withName(ledger.name)
                                .patch(PatchContext.of(PatchType.JSON_MERGE), LocalHostedCluster.requestPatch("4.18.5",
                                        "INC-4713 ledger after 4.18.6", Map.of())));
                assertTrue(refused.getMessage().contains("[encryption-key-gone]"), refused.getMessage());
            }
            assertEquals(Optional.empty(), rollbackOf(ledger), "no rollback record");
        }
    }

    /** A cluster "orders" with the shards "events" (PersistentVolume, 1 member) and "leases" (EmptyDir), each a local etcd. */
    private static LocalHostedCluster sharded(String namespace, String name) throws Exception {
        Install.applyTechPreviewHostedClusterCrd(management.server());
        management.createNamespace(namespace);
        LocalHostedCluster cluster = LocalHostedCluster.seed(admin, hyperShift, namespace, name, etcd, pki,
                DIR.resolve(namespace), RollbackOnRealApiServerIT::say, fixture -> fixture.withEtcdShards(
                        HostedClusters.shard("events", 1, "PersistentVolume", "/events"),
                        HostedClusters.shard("leases", 1, "EmptyDir", "coordination.k8s.io/leases")))
                .withShardEtcd("etcd-events", eventsShard, false).withShardEtcd("etcd-leases", leasesShard, true);
        assertEquals(List.of("etcd-events", "etcd-leases"), cluster.cluster().etcdShards().stream()
                .map(dev.hcprollback.hypershift.ManagedEtcd.Shard::statefulSet).toList(), "the server kept the shards");
        return cluster;
    }

    /**
     * EtcdSharding (TechPreview; HyperShift's TechPreviewNoUpgrade HostedCluster CRD, which keeps spec.etcd.managed.shards):
     * the PreUpgrade snapshot is one set, the default etcd and the PersistentVolume shard "events" (its own etcd process
     * here), each stored and verified, the EmptyDir shard left out; it is the update's rollback point. The rollback
     * restores both etcds, each from its own object of the set by its own stage and swap Jobs (run for real on each
     * etcd's data directory), bumps each above what it had, and empties the EmptyDir shard.
     */
    @Test
    void aShardedClusterIsRolledBackWholeFromItsSnapshotSet() throws Exception {
        etcd.write(DATA_KEY, "4.18.5 settings");
        eventsShard.write(EVENT_KEY, "an event of 4.18.5");
        LocalHostedCluster orders = sharded("sharded", "orders");
        try (SimulatorLoop hyperShiftRuns = orders.start()) {
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(orders);
            List<dev.hcprollback.api.SnapshotShard> shards = preUpgrade.getStatus().getShards();
            assertEquals(List.of("events"), shards.stream().map(dev.hcprollback.api.SnapshotShard::getName).toList(),
                    "the PersistentVolume shard only");
            dev.hcprollback.api.SnapshotShard events = shards.get(0);
            assertTrue(events.getVerified(), "verified");
            assertStoredAsRecorded(events.getObjectKey(), events.getSizeBytes(), events.getSha256());
            assertTrue(preUpgrade.getStatus().getMessage().contains("with the etcd shards events (revision "),
                    preUpgrade.getStatus().getMessage());

            forceUpdateTo(orders, "4.18.6", preUpgrade);
            orders.putInEtcd(DATA_KEY, "written on 4.18.6");
            eventsShard.write(EVENT_KEY, "an event of 4.18.6");
            leasesShard.write(LEASE_KEY, "a lease held in memory on 4.18.6");
            requestAsSre(orders, "INC-4721 orders broken after 4.18.6");
            ControlPlaneRollback done = await("the rollback ended", orders, () -> rollbackOf(orders).filter(r -> r.getStatus()
                    != null && r.getStatus().condition(RollbackConditions.SUCCEEDED).filter(c -> !"Unknown".equals(c.getStatus()))
                            .isPresent()));

            var status = done.getStatus();
            assertEquals(RollbackPhase.Succeeded, status.getPhase(), status.getMessage());
            assertPayloadBack(orders, done);
            assertEquals("4.18.5 settings", orders.readFromEtcd(DATA_KEY), "the default etcd holds the snapshot's data");
            assertEquals("an event of 4.18.5", eventsShard.read(EVENT_KEY), "the shard holds its own snapshot's data");
            assertNull(leasesShard.read(LEASE_KEY), "the EmptyDir shard was emptied");
            // a stage and a swap Job per etcd on PersistentVolumes, the shard's from its own object, none of the EmptyDir shard
            List<Job> jobs = hyperShift.batch().v1().jobs().inNamespace(orders.controlPlaneNamespace())
                    .withLabel("app", RestoreJobs.APP_LABEL_VALUE).list().getItems();
            assertEquals(status.getRestoreJobs().stream().sorted().toList(), jobs.stream().map(j -> j.getMetadata().getName())
                    .sorted().toList());
            assertEquals(4, jobs.size(), status.getRestoreJobs().toString());
            assertTrue(orders.hyperShift.ranJobs.containsAll(status.getRestoreJobs()), orders.hyperShift.ranJobs.toString());
            Job shardStage = jobs.stream().filter(j -> j.getMetadata().getName().endsWith("-etcd-events-0")
                    && "stage".equals(j.getMetadata().getLabels().get(RestoreJobs.PHASE_LABEL))).findFirst().orElseThrow();
            Map<String, String> env = shardStage.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .collect(java.util.stream.Collectors.toMap(EnvVar::getName, e -> e.getValue() == null ? "" : e.getValue()));
            assertEquals(events.getSha256(), env.get("SNAPSHOT_SHA256"), "the shard's own object");
            assertTrue(env.get("SNAPSHOT_URL").contains(events.getObjectKey()), env.get("SNAPSHOT_URL"));
            assertEquals("etcd-events-0", env.get("MEMBER_NAME"));
            assertEquals("data-etcd-events-0", shardStage.getSpec().getTemplate().getSpec().getVolumes().get(0)
                    .getPersistentVolumeClaim().getClaimName());
            assertTrue(status.getShardRevisionsAtQuiesce().containsKey("events"), String.valueOf(status.getShardRevisionsAtQuiesce()));
            String started = status.step(dev.hcprollback.api.Step.StartEtcd).orElseThrow().getMessage();
            assertTrue(started.contains("etcd-events: 1 member(s)") && started.contains("past the bump")
                    && started.contains("etcd-leases: 1 member(s)") && started.contains("EmptyDir, emptied: it held"
                            + " coordination.k8s.io/leases"), started);
        }
    }

    /**
     * A snapshot recorded without the set's shard (as an hcp-rollback that did not snapshot shards yet recorded it: the
     * sidecar's own service account writes that status here) is no rollback point of the sharded cluster: the SRE's
     * request is refused by the webhook, naming the shard it lacks, and no rollback record is made.
     */
    @Test
    void aSnapshotThatLacksAShardRefusesTheRollback() throws Exception {
        LocalHostedCluster billing = sharded("sharded-missing", "billing");
        try (SimulatorLoop hyperShiftRuns = billing.start()) {
            ControlPlaneSnapshot preUpgrade = takePreUpgradeSnapshot(billing);
            // every snapshot of 4.18.5 (a Scheduled one may have been taken beside the PreUpgrade one)
            try (KubernetesClient asSidecar = management.server().clientWithToken(Install.sidecarToken(management.server()))) {
                for (ControlPlaneSnapshot taken : snapshotsOf(billing)) {
                    if ("4.18.5".equals(taken.getStatus().getVersion())) {
                        asSidecar.resources(ControlPlaneSnapshot.class).inNamespace(billing.namespace)
                                .withName(taken.getMetadata().getName()).subresource("status")
                                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"shards\":null}}");
                    }
                }
            }
            assertTrue(snapshotsOf(billing).stream().anyMatch(s -> s.getMetadata().getName().equals(preUpgrade.getMetadata()
                    .getName()) && s.getStatus().getShards() == null), "recorded without its shard");
            rollOut(billing, "4.18.6", preUpgrade);
            // the update record is the sidecar's own word that its caches hold the snapshot as it is now
            ControlPlaneUpdate update = await("the update recorded without a rollback point, saying why", billing,
                    () -> updatesOf(billing).stream().filter(u -> "4.18.6".equals(u.getSpec().getToVersion()))
                            .filter(u -> u.getStatus() != null && u.getStatus().getRollbackPointMessage() != null
                                    && u.getStatus().getRollbackPointMessage().contains("not the etcd shards etcd-events"))
                            .findFirst());
            assertNull(update.getStatus().getRollbackPoint());
            try (KubernetesClient sre = management.client(TestUser.SRE)) {
                KubernetesClientException refused = org.junit.jupiter.api.Assertions.assertThrows(KubernetesClientException.class,
                        () -> sre.resources(HostedCluster.class).inNamespace(billing.namespace).withName(billing.name)
                                .patch(PatchContext.of(PatchType.JSON_MERGE), LocalHostedCluster.requestPatch("4.18.5",
                                        "INC-4722 billing after 4.18.6", Map.of())));
                assertTrue(refused.getMessage().contains("[etcd-shard-not-snapshotted]")
                        && refused.getMessage().contains("etcd-events (PersistentVolume, 1 member; holds events)"),
                        refused.getMessage());
            }
            assertEquals(Optional.empty(), rollbackOf(billing), "no rollback record");
        }
    }

    /** HyperShift's status.secretEncryption: the AWS key all data is encrypted with, and a rotation's target. */
    private static void publishActiveKey(LocalHostedCluster cluster, String active, String target) {
        String key = "{\"provider\":\"AWS\",\"aws\":{\"arn\":\"%s\"}}";
        hyperShift.resources(HostedCluster.class).inNamespace(cluster.namespace).withName(cluster.name)
                .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"secretEncryption\":"
                        + "{\"activeKey\":" + key.formatted(active) + ",\"targetKey\":"
                        + (target == null ? "null" : key.formatted(target)) + "}}}");
    }

    /** The stage Jobs ran the sidecar's own image, by digest, and the plan's preflight said so. */
    private static void assertStagedWithTheSidecarsOwnImage(LocalHostedCluster cluster, ControlPlaneRollback done) {
        List<Job> stages = hyperShift.batch().v1().jobs().inNamespace(cluster.controlPlaneNamespace())
                .withLabel(RestoreJobs.PHASE_LABEL, RestoreJobs.Phase.stage.name()).list().getItems();
        assertFalse(stages.isEmpty(), "stage Jobs in " + cluster.controlPlaneNamespace());
        for (Job stage : stages) {
            assertEquals(List.of(RENAMED_BY_DIGEST), stage.getSpec().getTemplate().getSpec().getInitContainers().stream()
                    .filter(c -> RestoreJobs.FETCH_CONTAINER.equals(c.getName())).map(Container::getImage).toList(),
                    stage.getMetadata().getName());
        }
        PreflightCheck fetchImage = done.getStatus().getPlan().getPreflight().stream()
                .filter(c -> "fetchImage".equals(c.getName())).findFirst().orElseThrow();
        assertTrue(fetchImage.passed() && fetchImage.getDetail().startsWith(RENAMED_BY_DIGEST + " (from the sidecar's own pod "),
                fetchImage.getDetail());
    }

    /** The release tooling asks for a snapshot before the update; the sidecar streams etcd into S3 and checks it. */
    private static ControlPlaneSnapshot takePreUpgradeSnapshot(LocalHostedCluster cluster) throws Exception {
        ControlPlaneSnapshot request = new ControlPlaneSnapshot();
        request.setMetadata(new ObjectMetaBuilder().withName(cluster.name + "-pre-4-18-6").withNamespace(cluster.namespace)
                .build());
        request.setSpec(new ControlPlaneSnapshotSpec(cluster.name, SnapshotReason.PreUpgrade));
        admin.resource(request).create();
        ControlPlaneSnapshot taken = await("the PreUpgrade snapshot verified", cluster,
                () -> Optional.ofNullable(admin.resource(request).get()).filter(ControlPlaneSnapshot::isVerified));
        assertEquals("4.18.5", taken.getStatus().getVersion());
        assertStoredAsRecorded(taken);
        // the runbook finds every snapshot of a cluster by its label: release tooling's carries it too
        assertTrue(admin.resources(ControlPlaneSnapshot.class).inNamespace(cluster.namespace)
                .withLabel(RollbackNames.CLUSTER_LABEL, cluster.name).list().getItems().stream()
                .anyMatch(s -> s.getMetadata().getName().equals(taken.getMetadata().getName())), "labelled");
        // a Scheduled snapshot of the new cluster may have started before: the edits to come must be in neither
        await("every snapshot of " + cluster.name + " final", cluster, () -> Optional.of(snapshotsOf(cluster))
                .filter(all -> all.stream().allMatch(s -> s.isVerified() || s.getStatus() != null
                        && s.getStatus().getPhase() == SnapshotPhase.Failed)));
        return taken;
    }

    /**
     * The service forces the z-stream update (through the webhook, as the cluster administrator), HyperShift rolls it
     * out, and the sidecar records it as a ControlPlaneUpdate that soaks, with the snapshot as its rollback point.
     */
    private static ControlPlaneUpdate forceUpdateTo(LocalHostedCluster cluster, String version, ControlPlaneSnapshot point)
            throws Exception {
        rollOut(cluster, version, point);
        ControlPlaneUpdate recorded = await("the update recorded, soaking, with its rollback point", cluster,
                () -> updatesOf(cluster).stream().filter(u -> version.equals(u.getSpec().getToVersion()))
                        // created first, its status written next: a look in between sees a record without one
                        .filter(u -> u.getStatus() != null && u.health() == UpdateHealth.Soaking
                                && u.getStatus().getRollbackPoint() != null)
                        .findFirst());
        assertEquals("4.18.5", recorded.getSpec().getFromVersion());
        return recorded;
    }

    /** The service forces {@code version} a second after {@code point} completed; HyperShift rolls it out, workers too. */
    private static void rollOut(LocalHostedCluster cluster, String version, ControlPlaneSnapshot point) throws Exception {
        // times are stored to the second: the update must start in a later second than the snapshot completed
        Instant completed = Instant.parse(point.getStatus().getCompletionTime());
        await("a second after the snapshot completed", cluster,
                () -> Optional.of(Instant.now()).filter(now -> now.isAfter(completed.plusSeconds(1))));
        admin.resources(HostedCluster.class).inNamespace(cluster.namespace).withName(cluster.name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), LocalHostedCluster.releasePatch(version));
        await(version + " rolled out", cluster, () -> Optional.of(cluster.cluster().versionHistory().get(0))
                .filter(newest -> version.equals(newest.getVersion()) && newest.isCompleted()));
        cluster.upgradeWorkers(version);
    }

    /** The new release breaks the control plane: HyperShift reports Degraded, the sidecar judges the update. */
    private static ControlPlaneUpdate breakTheUpdate(LocalHostedCluster cluster, ControlPlaneUpdate update) throws Exception {
        cluster.brokenVersion = update.getSpec().getToVersion();
        ControlPlaneUpdate unhealthy = await("the update judged Unhealthy with a rollback recommended", cluster,
                () -> updatesOf(cluster).stream().filter(u -> u.getMetadata().getName().equals(update.getMetadata().getName()))
                        .filter(u -> u.health() == UpdateHealth.Unhealthy && u.getStatus().getRollbackCommand() != null)
                        .findFirst());
        assertTrue(unhealthy.getStatus().getEvidence().stream().anyMatch(signal -> "Degraded".equals(signal.getName())),
                "Degraded is the evidence: " + unhealthy.getStatus().getEvidence());
        assertTrue(unhealthy.getStatus().getRollbackCommand().contains("rollback.hypershift.openshift.io/to-version=4.18.5"),
                unhealthy.getStatus().getRollbackCommand());
        Condition recommended = unhealthy.getStatus().getConditions().stream()
                .filter(c -> "RollbackRecommended".equals(c.getType())).findFirst().orElseThrow();
        assertEquals("True", recommended.getStatus(), recommended.getMessage());
        await("the recommendation as an Event on the update's record", cluster,
                () -> Optional.of(eventsOn(unhealthy)).filter(seen -> seen.containsKey("RollbackRecommended")));
        return unhealthy;
    }

    /**
     * The SRE annotates the HostedCluster as the recommendation says, through the admission chain (the webhook checks
     * the rollback verb and the snapshot behind the request); the sidecar files the record and runs it to the end.
     */
    private static ControlPlaneRollback sreRequestsTheRollback(LocalHostedCluster cluster, ControlPlaneUpdate unhealthy)
            throws Exception {
        try (KubernetesClient sre = management.client(TestUser.SRE)) {
            sre.resources(HostedCluster.class).inNamespace(cluster.namespace).withName(cluster.name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), LocalHostedCluster.requestPatch(
                            unhealthy.getSpec().getFromVersion(), "INC-4711 ingress down after 4.18.6", Map.of()));
        }
        // kubectl wait --for=condition=Succeeded: the condition leaves Unknown once the rollback ended either way
        ControlPlaneRollback done = await("the rollback's condition Succeeded True or False", cluster, () -> rollbackOf(cluster)
                .filter(r -> r.getStatus() != null && r.getStatus().condition(RollbackConditions.SUCCEEDED)
                        .filter(c -> !"Unknown".equals(c.getStatus())).isPresent()));
        assertEquals(RollbackPhase.Succeeded, done.getStatus().getPhase(), done.getStatus().getMessage());
        assertTrue(done.getStatus().isTrue(RollbackConditions.SUCCEEDED), done.getStatus().getConditions().toString());
        assertTrue(done.getStatus().isTrue(RollbackConditions.POINT_OF_NO_RETURN), "etcd's data was swapped");
        assertFalse(done.getStatus().isTrue(RollbackConditions.PROGRESSING), "it ended");
        List<String> reasons = List.of("RollbackStarted", "RollbackStepStarted", "RollbackJobCreated",
                "RollbackPointOfNoReturn", "RollbackStepSucceeded", "RollbackSucceeded");
        for (HasMetadata about : List.of(done, cluster.cluster())) {
            Map<String, Long> events = await("the rollback's Events on the " + about.getKind(), cluster,
                    () -> Optional.of(eventsOn(about)).filter(seen -> seen.keySet().containsAll(reasons)));
            assertEquals(8L, events.get("RollbackStepSucceeded"), about.getKind() + ": one per step: " + events);
        }
        assertEquals(List.of("Pause", "Stage", "Quiesce", "Swap", "StartEtcd", "Revert", "Resume", "Verify"),
                done.getStatus().getPlan().getSteps(), "the etcd restore, staged while the control plane served");
        assertEquals(done.getStatus().getPlan().getSteps(), done.getStatus().getSteps().stream().map(RollbackStep::getName)
                .toList(), "each step of the plan recorded once, in order");
        done.getStatus().getSteps().forEach(step -> assertEquals(RollbackPhase.Succeeded, step.getPhase(), step.getName()));
        assertEquals(unhealthy.getStatus().getRollbackPoint(), done.getSpec().getSnapshotName(),
                "the rollback restores the update's rollback point");
        return done;
    }

    private static void assertPayloadBack(LocalHostedCluster cluster, ControlPlaneRollback done) {
        HostedCluster after = cluster.cluster();
        assertEquals(HostedClusters.tag("4.18.5"), after.getSpec().getRelease().getImage());
        UpdateHistory newest = after.versionHistory().get(0);
        assertEquals("4.18.5", newest.getVersion());
        assertTrue(newest.isCompleted(), "HyperShift rolled 4.18.5 out again");
        assertNull(after.getSpec().getPausedUntil(), "reconciliation resumed");
        assertFalse(after.getMetadata().getAnnotations().containsKey(RollbackRequest.TO_VERSION), "the request cleared");
        LocalHostedCluster.WRITERS.forEach((name, replicas) -> assertEquals(replicas, hyperShift.apps().deployments()
                .inNamespace(cluster.controlPlaneNamespace()).withName(name).get().getSpec().getReplicas(), name));
        assertEquals(1, hyperShift.apps().statefulSets().inNamespace(cluster.controlPlaneNamespace()).withName("etcd").get()
                .getSpec().getReplicas());
        assertNotNull(done.getStatus().getDowntime(), "the API servers' downtime recorded");
    }

    /** The object the snapshot's status names is in the bucket, with the recorded size and SHA-256. */
    private static void assertStoredAsRecorded(ControlPlaneSnapshot snapshot) throws Exception {
        assertStoredAsRecorded(snapshot.getStatus().getObjectKey(), snapshot.getStatus().getSizeBytes(),
                snapshot.getStatus().getSha256());
    }

    /** The object at {@code key} in the bucket has the size and SHA-256 the status recorded. */
    private static void assertStoredAsRecorded(String key, Long recordedSize, String recordedSha256) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long size = 0;
        try (InputStream object = s3.client().getObject(b -> b.bucket(BUCKET).key(key))) {
            byte[] buffer = new byte[1 << 16];
            for (int read; (read = object.read(buffer)) > 0; size += read) {
                sha256.update(buffer, 0, read);
            }
        }
        assertEquals(recordedSize.longValue(), size, "stored size of " + key);
        assertEquals(recordedSha256, HexFormat.of().formatHex(sha256.digest()), "stored SHA-256 of " + key);
    }

    /** The Events on an object, as kubectl describe lists them: reason and how often it was said. */
    private static Map<String, Long> eventsOn(HasMetadata about) {
        return admin.v1().events().inNamespace(about.getMetadata().getNamespace())
                .withField("involvedObject.uid", about.getMetadata().getUid()).list().getItems().stream()
                .collect(Collectors.groupingBy(Event::getReason, Collectors.summingLong(e -> e.getCount() == null ? 1
                        : e.getCount())));
    }

    private static List<ControlPlaneSnapshot> snapshotsOf(LocalHostedCluster cluster) {
        return admin.resources(ControlPlaneSnapshot.class).inNamespace(cluster.namespace).list().getItems().stream()
                .filter(s -> cluster.name.equals(s.getSpec().getHostedClusterName())).toList();
    }

    private static List<ControlPlaneUpdate> updatesOf(LocalHostedCluster cluster) {
        return admin.resources(ControlPlaneUpdate.class).inNamespace(cluster.namespace).list().getItems().stream()
                .filter(u -> cluster.name.equals(u.getSpec().getHostedClusterName())).toList();
    }

    private static Optional<ControlPlaneRollback> rollbackOf(LocalHostedCluster cluster) {
        List<ControlPlaneRollback> rollbacks = admin.resources(ControlPlaneRollback.class).inNamespace(cluster.namespace)
                .list().getItems().stream().filter(r -> cluster.name.equals(r.getSpec().getHostedClusterName())).toList();
        assertTrue(rollbacks.size() <= 1, "one record for the request: " + rollbacks.size());
        return rollbacks.stream().findFirst();
    }

    /**
     * Waits until {@code found} finds something, and returns it; a wait that ends without it fails with what the
     * cluster and the sidecar show.
     */
    private static <T> T await(String what, LocalHostedCluster cluster, Callable<Optional<T>> found) throws Exception {
        try {
            return Awaitility.await(what).atMost(LIMIT).pollInterval(Duration.ofMillis(250))
                    .until(found, Optional::isPresent).orElseThrow();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": not seen within " + LIMIT.toSeconds() + " s.\nHostedCluster status: "
                    + admin.getKubernetesSerialization().asJson(cluster.cluster().getStatus())
                    + "\nrollback: " + rollbackOf(cluster).map(r -> admin.getKubernetesSerialization().asJson(r.getStatus()))
                            .orElse("none")
                    + "\nHyperShift's last hiccup: " + cluster.lastHiccup().orElse("none")
                    + "\nthe sidecar's log ends:\n" + sidecar.logTail(40), e);
        }
    }

    private static void say(String actor, String what) {
        System.out.println("[" + actor + "] " + what);
    }
}
