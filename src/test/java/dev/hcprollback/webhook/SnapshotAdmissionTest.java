package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.entry;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.ManagementCluster.verifiedSnapshot;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.ValidatableResponse;

/** The ControlPlaneSnapshot webhook: status is the sidecar's to write; a live rollback point is not casually deleted. */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class SnapshotAdmissionTest {

    private static final String PATH = "/validate/controlplanesnapshots";

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    @Inject
    ManagementCluster cluster;

    private ValidatableResponse send(AdmissionReviews review) {
        return new WebhookClient(webhook).review(PATH, review).statusCode(200)
                .body("response.uid", equalTo(review.uid()));
    }

    private static JsonNode json(ControlPlaneSnapshot snapshot) {
        return HostedClusters.JSON.valueToTree(snapshot);
    }

    @Test
    void onlyTheSidecarWritesStatus() {
        JsonNode before = json(verifiedSnapshot("status-1", "status-cluster", "4.18.5", tag("4.18.5"), null, Instant.now()));
        ObjectNode forged = before.deepCopy();
        ((ObjectNode) forged.get("status")).put("verified", true).put("sha256", "0".repeat(64));

        send(AdmissionReviews.snapshot("UPDATE", before, forged).subResource("status"))
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("snapshot-status-writer"))
                .body("response.status.message", equalTo("[snapshot-status-writer] only "
                        + RbacSimulator.SIDECAR + " may write the status of a ControlPlaneSnapshot; it records what was verified in storage."));
        send(AdmissionReviews.snapshot("UPDATE", before, forged).subResource("status").sre())
                .body("response.allowed", equalTo(false));
        send(AdmissionReviews.snapshot("UPDATE", before, forged).subResource("status").sidecar())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("snapshot-write"));
        send(AdmissionReviews.snapshot("UPDATE", before, forged))
                .body("response.allowed", equalTo(true));
    }

    /**
     * Re-pointing a snapshot to another cluster, or relabelling why it was taken, is refused whoever asks.
     * A real API server refuses it before the webhook too (the CRD's {@code self == oldSelf} rule); the
     * mock API server of these tests enforces no CEL, so this is where the rule is shown.
     */
    @Test
    void theSpecCannotChangeAfterCreationWhoeverAsks() {
        JsonNode before = json(verifiedSnapshot("demo-point", "demo", "4.18.5", tag("4.18.5"), null, Instant.now()));
        ObjectNode repointed = before.deepCopy();
        ((ObjectNode) repointed.get("spec")).put("hostedClusterName", "other");
        ObjectNode relabelled = before.deepCopy();
        ((ObjectNode) relabelled.get("spec")).put("reason", "PreUpgrade").put("hostedClusterName", "other");
        ObjectNode extraField = before.deepCopy();
        ((ObjectNode) extraField.get("spec")).put("note", "moved");

        for (AdmissionReviews review : List.of(AdmissionReviews.snapshot("UPDATE", before, repointed),
                AdmissionReviews.snapshot("UPDATE", before, repointed).sre(),
                AdmissionReviews.snapshot("UPDATE", before, repointed).sidecar())) {
            send(review)
                    .body("response.allowed", equalTo(false))
                    .body("response.auditAnnotations.rule", equalTo("snapshot-spec-immutable"))
                    .body("response.status.message", equalTo("[snapshot-spec-immutable] the spec of ControlPlaneSnapshot "
                            + "demo-point cannot change after creation (spec.hostedClusterName changed): it records which "
                            + "cluster's etcd the snapshot holds. Create a new snapshot instead."));
        }
        send(AdmissionReviews.snapshot("UPDATE", before, relabelled))
                .body("response.allowed", equalTo(false))
                .body("response.status.message", containsString("(spec.hostedClusterName, spec.reason changed)"));
        send(AdmissionReviews.snapshot("UPDATE", before, extraField))
                .body("response.allowed", equalTo(false))
                .body("response.status.message", containsString("(spec.note changed)"));

        ObjectNode labelled = before.deepCopy();
        ((ObjectNode) labelled.get("metadata")).putObject("labels").put("team", "payments");
        send(AdmissionReviews.snapshot("UPDATE", before, labelled))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("snapshot-write"));
    }

    @Test
    void theRollbackPointInsideItsWindowIsDeletedOnlyByThoseWhoMayRollBack() {
        String name = "guarded";
        cluster.addHostedCluster(HostedClusters.onSixAfterFive(name));
        Instant beforeUpdate = Instant.now().minus(Duration.ofHours(3));
        ControlPlaneSnapshot point = cluster.add(verifiedSnapshot(name + "-point", name, "4.18.5", tag("4.18.5"), null, beforeUpdate));
        ControlPlaneSnapshot older = cluster.add(verifiedSnapshot(name + "-older", name, "4.18.5", tag("4.18.5"), null,
                beforeUpdate.minus(Duration.ofDays(3))));

        send(AdmissionReviews.snapshot("DELETE", json(point), null))
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("snapshot-rollback-point"))
                .body("response.status.message", containsString("snapshot guarded-point is the rollback point of HostedCluster guarded inside its rollback window"));
        send(AdmissionReviews.snapshot("DELETE", json(point), null).sre())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("snapshot-rollback-point"));
        send(AdmissionReviews.snapshot("DELETE", json(older), null))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("snapshot-write"));
    }

    @Test
    void afterTheWindowTheFormerRollbackPointIsOrdinary() {
        String name = "expired";
        Instant now = Instant.now();
        cluster.addHostedCluster(HostedClusters.fixture().named(name).release(tag("4.18.6")).history(
                entry("Completed", "4.18.6", tag("4.18.6"), now.minus(Duration.ofHours(30)), now.minus(Duration.ofHours(29))),
                entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofDays(9)), now.minus(Duration.ofDays(9)))));
        ControlPlaneSnapshot point = cluster.add(verifiedSnapshot(name + "-point", name, "4.18.5", tag("4.18.5"), null,
                now.minus(Duration.ofHours(31))));

        send(AdmissionReviews.snapshot("DELETE", json(point), null))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("snapshot-write"));
    }
}
