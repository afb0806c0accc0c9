package dev.hcprollback.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.ComputedReply;
import dev.hcprollback.testing.EtcdProcess;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.KubectlTable;
import dev.hcprollback.testing.LocalHostedCluster;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;
import dev.hcprollback.testing.SimulatorLoop;
import dev.hcprollback.testing.TestPki;
import dev.hcprollback.testing.TestTools;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
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
    /** The hosted cluster, its control plane's etcd on this machine, and HyperShift's part. */
    private LocalHostedCluster payments;

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
        // every run starts from nothing: no etcd data or certificates of an earlier run
        TestTools.deleteRecursively(work);
        Files.createDirectories(work);
        System.out.println("hcp-rollback demo: a service-led z-stream rollback, on a simulated management cluster");

        timeline.chapter("A management cluster with one hosted cluster");
        TestPki pki = new TestPki();
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(work);
                EtcdProcess etcd = EtcdProcess.startTls(work.resolve("etcd"), pki);
                S3Server s3 = new S3Server()) {
            client = management.client();
            timeline.say("kube-apiserver", "in-process Kubernetes API at " + client.getMasterUrl()
                    + "\nCRDs: HostedCluster, NodePool (test stand-ins), ControlPlaneSnapshot, ControlPlaneRollback, ControlPlaneUpdate");
            // the in-process API server has one user: the service and HyperShift write through the same client
            payments = LocalHostedCluster.seed(client, client, NAMESPACE, CLUSTER, etcd, pki, work, timeline::say);
            timeline.say("hypershift", "HostedCluster clusters/payments runs 4.18.5 (Completed); NodePool payments-workers on 4.18.5");
            payments.putInEtcd(DATA_KEY, "4.18.5 settings");
            timeline.say("etcd", "the control plane's etcd: a real etcd 3.5 at " + etcd.endpoint() + " with TLS and client"
                    + " certificates\n(Secret " + CONTROL_PLANE + "/etcd-client-tls, ConfigMap etcd-ca); it holds "
                    + DATA_KEY + " = '4.18.5 settings'");
            s3.createBucket(BUCKET);
            timeline.say("s3", "object storage: an S3 server at " + s3.endpoint() + ", bucket " + BUCKET);

            timeline.chapter("The sidecar starts");
            Map<String, String> sidecarConfig = new LinkedHashMap<>(s3.sidecarConfig(BUCKET));
            sidecarConfig.putAll(Map.of(
                    "hcp-rollback.snapshot.etcd.endpoint", etcd.endpoint(),
                    "hcp-rollback.snapshot.network-policy.pod-namespace", "hcp-rollback",
                    // the simulated control plane answers in milliseconds: look again soon
                    "hcp-rollback.rollback.poll-interval", "300ms",
                    "hcp-rollback.rollback.max-poll-interval", "1s",
                    // minutes in production; seconds here, so that the broken update is judged while you watch
                    "hcp-rollback.update.poll-interval", "1s",
                    "hcp-rollback.update.degraded-threshold", "5s"));
            SidecarProcess sidecar = management.startSidecar(sidecarConfig);
            timeline.say("hcp-rollback", "ready: caches synced, webhook certificate loaded; HTTPS on " + sidecar.httpsPort
                    + ", health and metrics on " + sidecar.managementPort + " (log: " + sidecar.log() + ")");
            apiServer = new AdmittingApiServer(client, management.httpsClient(HttpClient.newBuilder()), URI.create(
                    "https://localhost:" + sidecar.httpsPort + "/validate/hostedclusters"));
            reviewDryRuns(management);
            // HyperShift's part, every 200 ms: the simulator's controllers (pause, replicas and pods, version history,
            // quorum), a kubelet that stops and starts the real etcd process as its StatefulSet is scaled, and restore
            // Jobs that run the Job's own script for real on that etcd's data directory
            try (SimulatorLoop hyperShift = payments.start()) {
                tell();
            }
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
        payments.putInEtcd(DATA_KEY, "4.18.5 settings, edited after the snapshot");

        timeline.chapter("The service forces the z-stream update to 4.18.6");
        // Kubernetes times have second precision: let the update start in a later second than the snapshot ended
        Thread.sleep(1100);
        expect(apiServer.patch(NAMESPACE, CLUSTER, LocalHostedCluster.releasePatch("4.18.6"),
                review -> review.by("system:serviceaccount:ocm:release-tooling", "system:serviceaccounts")), true, "upgrade",
                "release-tool", "spec.release.image -> 4.18.6");
        awaitNewest("4.18.6");
        payments.upgradeWorkers("4.18.6");
        timeline.say("hypershift", "control plane and NodePool rolled out 4.18.6 (Completed)");
        awaitUpdate(u -> u.getStatus() != null && u.getStatus().getHealth() == UpdateHealth.Soaking
                && u.getStatus().getRollbackPoint() != null, "the update's record, Soaking with its rollback point");
        timeline.say("hcp-rollback", "recorded the update; it soaks for an hour before it is declared Healthy\n"
                + "$ kubectl get cpupd -A\n" + updateTable());
        payments.putInEtcd(DATA_KEY, "written on 4.18.6 by the broken release");

        timeline.chapter("4.18.6 breaks the customer; the sidecar notices, the customer tries to go back alone");
        payments.brokenVersion = "4.18.6";
        timeline.say("hypershift", "HostedCluster clusters/payments reports Degraded=True");
        ControlPlaneUpdate unhealthy = awaitUpdate(u -> u.getStatus() != null
                && u.getStatus().getHealth() == UpdateHealth.Unhealthy && u.getStatus().getRollbackCommand() != null,
                "the update judged Unhealthy (Degraded past its threshold of 5s in this demo)");
        timeline.say("hcp-rollback", "$ kubectl get cpupd -A\n" + updateTable() + "\nevidence: "
                + unhealthy.getStatus().getEvidence() + "\nRollbackRecommended (also an Event on the HostedCluster and the record, and "
                + "hcp_rollback_update_rollback_recommended=1):\n" + unhealthy.getStatus().getRollbackCommand());
        expect(apiServer.patch(NAMESPACE, CLUSTER, LocalHostedCluster.releasePatch("4.18.5"), UnaryOperator.identity()), false,
                "rollback-not-requested", "customer-admin", "kubectl patch hc payments: spec.release.image -> 4.18.5");
        expect(apiServer.patch(NAMESPACE, CLUSTER, requestPatch("4.18.5", "we want 4.18.5 back"), UnaryOperator.identity()),
                false, "request-unauthorised", "customer-admin", "kubectl annotate hc payments rollback.hypershift.openshift.io/to-version=4.18.5");

        timeline.chapter("An SRE requests the service-led rollback");
        expect(apiServer.patch(NAMESPACE, CLUSTER, requestPatch("4.18.4", "INC-4711 ingress down after 4.18.6"),
                AdmissionReviews::sre), false, "not-previous-version", "sre-alice", "asks for 4.18.4 by mistake");
        expect(apiServer.patch(NAMESPACE, CLUSTER, requestPatch("4.18.5", "INC-4711 ingress down after 4.18.6", true),
                AdmissionReviews::sre), true, "request-recorded", "sre-alice",
                "annotates to-version=4.18.5, reason='INC-4711 ...', dry-run=true: plan first");
        ControlPlaneRollback planned = awaitRollback(RollbackPhase.Planned);
        timeline.say("hcp-rollback", "ControlPlaneRollback " + planned.getMetadata().getName() + ": Planned\n"
                + describe(planned.getStatus().getPlan()));

        timeline.chapter("The SRE lets it run");
        expect(apiServer.patch(NAMESPACE, CLUSTER, "{\"metadata\":{\"annotations\":{\"" + RollbackRequest.DRY_RUN
                + "\":null}}}", AdmissionReviews::sre), true, "request-recorded", "sre-alice", "removes dry-run");
        ControlPlaneRollback done = awaitRollback(RollbackPhase.Succeeded);
        HostedCluster after = client.resources(HostedCluster.class).inNamespace(NAMESPACE).withName(CLUSTER).get();
        UpdateHistory newest = after.versionHistory().get(0);
        String data = payments.readFromEtcd(DATA_KEY);
        timeline.say("hypershift", "HostedCluster clusters/payments: spec.release.image " + after.releaseImage().orElseThrow()
                + "\nnewest history entry " + newest.getVersion() + " " + newest.getState() + "; workers stay on 4.18.6");
        timeline.say("etcd", DATA_KEY + " = '" + data + "' (the snapshot's data, at a bumped revision)");
        if (!"4.18.5".equals(newest.getVersion()) || !newest.isCompleted() || !"4.18.5 settings".equals(data)) {
            throw new StoryBroken("the control plane did not end on 4.18.5 with the snapshot's data: " + newest.getVersion()
                    + " " + newest.getState() + ", data '" + data + "'");
        }
        awaitUpdate(u -> u.getStatus() != null && u.getStatus().getHealth() == UpdateHealth.RolledBack,
                "the update's record marked RolledBack");
        timeline.say("hcp-rollback", "$ kubectl get cpupd -A\n" + updateTable());
        System.out.println("\nRolled back in " + Duration.between(Instant.parse(done.getStatus().getStartTime()),
                Instant.parse(done.getStatus().getCompletionTime())).toSeconds() + "s: the customer's downgrade was refused; "
                + "the SRE's backed rollback restored etcd and the payload.");
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

    /**
     * The sidecar sends the revert patch as a server-side dry run in its preflight; the in-process API
     * server would store it like any patch, so here it is answered as kube-apiserver would: the
     * webhook reviews it (as the sidecar's service account), nothing is stored.
     */
    private void reviewDryRuns(SimulatedManagementCluster management) {
        String path = "/apis/hypershift.openshift.io/v1beta1/namespaces/" + NAMESPACE + "/hostedclusters/" + CLUSTER
                + "?dryRun=All";
        management.expect().patch().withPath(path).andReply(new ComputedReply(request -> {
            AdmittingApiServer.Answer answer;
            try {
                answer = apiServer.review(payments.lastSeen(), request.getUtf8Body(),
                        r -> r.by("system:serviceaccount:hcp-rollback:hcp-rollback", "system:serviceaccounts"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            timeline.say("kube-apiserver", "dry run of the revert patch, reviewed by the webhook: "
                    + (answer.allowed() ? "allowed" : "denied: " + answer.message()) + " (nothing stored)");
            return answer.allowed() ? new ComputedReply.Reply(200, payments.lastSeen())
                    : new ComputedReply.Reply(403, new io.fabric8.kubernetes.api.model.StatusBuilder().withStatus("Failure")
                            .withCode(403).withReason("Forbidden")
                            .withMessage("admission webhook denied the request: " + answer.message()).build());
        })).always();
    }

    private static String requestPatch(String version, String reason) {
        return requestPatch(version, reason, false);
    }

    private static String requestPatch(String version, String reason, boolean dryRun) {
        return LocalHostedCluster.requestPatch(version, reason, dryRun ? Map.of(RollbackRequest.DRY_RUN, "true") : Map.of());
    }

    /** Waits for the cluster's ControlPlaneRollback to reach a phase, printing each step as it completes. */
    private ControlPlaneRollback awaitRollback(RollbackPhase wanted) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        java.util.Set<String> told = new java.util.HashSet<>();
        while (Instant.now().isBefore(deadline)) {
            for (ControlPlaneRollback rollback : client.resources(ControlPlaneRollback.class).inNamespace(NAMESPACE).list()
                    .getItems()) {
                ControlPlaneRollbackStatus status = rollback.getStatus();
                if (status == null || !CLUSTER.equals(rollback.getSpec().getHostedClusterName())) {
                    continue;
                }
                for (RollbackStep step : status.getSteps()) {
                    if (step.getCompletionTime() != null && told.add(rollback.getMetadata().getName() + step.getName())) {
                        timeline.say("hcp-rollback", "step " + step.getName() + ": " + step.getPhase()
                                + (step.getMessage() == null ? "" : " - " + step.getMessage()));
                    }
                }
                if (status.getPhase() == wanted) {
                    return rollback;
                }
                if (status.getPhase() == RollbackPhase.Failed) {
                    throw new StoryBroken("rollback " + rollback.getMetadata().getName() + " failed: " + status.getMessage());
                }
            }
            Thread.sleep(250);
        }
        throw new StoryBroken("no rollback of " + CLUSTER + " reached " + wanted + " within 3 minutes");
    }

    /** Polls the cluster's update records until the newest one matches. */
    private ControlPlaneUpdate awaitUpdate(java.util.function.Predicate<ControlPlaneUpdate> wanted, String what)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            Optional<ControlPlaneUpdate> newest = updates().stream().reduce((older, newer) -> newer);
            if (newest.isPresent() && wanted.test(newest.get())) {
                return newest.get();
            }
            Thread.sleep(250);
        }
        throw new StoryBroken("not seen within 2 minutes: " + what);
    }

    private List<ControlPlaneUpdate> updates() {
        return client.resources(ControlPlaneUpdate.class).inNamespace(NAMESPACE).list().getItems().stream()
                .sorted(java.util.Comparator.comparing(u -> u.getSpec().getStartTime())).toList();
    }

    /** The update records as {@code kubectl get cpupd -A} prints them (the shipped CRD's printer columns). */
    private String updateTable() {
        return KubectlTable.print(ControlPlaneUpdate.class, updates(), true, false, Instant.now()).stripTrailing();
    }

    private void awaitNewest(String version) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            List<UpdateHistory> history = client.resources(HostedCluster.class).inNamespace(NAMESPACE).withName(CLUSTER).get()
                    .versionHistory();
            if (!history.isEmpty() && version.equals(history.get(0).getVersion()) && history.get(0).isCompleted()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new StoryBroken("HyperShift did not roll out " + version);
    }

    private static String describe(RollbackPlan plan) {
        if (plan == null) {
            return "(no plan recorded)";
        }
        StringBuilder text = new StringBuilder("from " + plan.getFromVersion() + " to " + plan.getToVersion()
                + " with snapshot " + plan.getSnapshot() + "\nsteps: " + String.join(", ", plan.getSteps()));
        DataLossWindow loss = plan.getDataLoss();
        if (loss != null) {
            text.append("\ndata-loss window: snapshot revision ").append(loss.getSnapshotRevision()).append(", etcd now at ")
                    .append(loss.getCurrentRevision()).append(", ").append(loss.getKeysChanged()).append(" keys changed since");
            loss.getKeysChangedByResource().forEach(k -> text.append("\n  ").append(k));
        }
        plan.getNodePoolsStayingNewer().forEach(n -> text.append("\nNodePool ").append(n.getName()).append(" stays on ")
                .append(n.getVersion()));
        text.append("\npreflight:");
        plan.getPreflight().forEach(c -> text.append("\n  ").append(c.passed() ? "pass " : "FAIL ").append(c.getName())
                .append(": ").append(c.getDetail()));
        text.append("\nexpected downtime: ").append(plan.getExpectedDowntime());
        return text.toString();
    }

    /** A step of the story ended otherwise than it should. */
    static final class StoryBroken extends RuntimeException {
        StoryBroken(String message) {
            super(message);
        }
    }
}
