package dev.hcprollback.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.awaitility.Awaitility;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.snapshot.EtcdCredentials;
import dev.hcprollback.snapshot.SnapshotTaker;
import dev.hcprollback.webhook.rules.AdmissionCaches;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Puts objects into the mock API server the way HyperShift and the snapshot controller would,
 * and waits until the sidecar's informer caches have seen them.
 */
@ApplicationScoped
public class ManagementCluster {

    private final KubernetesClient client;
    private final AdmissionCaches caches;

    /** For programs outside Quarkus (demo, benchmarks): writes only, no cache to wait for. */
    public ManagementCluster(KubernetesClient client) {
        this(client, null);
    }

    @Inject
    public ManagementCluster(KubernetesClient client, AdmissionCaches caches) {
        this.client = client;
        this.caches = caches;
    }

    /** A snapshot as the snapshot controller records it once verified. */
    public static ControlPlaneSnapshot verifiedSnapshot(String name, String cluster, String version, String releaseImage,
            String controlPlaneReleaseImage, Instant completed) {
        ControlPlaneSnapshot snapshot = new ControlPlaneSnapshot();
        snapshot.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(HostedClusters.NAMESPACE).build());
        snapshot.setSpec(new ControlPlaneSnapshotSpec(cluster, SnapshotReason.Scheduled));
        ControlPlaneSnapshotStatus status = new ControlPlaneSnapshotStatus();
        status.setPhase(SnapshotPhase.Succeeded);
        status.setVerified(true);
        status.setVersion(version);
        status.setReleaseVersion(version);
        status.setControlPlaneReleaseVersion(controlPlaneReleaseImage == null ? null : version);
        // the fixture's HostedClusters all carry this uid; a test of another cluster's snapshot sets its own
        status.setHostedClusterUid(HostedClusters.UID);
        // the fixture's encryption key, as the snapshot controller records it
        status.setEncryption(SnapshotTaker.Payload.encryptionOf(HostedClusters.fixture().model()));
        status.setReleaseImage(releaseImage);
        status.setControlPlaneReleaseImage(controlPlaneReleaseImage);
        status.setStartTime(Timestamps.format(completed.minusSeconds(30)));
        status.setCompletionTime(Timestamps.format(completed));
        status.setEtcdRevision(123456L);
        status.setSizeBytes(48_000_000L);
        status.setSha256("a".repeat(64));
        status.setLocation("s3://hcp-rollback-test/" + HostedClusters.NAMESPACE + "/" + cluster + "/" + version + "/snap.db");
        snapshot.setStatus(status);
        return snapshot;
    }

    /**
     * Writes the snapshot and its status to the API server. When the HostedCluster it names exists there,
     * a status that records the fixture's uid records that cluster's instead (the mock API server gives
     * every object a uid of its own), as the snapshot controller would have.
     */
    public ControlPlaneSnapshot record(ControlPlaneSnapshot snapshot) {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
        if (status != null && HostedClusters.UID.equals(status.getHostedClusterUid())) {
            HostedCluster named = client.resources(HostedCluster.class).inNamespace(snapshot.getMetadata().getNamespace())
                    .withName(snapshot.getSpec().getHostedClusterName()).get();
            if (named != null) {
                status.setHostedClusterUid(named.getMetadata().getUid());
            }
        }
        snapshot.setStatus(null);
        ControlPlaneSnapshot created = client.resource(snapshot).create();
        created.setStatus(status);
        snapshot.setStatus(status);
        return client.resource(created).updateStatus();
    }

    /** Writes the snapshot and waits until the sidecar's cache holds it with its status. */
    public ControlPlaneSnapshot add(ControlPlaneSnapshot snapshot) {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
        ControlPlaneSnapshot stored = record(snapshot);
        awaitCached(() -> caches.snapshotsOf(HostedClusters.NAMESPACE, snapshot.getSpec().getHostedClusterName()).stream()
                .anyMatch(s -> s.getMetadata().getName().equals(snapshot.getMetadata().getName())
                        && s.getStatus() != null && s.getStatus().getPhase() == status.getPhase()));
        return stored;
    }

    /**
     * A rollback record of {@code cluster} to {@code toVersion} as the rollback controller leaves it once it decided
     * (phase and the plan's decision time), written and waited for in the sidecar's cache.
     */
    public dev.hcprollback.api.ControlPlaneRollback addRollback(String name, String cluster, String toVersion,
            dev.hcprollback.api.RollbackPhase phase, Instant decidedAt) {
        return addRollback(name, cluster, toVersion, phase, decidedAt, false);
    }

    /** As above; {@code pastPointOfNoReturn}: its status says the first swap may have run (step Swap). */
    public dev.hcprollback.api.ControlPlaneRollback addRollback(String name, String cluster, String toVersion,
            dev.hcprollback.api.RollbackPhase phase, Instant decidedAt, boolean pastPointOfNoReturn) {
        var record = new dev.hcprollback.api.ControlPlaneRollback();
        record.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(HostedClusters.NAMESPACE).build());
        var spec = new dev.hcprollback.api.ControlPlaneRollbackSpec();
        spec.setHostedClusterName(cluster);
        spec.setToVersion(toVersion);
        spec.setReason("INC-4711");
        spec.setRequestedBy(RbacSimulator.SRE);
        record.setSpec(spec);
        var created = client.resource(record).create();
        var status = new dev.hcprollback.api.ControlPlaneRollbackStatus();
        status.setPhase(phase);
        var plan = new dev.hcprollback.api.RollbackPlan();
        plan.setToVersion(toVersion);
        plan.setDecidedAt(Timestamps.format(decidedAt));
        status.setPlan(plan);
        if (pastPointOfNoReturn) {
            status.setPointOfNoReturn(true);
            status.setCurrentStep("Swap");
        }
        created.setStatus(status);
        var stored = client.resource(created).updateStatus();
        awaitCached(() -> caches.rollback(HostedClusters.NAMESPACE, name)
                .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == phase
                        && Boolean.TRUE.equals(r.getStatus().getPointOfNoReturn()) == pastPointOfNoReturn).isPresent());
        return stored;
    }

    public NodePool addNodePool(String name, String cluster, String releaseImage, String reportedVersion) {
        NodePool created = recordNodePool(name, cluster, releaseImage, reportedVersion);
        awaitCached(() -> caches.nodePoolsOf(HostedClusters.NAMESPACE, cluster).stream()
                .anyMatch(p -> p.getMetadata().getName().equals(name)));
        return created;
    }

    public NodePool recordNodePool(String name, String cluster, String releaseImage, String reportedVersion) {
        return recordNodePool(HostedClusters.NAMESPACE, name, cluster, releaseImage, reportedVersion);
    }

    /** A NodePool of {@code cluster} in {@code namespace}, on {@code releaseImage}, reporting {@code reportedVersion}. */
    public NodePool recordNodePool(String namespace, String name, String cluster, String releaseImage, String reportedVersion) {
        NodePool pool = new NodePool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        NodePool.Spec spec = new NodePool.Spec();
        spec.setClusterName(cluster);
        spec.setRelease(Release.of(releaseImage));
        spec.setUnknownField("replicas", 3);
        spec.setUnknownField("management", Map.of("upgradeType", "Replace"));
        // HyperShift's CRD requires the platform; an AWS pool names its instance type and subnet
        spec.setUnknownField("platform", Map.of("type", "AWS", "aws",
                Map.of("instanceType", "m5.xlarge", "subnet", Map.of("id", "subnet-0a1b2c3d"))));
        pool.setSpec(spec);
        NodePool.Status status = new NodePool.Status();
        status.setVersion(reportedVersion);
        NodePool created = client.resource(pool).create();
        created.setStatus(status);
        return client.resource(created).updateStatus();
    }

    /** The etcd client credentials HyperShift keeps in a control-plane namespace, by their real names. */
    public void recordEtcdCredentials(String controlPlaneNamespace, TestPki pki) {
        client.secrets().inNamespace(controlPlaneNamespace).resource(new SecretBuilder().withNewMetadata()
                .withName(EtcdCredentials.SECRET).withNamespace(controlPlaneNamespace).endMetadata()
                .addToData(EtcdCredentials.SECRET_CERT_KEY, base64(pki.clientCertPem))
                .addToData(EtcdCredentials.SECRET_KEY_KEY, base64(pki.clientKeyPem)).build()).create();
        client.configMaps().inNamespace(controlPlaneNamespace).resource(new ConfigMapBuilder().withNewMetadata()
                .withName(EtcdCredentials.CA_CONFIG_MAP).withNamespace(controlPlaneNamespace).endMetadata()
                .addToData(EtcdCredentials.CA_KEY, pki.caPem).build()).create();
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    public HostedCluster addHostedCluster(HostedClusters cluster) {
        HostedCluster created = client.resource(cluster.model()).create();
        awaitCached(() -> caches.hostedCluster(HostedClusters.NAMESPACE, cluster.name()).isPresent());
        return created;
    }

    /**
     * Writes the rollback floors ConfigMap (its default name, in the sidecar's default namespace) with {@code data}, or
     * deletes it when {@code data} is null, and waits until the sidecar's cache holds it so.
     */
    public void setRollbackFloors(Map<String, String> data) {
        var configMaps = client.configMaps().inNamespace(ClusterCaches.DEFAULT_FLOORS_NAMESPACE);
        if (data == null) {
            configMaps.withName(ClusterCaches.DEFAULT_FLOORS_CONFIG_MAP).delete();
            awaitCached(() -> caches.rollbackFloors().floors().isEmpty() && caches.rollbackFloors().malformed().isEmpty()
                    && caches.rollbackFloors().malformedKeys().isEmpty() && caches.rollbackFloors().read());
            return;
        }
        configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName(ClusterCaches.DEFAULT_FLOORS_CONFIG_MAP)
                .withNamespace(ClusterCaches.DEFAULT_FLOORS_NAMESPACE).endMetadata().addToData(data).build()).createOr(e -> e.update());
        awaitCached(() -> caches.rollbackFloors().equals(dev.hcprollback.eligibility.RollbackFloors.parse(
                caches.rollbackFloors().source(), data)));
    }

    private static void awaitCached(java.util.concurrent.Callable<Boolean> seen) {
        Awaitility.await("the informer cache sees the new object").atMost(Duration.ofSeconds(120)).until(seen);
    }
}
