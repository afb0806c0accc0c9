package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.digest;
import static dev.hcprollback.testing.HostedClusters.tag;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.ValidatableResponse;

/**
 * The HostedControlPlane webhook: its release images are what the control-plane operator rolls out,
 * so whoever may edit a HostedControlPlane (a customer with rights in the control-plane namespace, an
 * SRE) cannot move them; only the HyperShift operator, which copies them from the HostedCluster, and
 * the sidecar can.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class HostedControlPlaneAdmissionTest {

    private static final String PATH = "/validate/hostedcontrolplanes";
    private static final String NAMESPACE = "clusters-demo";

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    /** HyperShift's HostedControlPlane for clusters/demo on 4.18.6, with fields the project does not model. */
    private static ObjectNode demo() {
        ObjectNode hcp = HostedClusters.JSON.createObjectNode();
        hcp.put("apiVersion", "hypershift.openshift.io/v1beta1").put("kind", "HostedControlPlane");
        ObjectNode metadata = hcp.putObject("metadata");
        metadata.put("name", "demo").put("namespace", NAMESPACE).put("uid", "5f6c1d1e-0000-4000-8000-00000000d3e0")
                .put("resourceVersion", "81723").put("generation", 7);
        metadata.putObject("annotations").put("hypershift.openshift.io/cluster", "clusters/demo");
        ObjectNode spec = hcp.putObject("spec");
        spec.put("releaseImage", tag("4.18.6")).put("clusterID", "1b9a7c2e-5d1f-4e2b-9c1a-3f6d8e0b7a41")
                .put("infraID", "demo-x7k2p").put("issuerURL", "https://oidc.example.com/demo")
                .put("controllerAvailabilityPolicy", "HighlyAvailable").put("pullSecret", "pull-secret");
        spec.putObject("platform").put("type", "AWS").putObject("aws").put("region", "us-east-1");
        spec.putObject("networking").putArray("clusterNetwork").addObject().put("cidr", "10.132.0.0/14");
        hcp.putObject("status").put("ready", true).put("version", "4.18.6").put("releaseImage", tag("4.18.6"));
        return hcp;
    }

    private static ObjectNode edited(UnaryOperator<ObjectNode> edit) {
        return edit.apply(demo());
    }

    private static ObjectNode spec(ObjectNode hcp) {
        return (ObjectNode) hcp.get("spec");
    }

    static Stream<Arguments> releaseImageEdits() {
        ObjectNode older = edited(h -> {
            spec(h).put("releaseImage", tag("4.18.5"));
            return h;
        });
        ObjectNode mirrorDigest = edited(h -> {
            spec(h).put("releaseImage", "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "5".repeat(64));
            return h;
        });
        ObjectNode controlPlaneOverride = edited(h -> {
            spec(h).put("controlPlaneReleaseImage", digest('4'));
            return h;
        });
        ObjectNode newer = edited(h -> {
            spec(h).put("releaseImage", tag("4.18.7"));
            return h;
        });
        String path = "spec.releaseImage changed from " + tag("4.18.6") + " to ";
        return Stream.of(
                Arguments.of("an older tag", older, path + tag("4.18.5")),
                Arguments.of("a digest through a mirror", mirrorDigest, path
                        + "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "5".repeat(64)),
                Arguments.of("a control-plane override", controlPlaneOverride,
                        "spec.controlPlaneReleaseImage set to " + digest('4')),
                Arguments.of("a newer tag", newer, path + tag("4.18.7")));
    }

    @ParameterizedTest(name = "{0}: refused for customer and SRE, admitted for HyperShift and the sidecar")
    @MethodSource("releaseImageEdits")
    void releaseImagesMoveOnlyByHyperShiftOrTheSidecar(String what, ObjectNode after, String change) {
        Consumer<AdmissionReviews> refused = review -> send(review)
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("hcp-release-writer"))
                .body("response.status.message", equalTo("[hcp-release-writer] HostedControlPlane " + NAMESPACE + "/demo: "
                        + change + ". Only the HyperShift operator (" + AdmissionReviews.HYPERSHIFT_OPERATOR
                        + ") and hcp-rollback (" + RbacSimulator.SIDECAR + ") write the release images of a "
                        + "HostedControlPlane; change the HostedCluster's spec.release or spec.controlPlaneRelease instead, "
                        + "where the rollback rules apply."));
        refused.accept(AdmissionReviews.hostedControlPlane("UPDATE", demo(), after));
        refused.accept(AdmissionReviews.hostedControlPlane("UPDATE", demo(), after).sre());
        refused.accept(AdmissionReviews.hostedControlPlane("UPDATE", demo(), after).dryRun());

        send(AdmissionReviews.hostedControlPlane("UPDATE", demo(), after).hyperShiftOperator())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("hcp-release-by-hypershift"));
        send(AdmissionReviews.hostedControlPlane("UPDATE", demo(), after).sidecar())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("hcp-release-by-hypershift"));
    }

    /** Every annotation that sets a control-plane component's image: HyperShift copies several to the HostedControlPlane. */
    static Stream<String> imageAnnotations() {
        return HostedCluster.IMAGE_ANNOTATIONS.stream();
    }

    @ParameterizedTest(name = "{0}: refused for customer and SRE, admitted for HyperShift and the sidecar")
    @MethodSource("imageAnnotations")
    void imageAnnotationsMoveOnlyByHyperShiftOrTheSidecar(String key) {
        String image = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "c".repeat(64);
        ObjectNode annotated = edited(h -> {
            ((ObjectNode) h.at("/metadata/annotations")).put(key, image);
            return h;
        });
        String writers = ". Only the HyperShift operator (" + AdmissionReviews.HYPERSHIFT_OPERATOR + ") and hcp-rollback ("
                + RbacSimulator.SIDECAR + ") write the image annotations of a HostedControlPlane, which HyperShift copies "
                + "from the HostedCluster; set them on the HostedCluster instead, where the image override rules apply.";
        String set = "[hcp-image-annotation-writer] HostedControlPlane " + NAMESPACE + "/demo: annotation " + key
                + " set to " + image + writers;
        BiConsumer<AdmissionReviews, String> refused = (review, message) -> send(review)
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("hcp-image-annotation-writer"))
                .body("response.status.message", equalTo(message));
        refused.accept(AdmissionReviews.hostedControlPlane("UPDATE", demo(), annotated).sre(), set);
        refused.accept(AdmissionReviews.hostedControlPlane("UPDATE", demo(), annotated), set);
        refused.accept(AdmissionReviews.hostedControlPlane("UPDATE", annotated, demo()), "[hcp-image-annotation-writer] "
                + "HostedControlPlane " + NAMESPACE + "/demo: annotation " + key + " removed (was " + image + ")" + writers);
        // a HostedControlPlane created with the annotation and no release image yet
        ObjectNode created = annotated.deepCopy();
        spec(created).remove("releaseImage");
        refused.accept(AdmissionReviews.hostedControlPlane("CREATE", null, created).sre(), set);

        send(AdmissionReviews.hostedControlPlane("UPDATE", demo(), annotated).hyperShiftOperator())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("hcp-release-by-hypershift"));
        send(AdmissionReviews.hostedControlPlane("UPDATE", demo(), annotated).sidecar())
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("hcp-release-by-hypershift"));
    }

    @Test
    void removingTheControlPlaneOverrideIsAReleaseChangeToo() {
        ObjectNode withOverride = edited(h -> {
            spec(h).put("controlPlaneReleaseImage", tag("4.18.6"));
            return h;
        });
        send(AdmissionReviews.hostedControlPlane("UPDATE", withOverride, demo()))
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("hcp-release-writer"));
    }

    @Test
    void otherEditsAndStatusWritesAreNotJudged() {
        ObjectNode otherEdit = edited(h -> {
            spec(h).put("controllerAvailabilityPolicy", "SingleReplica");
            ((ObjectNode) h.get("metadata")).with("labels").put("team", "payments");
            return h;
        });
        send(AdmissionReviews.hostedControlPlane("UPDATE", demo(), otherEdit))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("hcp-no-release-change"));
        ObjectNode newStatus = edited(h -> {
            ((ObjectNode) h.get("status")).put("ready", false);
            return h;
        });
        send(AdmissionReviews.hostedControlPlane("UPDATE", demo(), newStatus).subResource("status"))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("hcp-no-release-change"));
    }

    @Test
    void onlyHyperShiftCreatesAHostedControlPlaneWithReleaseImages() {
        send(AdmissionReviews.hostedControlPlane("CREATE", null, demo()))
                .body("response.allowed", equalTo(false))
                .body("response.status.message", equalTo("[hcp-release-writer] HostedControlPlane " + NAMESPACE
                        + "/demo: spec.releaseImage set to " + tag("4.18.6") + ". Only the HyperShift operator ("
                        + AdmissionReviews.HYPERSHIFT_OPERATOR + ") and hcp-rollback (" + RbacSimulator.SIDECAR
                        + ") write the release images of a HostedControlPlane; change the HostedCluster's spec.release or "
                        + "spec.controlPlaneRelease instead, where the rollback rules apply."));
        send(AdmissionReviews.hostedControlPlane("CREATE", null, demo()).hyperShiftOperator())
                .body("response.allowed", equalTo(true));
    }

    private ValidatableResponse send(AdmissionReviews review) {
        return new WebhookClient(webhook).review(PATH, review).statusCode(200)
                .body("response.uid", equalTo(review.uid()));
    }
}
