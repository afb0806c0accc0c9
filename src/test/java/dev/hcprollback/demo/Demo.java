package dev.hcprollback.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;


import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import dev.hcprollback.snapshot.ControlPlaneSnapshotSpec;
import dev.hcprollback.snapshot.ControlPlaneSnapshotStatus;
import dev.hcprollback.snapshot.SnapshotPhase;
import dev.hcprollback.snapshot.SnapshotReason;
import dev.hcprollback.testing.EtcdProcess;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestPki;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The README's "run it" command: the whole admission story on one machine, with no cluster. An
 * in-process Kubernetes API plays the management cluster, the packaged sidecar runs as its own
 * process against it, and this program plays the other actors: HyperShift, the service's release
 * tooling, a customer and an SRE. It exits non-zero when any step ends otherwise than the story says.
 */
public final class Demo {

    private static final String NAMESPACE = HostedClusters.NAMESPACE;
    private static final String CLUSTER = "payments";
    private static final String CONTROL_PLANE = NAMESPACE + "-" + CLUSTER;
    private static final String BUCKET = "hcp-rollback-demo";
    private static final String DATA_KEY = "/kubernetes.io/configmaps/payments-app/settings";

    /** The in-process API server logs every request; the timeline says what matters. Held, or the setting is lost. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private final Timeline timeline = new Timeline(System.out);
    private KubernetesClient client;
    private AdmittingApiServer apiServer;
    private EtcdProcess controlPlaneEtcd;

    public static void main(String[] args) throws Exception {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        try {
            new Demo().run();
            System.exit(0);
        } catch (StoryBroken broken) {
            System.err.println("\nDEMO FAILED: " + broken.getMessage());
            System.exit(1);
        }
    }

    private void run() throws Exception {
        Path work = Path.of("target", "demo");
        Files.createDirectories(work);
        System.out.println("hcp-rollback demo: a service-led z-stream rollback, on a simulated management cluster");

        timeline.chapter("A management cluster with one hosted cluster");
        TestPki pki = new TestPki();
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(work);
                EtcdProcess etcd = EtcdProcess.startTls(work.resolve("etcd"), pki);
                S3Server s3 = new S3Server()) {
            client = management.client();
            timeline.say("kube-apiserver", "in-process Kubernetes API at " + client.getMasterUrl()
                    + "\nCRDs: HostedCluster, NodePool (test stand-ins), ControlPlaneSnapshot, ControlPlaneRollback");
            seedCluster();
            timeline.say("hypershift", "HostedCluster clusters/payments runs 4.18.5 (Completed); NodePool payments-workers on 4.18.5");
            controlPlaneEtcd = etcd;
            writeCustomerData("4.18.5 settings");
            new ManagementCluster(client).recordEtcdCredentials(CONTROL_PLANE, pki);
            timeline.say("etcd", "the control plane's etcd: a real etcd 3.5 at " + etcd.endpoint() + " with TLS and client"
                    + " certificates\n(Secret " + CONTROL_PLANE + "/etcd-client-tls, ConfigMap etcd-ca); it holds "
                    + DATA_KEY + " = '4.18.5 settings'");
            s3.createBucket(BUCKET);
            timeline.say("s3", "object storage: an S3 server at " + s3.endpoint() + ", bucket " + BUCKET);

            timeline.chapter("The sidecar starts");
            SidecarProcess sidecar = management.startSidecar(Map.ofEntries(
                    Map.entry("hcp-rollback.snapshot.etcd.endpoint", etcd.endpoint()),
                    Map.entry("hcp-rollback.storage.s3.bucket", BUCKET),
                    Map.entry("quarkus.s3.endpoint-override", s3.endpoint().toString()),
                    Map.entry("quarkus.s3.path-style-access", "true"),
                    Map.entry("quarkus.s3.checksum-validation", "false"),
                    Map.entry("quarkus.s3.chunked-encoding", "false"),
                    Map.entry("quarkus.s3.aws.credentials.type", "static"),
                    Map.entry("quarkus.s3.aws.credentials.static-provider.access-key-id", S3Server.ACCESS_KEY),
                    Map.entry("quarkus.s3.aws.credentials.static-provider.secret-access-key", S3Server.SECRET_KEY),
                    Map.entry("hcp-rollback.snapshot.network-policy.pod-namespace", "hcp-rollback"),
                    // one replica, and the in-process API server cannot answer JOSDK's SelfSubjectRulesReview
                    Map.entry("hcp-rollback.rollback.leader-election.enabled", "false")));
            timeline.say("hcp-rollback", "ready: caches synced, webhook certificate loaded; HTTPS on " + sidecar.httpsPort
                    + ", health and metrics on " + sidecar.managementPort + " (log: " + sidecar.log() + ")");
            apiServer = new AdmittingApiServer(client, management.httpsClient(HttpClient.newBuilder()), URI.create(
                    "https://localhost:" + sidecar.httpsPort + "/validate/hostedclusters"));
            tell();
        }
    }

    private void writeCustomerData(String value) {
        try (Client etcd = controlPlaneEtcd.client()) {
            controlPlaneEtcd.put(etcd, DATA_KEY, value);
        }
    }

    private String customerData() {
        try (Client etcd = controlPlaneEtcd.client()) {
            return EtcdProcess.get(etcd, DATA_KEY);
        }
    }

    /** Polls the API server until the snapshot reaches a final phase; the controller writes every step. */
    private ControlPlaneSnapshot awaitSnapshot(String name) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace(NAMESPACE).withName(name).get();
            if (snapshot != null && snapshot.isVerified()) {
                return snapshot;
            }
            if (snapshot != null && snapshot.getStatus() != null && snapshot.getStatus().getPhase() == SnapshotPhase.Failed) {
                throw new StoryBroken("snapshot " + name + " failed: " + snapshot.getStatus().getMessage());
            }
            Thread.sleep(250);
        }
        throw new StoryBroken("snapshot " + name + " was not verified within 2 minutes");
    }

    private void tell() throws Exception {
        timeline.chapter("Before the forced update: a verified snapshot of 4.18.5");
        ControlPlaneSnapshot request = new ControlPlaneSnapshot();
        request.setMetadata(new ObjectMetaBuilder().withName("payments-pre-4-18-6").withNamespace(NAMESPACE).build());
        request.setSpec(new ControlPlaneSnapshotSpec(CLUSTER, SnapshotReason.PreUpgrade));
        client.resource(request).create();
        timeline.say("release-tool", "kubectl create -f controlplanesnapshot.yaml (payments-pre-4-18-6, reason PreUpgrade)");
        ControlPlaneSnapshotStatus taken = awaitSnapshot("payments-pre-4-18-6").getStatus();
        timeline.say("hcp-rollback", "ControlPlaneSnapshot payments-pre-4-18-6: " + taken.getPhase() + ", verified, payload "
                + taken.getVersion() + ", etcd revision " + taken.getEtcdRevision() + ", " + taken.getSizeBytes() + " bytes"
                + "\nsha256 " + taken.getSha256() + "\n" + taken.getLocation() + " (read back and hash-checked)");
        writeCustomerData("4.18.5 settings, edited after the snapshot");

        timeline.chapter("The service forces the z-stream update to 4.18.6");
        // Kubernetes times have second precision: let the update start in a later second than the snapshot ended
        Thread.sleep(1100);
        Instant updateStarted = Instant.now();
        expect(apiServer.patch(NAMESPACE, CLUSTER, releasePatch("4.18.6"),
                review -> review.by("system:serviceaccount:ocm:release-tooling", "system:serviceaccounts")), true, "upgrade",
                "release-tool", "spec.release.image -> 4.18.6");
        rollOut("4.18.6", updateStarted);
        upgradeWorkers("4.18.6");
        timeline.say("hypershift", "control plane and NodePool rolled out 4.18.6 (Completed)");

        timeline.chapter("4.18.6 breaks the customer; the customer tries to go back alone");
        expect(apiServer.patch(NAMESPACE, CLUSTER, releasePatch("4.18.5"), UnaryOperator.identity()), false,
                "rollback-not-requested", "customer-admin", "kubectl patch hc payments: spec.release.image -> 4.18.5");
        expect(apiServer.patch(NAMESPACE, CLUSTER, requestPatch("4.18.5", "we want 4.18.5 back"), UnaryOperator.identity()),
                false, "request-unauthorised", "customer-admin", "kubectl annotate hc payments rollback.hypershift.openshift.io/to-version=4.18.5");

        timeline.chapter("An SRE requests the service-led rollback");
        expect(apiServer.patch(NAMESPACE, CLUSTER, requestPatch("4.18.4", "INC-4711 ingress down after 4.18.6"),
                AdmissionReviews::sre), false, "not-previous-version", "sre-alice", "asks for 4.18.4 by mistake");
        expect(apiServer.patch(NAMESPACE, CLUSTER, requestPatch("4.18.5", "INC-4711 ingress down after 4.18.6"),
                AdmissionReviews::sre), true, "request-recorded", "sre-alice",
                "kubectl annotate hc payments rollback.hypershift.openshift.io/to-version=4.18.5 .../reason='INC-4711 ...'");
        expect(apiServer.patch(NAMESPACE, CLUSTER, releasePatch("4.18.5"), AdmissionReviews::sidecar), true,
                "rollback-admitted", "hcp-rollback", "reverts spec.release.image -> 4.18.5 (the rollback controller's step 5)");
        rollOut("4.18.5", Instant.now());
        HostedCluster after = client.resources(HostedCluster.class).inNamespace(NAMESPACE).withName(CLUSTER).get();
        UpdateHistory newest = after.versionHistory().get(0);
        if (!"4.18.5".equals(newest.getVersion()) || !newest.isCompleted()) {
            throw new StoryBroken("the cluster did not end on 4.18.5: " + newest.getVersion() + " " + newest.getState());
        }
        timeline.say("hypershift", "HostedCluster clusters/payments runs " + newest.getVersion() + " (" + newest.getState()
                + "); the workers stay on 4.18.6");
        System.out.println("\nThe gate held: the customer's downgrade was refused, the SRE's backed rollback went through.");
    }

    private void expect(AdmittingApiServer.Answer answer, boolean allowed, String rule, String actor, String action) {
        String verdict = (answer.allowed() ? "ADMITTED" : "REFUSED") + " [" + answer.rule() + "]";
        StringBuilder text = new StringBuilder(action + "\n-> " + verdict);
        if (!answer.message().isEmpty()) {
            text.append("\n   ").append(answer.message());
        }
        answer.warnings().forEach(w -> text.append("\n   warning: ").append(w));
        timeline.say(actor, text.toString());
        if (answer.allowed() != allowed || !answer.rule().equals(rule)) {
            throw new StoryBroken("expected " + (allowed ? "admitted" : "refused") + " by rule " + rule + ", got " + verdict);
        }
    }

    /** HyperShift's part: the payload rolls out, the history records it, the workers follow upgrades only. */
    private void rollOut(String version, Instant started) {
        HostedCluster cluster = client.resources(HostedCluster.class).inNamespace(NAMESPACE).withName(CLUSTER).get();
        UpdateHistory entry = new UpdateHistory(UpdateHistory.COMPLETED, version, HostedClusters.tag(version),
                Timestamps.format(started), Timestamps.format(Instant.now()));
        entry.setVerified(true);
        cluster.getStatus().getVersion().getHistory().add(0, entry);
        cluster.getStatus().getVersion().setDesired(entry);
        cluster.getStatus().getControlPlaneVersion().getHistory().add(0, entry);
        cluster.getStatus().getControlPlaneVersion().setDesired(entry);
        client.resource(cluster).updateStatus();
    }

    private void upgradeWorkers(String version) {
        NodePool pool = client.resources(NodePool.class).inNamespace(NAMESPACE).withName("payments-workers").get();
        pool.getSpec().setRelease(Release.of(HostedClusters.tag(version)));
        NodePool updated = client.resource(pool).update();
        updated.getStatus().setVersion(version);
        client.resource(updated).updateStatus();
    }

    private void seedCluster() {
        Instant now = Instant.now();
        HostedClusters cluster = HostedClusters.fixture().named(CLUSTER).release(HostedClusters.tag("4.18.5")).history(
                HostedClusters.entry("Completed", "4.18.5", HostedClusters.tag("4.18.5"), now.minus(Duration.ofDays(20)),
                        now.minus(Duration.ofDays(20))),
                HostedClusters.entry("Completed", "4.18.4", HostedClusters.tag("4.18.4"), now.minus(Duration.ofDays(50)),
                        now.minus(Duration.ofDays(50))));
        ((com.fasterxml.jackson.databind.node.ObjectNode) cluster.json().get("metadata")).remove(List.of("uid", "resourceVersion",
                "creationTimestamp", "generation"));
        HostedCluster model = cluster.model();
        var status = model.getStatus();
        HostedCluster created = client.resource(model).create();
        created.setStatus(status);
        client.resource(created).updateStatus();
        new ManagementCluster(client).recordNodePool("payments-workers", CLUSTER, HostedClusters.tag("4.18.5"), "4.18.5");
    }

    private static String releasePatch(String version) {
        return "{\"spec\":{\"release\":{\"image\":\"" + HostedClusters.tag(version) + "\"}}}";
    }

    private static String requestPatch(String version, String reason) {
        return "{\"metadata\":{\"annotations\":{\"rollback.hypershift.openshift.io/to-version\":\"" + version
                + "\",\"rollback.hypershift.openshift.io/reason\":\"" + reason + "\"}}}";
    }

    /** A step of the story ended otherwise than it should. */
    static final class StoryBroken extends RuntimeException {
        StoryBroken(String message) {
            super(message);
        }
    }
}
