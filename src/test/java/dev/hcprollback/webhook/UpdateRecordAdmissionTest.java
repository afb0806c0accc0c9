package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.tag;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.ValidatableResponse;

/**
 * The ControlPlaneUpdate webhook: an update record is the evidence retention and automatic rollbacks act
 * on, so nobody but the sidecar writes one (a forged "Healthy" would release a rollback point early, a
 * cleared automatic-rollback mark would let a second one be filed). RBAC grants customers read only; the
 * mock API server of these tests enforces neither RBAC nor the CRD's {@code self == oldSelf} rule, so
 * this is where the rules are shown.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class UpdateRecordAdmissionTest {

    private static final String PATH = "/validate/controlplaneupdates";
    private static final String NAME = "payments-4-18-6";

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    private ValidatableResponse send(AdmissionReviews review) {
        return new WebhookClient(webhook).review(PATH, review).statusCode(200)
                .body("response.uid", equalTo(review.uid()));
    }

    /** The record of clusters/payments going from 4.18.5 to 4.18.6, Unhealthy, as the sidecar writes it. */
    private static ObjectNode record() {
        ObjectNode update = HostedClusters.JSON.createObjectNode();
        update.put("apiVersion", "rollback.hypershift.openshift.io/v1alpha1").put("kind", "ControlPlaneUpdate");
        update.putObject("metadata").put("name", NAME).put("namespace", "clusters")
                .put("uid", "0c1d2e3f-0000-4000-8000-0000000000a1").put("resourceVersion", "4711");
        update.putObject("spec").put("hostedClusterName", "payments").put("hostedClusterUid", "6f1c1a52-0000-4000-8000-000000000001")
                .put("fromVersion", "4.18.5").put("fromImage", tag("4.18.5"))
                .put("toVersion", "4.18.6").put("toImage", tag("4.18.6")).put("startTime", "2026-11-30T21:49:38Z");
        update.putObject("status").put("health", "Unhealthy").put("rollbackPoint", "payments-pre-4-18-6");
        return update;
    }

    @Test
    void nobodyButTheSidecarCreatesOrWritesARecord() {
        ObjectNode before = record();
        ObjectNode healthy = before.deepCopy();
        ((ObjectNode) healthy.get("status")).put("health", "Healthy");

        send(AdmissionReviews.updateRecord("UPDATE", before, healthy).subResource("status"))
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("update-record-writer"))
                .body("response.status.message", equalTo("[update-record-writer] only " + RbacSimulator.SIDECAR
                        + " may write a ControlPlaneUpdate's status; its health verdict, rollback point and automatic-rollback"
                        + " record are what retention and automatic rollbacks act on. Read it with kubectl get cpupd."));
        send(AdmissionReviews.updateRecord("UPDATE", before, healthy).subResource("status").sre())
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("update-record-writer"));
        send(AdmissionReviews.updateRecord("CREATE", null, record()))
                .body("response.allowed", equalTo(false))
                .body("response.status.message", equalTo("[update-record-writer] only " + RbacSimulator.SIDECAR
                        + " may create a ControlPlaneUpdate; its health verdict, rollback point and automatic-rollback"
                        + " record are what retention and automatic rollbacks act on. Read it with kubectl get cpupd."));

        send(AdmissionReviews.updateRecord("CREATE", null, record()).sidecar())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("update-record-write"));
        send(AdmissionReviews.updateRecord("UPDATE", before, healthy).subResource("status").sidecar())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("update-record-write"));
    }

    @Test
    void theSpecCannotChangeAfterCreationWhoeverAsks() {
        ObjectNode before = record();
        ObjectNode retargeted = before.deepCopy();
        ((ObjectNode) retargeted.get("spec")).put("fromVersion", "4.18.4").put("fromImage", tag("4.18.4"));

        for (AdmissionReviews review : List.of(AdmissionReviews.updateRecord("UPDATE", before, retargeted),
                AdmissionReviews.updateRecord("UPDATE", before, retargeted).sre(),
                AdmissionReviews.updateRecord("UPDATE", before, retargeted).sidecar())) {
            send(review)
                    .body("response.allowed", equalTo(false))
                    .body("response.auditAnnotations.rule", equalTo("update-record-spec-immutable"))
                    .body("response.status.message", equalTo("[update-record-spec-immutable] the spec of ControlPlaneUpdate "
                            + NAME + " cannot change after creation (spec.fromImage, spec.fromVersion changed): it records"
                            + " which update of which cluster the record judges."));
        }
    }
}
