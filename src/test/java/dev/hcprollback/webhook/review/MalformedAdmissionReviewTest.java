package dev.hcprollback.webhook.review;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.net.URL;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** Bodies that are not an AdmissionReview the webhook can judge: HTTP 400, a Status naming the fault, no stack trace. */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class MalformedAdmissionReviewTest {

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    static String valid(UnaryOperator<ObjectNode> breakIt) {
        HostedClusters cluster = HostedClusters.onSixAfterFive("malformed");
        return breakIt.apply(AdmissionReviews.update(cluster, cluster.copy().release(HostedClusters.tag("4.18.5"))).json())
                .toString();
    }

    static ObjectNode request(ObjectNode review) {
        return (ObjectNode) review.get("request");
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of("empty body", "", "request body is empty; expected an admission.k8s.io/v1 AdmissionReview"),
                Arguments.of("not JSON", "{\"apiVersion\": ", "request body is not valid JSON (line 1, column 16)"),
                Arguments.of("a JSON list", "[]", "request body is not a JSON object; expected an AdmissionReview"),
                Arguments.of("v1beta1 review", valid(r -> r.put("apiVersion", "admission.k8s.io/v1beta1")),
                        "apiVersion is 'admission.k8s.io/v1beta1'; this webhook accepts admission.k8s.io/v1 only (set admissionReviewVersions: [v1])"),
                Arguments.of("wrong kind", valid(r -> r.put("kind", "TokenReview")),
                        "kind is 'TokenReview'; expected AdmissionReview"),
                Arguments.of("no request", valid(r -> {
                    r.remove("request");
                    return r;
                }), "request is missing"),
                Arguments.of("no uid", valid(r -> {
                    request(r).remove("uid");
                    return r;
                }), "request.uid is missing"),
                Arguments.of("uid not a string", valid(r -> {
                    request(r).put("uid", 42);
                    return r;
                }), "request.uid must be a non-empty string"),
                Arguments.of("a NodePool", valid(r -> {
                    ((ObjectNode) request(r).get("kind")).put("kind", "NodePool");
                    return r;
                }), "request.kind is hypershift.openshift.io/v1beta1, Kind=NodePool; this endpoint judges hypershift.openshift.io/v1beta1, Kind=HostedCluster only"),
                Arguments.of("an old API version", valid(r -> {
                    ((ObjectNode) request(r).get("kind")).put("version", "v1alpha1");
                    return r;
                }), "request.kind is hypershift.openshift.io/v1alpha1, Kind=HostedCluster; this endpoint judges hypershift.openshift.io/v1beta1, Kind=HostedCluster only"),
                Arguments.of("unknown operation", valid(r -> {
                    request(r).put("operation", "PATCH");
                    return r;
                }), "request.operation is 'PATCH'; expected one of CREATE, UPDATE, DELETE, CONNECT"),
                Arguments.of("no userInfo", valid(r -> {
                    request(r).remove("userInfo");
                    return r;
                }), "request.userInfo is missing"),
                Arguments.of("no username", valid(r -> {
                    ((ObjectNode) request(r).get("userInfo")).remove("username");
                    return r;
                }), "request.userInfo.username is missing"),
                Arguments.of("update without object", valid(r -> {
                    request(r).putNull("object");
                    return r;
                }), "request.object is missing; a UPDATE request must carry it"),
                Arguments.of("update without oldObject", valid(r -> {
                    request(r).remove("oldObject");
                    return r;
                }), "request.oldObject is missing; a UPDATE request must carry it"),
                Arguments.of("object is a string", valid(r -> {
                    request(r).put("object", "payments");
                    return r;
                }), "request.object must be a JSON object"),
                Arguments.of("release is a string", valid(r -> {
                    ((ObjectNode) request(r).at("/object/spec")).put("release", "4.18.5");
                    return r;
                }), "request.object.spec.release has a value of the wrong type"),
                Arguments.of("history is not a list", valid(r -> {
                    ((ObjectNode) request(r).at("/oldObject/status/version")).put("history", "none");
                    return r;
                }), "request.oldObject.status.version.history has a value of the wrong type"),
                Arguments.of("object without a name", valid(r -> {
                    ((ObjectNode) request(r).at("/object/metadata")).remove("name");
                    return r;
                }), "request.object.metadata.name is missing"),
                Arguments.of("dryRun not a boolean", valid(r -> {
                    request(r).put("dryRun", "yes");
                    return r;
                }), "request.dryRun must be a boolean"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void answers400WithThePreciseFault(String name, String body, String message) {
        new WebhookClient(webhook).post("/validate/hostedclusters", body)
                .statusCode(400)
                .body("kind", equalTo("Status"))
                .body("code", equalTo(400))
                .body("reason", equalTo("BadRequest"))
                .body("message", equalTo(message))
                .body(not(containsString("Exception")))
                .body(not(containsString("dev.hcprollback")));
    }

    static Stream<Arguments> snapshotBodies() {
        return Stream.of(
                Arguments.of("not JSON", "{", "request body is not valid JSON (line 1, column 2)"),
                Arguments.of("a HostedCluster review", valid(r -> r),
                        "request.kind is hypershift.openshift.io/v1beta1, Kind=HostedCluster; this endpoint judges rollback.hypershift.openshift.io/v1alpha1, Kind=ControlPlaneSnapshot only"),
                Arguments.of("delete without oldObject", AdmissionReviews.snapshot("DELETE",
                        HostedClusters.JSON.createObjectNode().set("metadata",
                                HostedClusters.JSON.createObjectNode().put("name", "s").put("namespace", "clusters")),
                        null).json().put("x", 1).toString().replace("\"oldObject\":{", "\"oldObject\":null,\"ignored\":{"),
                        "request.oldObject is missing; a DELETE request must carry it"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshotBodies")
    void snapshotEndpointAnswers400Too(String name, String body, String message) {
        new WebhookClient(webhook).post("/validate/controlplanesnapshots", body)
                .statusCode(400)
                .body("message", equalTo(message));
    }
}
