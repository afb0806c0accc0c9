package dev.hcprollback.webhook.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.webhook.AdmissionResource;
import dev.hcprollback.webhook.review.AdmissionReviewReader.Bound;

/**
 * The webhook's streaming reading of a HostedCluster review ({@link AdmissionReviewReader#readBound}) against
 * the tree reading it replaces on the hot path: the same call, the same objects as the rules see them, the
 * same message for a malformed review, on the edges a streaming reader can get wrong.
 */
class StreamedReviewTest {

    private final AdmissionReviewReader reader = new AdmissionReviewReader();

    private static byte[] bytes(Object review) {
        return review.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Both readings of {@code review}, asserted to agree on everything the rules read; the streamed one. */
    private Bound<HostedCluster> readBothWays(Object review) {
        Bound<HostedCluster> streamed = reader.readBound(bytes(review), AdmissionResource.HOSTED_CLUSTER, HostedCluster.class);
        Bound<HostedCluster> tree = reader.read(bytes(review), AdmissionResource.HOSTED_CLUSTER, HostedCluster.class);
        assertEquals(header(tree.call()), header(streamed.call()));
        assertSameForTheRules(tree.before(), streamed.before());
        assertSameForTheRules(tree.after(), streamed.after());
        return streamed;
    }

    private static List<Object> header(AdmissionCall call) {
        return List.of(call.uid(), call.operation(), call.subResource(), call.requester(), call.dryRun(), call.namespace(),
                call.name());
    }

    private static void assertSameForTheRules(HostedCluster expected, HostedCluster actual) {
        if (expected == null) {
            assertNull(actual);
            return;
        }
        assertEquals(expected.getMetadata().getName(), actual.getMetadata().getName());
        assertEquals(expected.getMetadata().getNamespace(), actual.getMetadata().getNamespace());
        assertEquals(expected.getMetadata().getUid(), actual.getMetadata().getUid());
        assertEquals(expected.getMetadata().getAnnotations(), actual.getMetadata().getAnnotations());
        assertEquals(expected.getMetadata().getLabels(), actual.getMetadata().getLabels());
        assertEquals(expected.releaseImage(), actual.releaseImage());
        assertEquals(expected.controlPlaneReleaseImage(), actual.controlPlaneReleaseImage());
        assertEquals(expected.knownPayloads(), actual.knownPayloads());
        assertEquals(expected.versionHistory().size(), actual.versionHistory().size());
        assertEquals(expected.controlPlaneVersionHistory().size(), actual.controlPlaneVersionHistory().size());
    }

    @Test
    void theBenchmarkScenariosReadTheSameAndKeepNoUnknownField() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1");
        HostedClusters requested = on6.copy().requestRollback("4.18.5", "INC-1");
        readBothWays(AdmissionReviews.update(on6, on6.copy().annotate("team", "payments")));
        readBothWays(AdmissionReviews.update(on6, on6.copy().release(HostedClusters.tag("4.18.5"))));
        Bound<HostedCluster> rollback = readBothWays(
                AdmissionReviews.update(requested, requested.copy().release(HostedClusters.tag("4.18.5"))).sre());
        assertEquals("4.18.5", rollback.after().releaseImage().get().versionFromTag().get().toString());
        assertTrue(rollback.after().getSpec().getUnknownFields().isEmpty(), "the spec's other fields are skipped, not kept");
        assertNull(rollback.call().object(), "no tree of the object is built");
        assertTrue(rollback.after().getStatus().getConditions().isEmpty(),
                "conditions, which no rule reads, are skipped (SkipUnknownFields.NOT_JUDGED)");
        assertSame(rollback.before().getSpec().getRelease().getImage(), rollback.before().versionHistory().get(0).getImage(),
                "a string the review repeats is made once (RepeatedStrings)");
    }

    @Test
    void absentOptionalFieldsReadAsTheTreeReadsThem() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1");
        ObjectNode review = AdmissionReviews.update(on6, on6.copy()).json();
        ObjectNode request = (ObjectNode) review.get("request");
        request.remove(List.of("dryRun", "subResource", "namespace", "name"));
        ((ObjectNode) request.get("userInfo")).remove(List.of("groups", "extra", "uid"));
        Bound<HostedCluster> bound = readBothWays(review);
        assertEquals(new Requester(RbacSimulator.CUSTOMER, "", List.of(), Map.of()), bound.call().requester());
        assertEquals("", bound.call().namespace());
    }

    @Test
    void nullsReadAsTheTreeReadsThem() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1");
        ObjectNode review = AdmissionReviews.hostedCluster("CREATE", null, on6).json();
        ObjectNode request = (ObjectNode) review.get("request");
        request.putNull("dryRun").putNull("subResource").putNull("oldObject");
        ((ObjectNode) request.get("userInfo")).putNull("groups").putNull("uid");
        ((ObjectNode) review.at("/request/object/spec")).putNull("controlPlaneRelease");
        ((ObjectNode) review.at("/request/object/metadata")).putNull("labels");
        Bound<HostedCluster> bound = readBothWays(review);
        assertNull(bound.before());
        assertTrue(bound.after().controlPlaneReleaseImage().isEmpty());
    }

    @Test
    void hugeUnknownFieldsAreSkipped() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1");
        HostedClusters big = on6.copy();
        String megabyte = "x".repeat(1 << 20);
        ObjectNode spec = (ObjectNode) big.json().get("spec");
        spec.putObject("platform").putObject("aws").put("blob", megabyte).putArray("zones").add(1).add(2.5).add(true).addNull();
        ObjectNode managed = ((ObjectNode) big.json().get("metadata")).putArray("managedFields").addObject();
        managed.put("manager", "kubectl").putObject("fieldsV1").putObject("f:spec").put("f:blob", megabyte);
        ObjectNode review = AdmissionReviews.update(on6, big).json();
        review.put("unknownTopLevel", megabyte);
        ((ObjectNode) review.get("request")).putObject("options").put("fieldManager", megabyte);
        Bound<HostedCluster> bound = readBothWays(review);
        assertTrue(bound.after().getSpec().getUnknownFields().isEmpty());
        assertTrue(bound.after().getMetadata().getManagedFields() == null
                || bound.after().getMetadata().getManagedFields().isEmpty(), "managedFields are skipped unread");
    }

    @Test
    void unicodeAndEscapesSurvive() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1");
        String reason = "INC-42 \u00e9chec du r\u00e9seau \u2014 \u65e5\u672c \ud83d\ude80 \"quoted\" \\ back\tslash";
        HostedClusters requested = on6.copy().requestRollback("4.18.5", reason);
        Bound<HostedCluster> bound = readBothWays(AdmissionReviews.update(on6, requested).sre());
        assertTrue(bound.after().getMetadata().getAnnotations().containsValue(reason));
    }

    @Test
    void aReleaseFieldOnlyInTheOldObjectIsReadOnThatSideOnly() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1").controlPlaneRelease(HostedClusters.tag("4.18.6"));
        HostedClusters after = on6.copy();
        ((ObjectNode) after.json().get("spec")).remove(List.of("release", "controlPlaneRelease"));
        Bound<HostedCluster> bound = readBothWays(AdmissionReviews.update(on6, after));
        assertTrue(bound.before().releaseImage().isPresent());
        assertTrue(bound.before().controlPlaneReleaseImage().isPresent());
        assertTrue(bound.after().releaseImage().isEmpty());
        assertTrue(bound.after().controlPlaneReleaseImage().isEmpty());
    }

    @Test
    void fieldsInAnyOrderAndRepeatedFieldsReadAsTheTreeReadsThem() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1");
        ObjectNode review = AdmissionReviews.update(on6, on6.copy().annotate("team", "a")).json();
        // request first, then the envelope; a repeated key counts last, as in the tree
        String body = "{\"request\":" + review.get("request") + ",\"kind\":\"Other\",\"kind\":\"AdmissionReview\","
                + "\"apiVersion\":\"admission.k8s.io/v1\"}";
        Bound<HostedCluster> streamed = reader.readBound(body.getBytes(StandardCharsets.UTF_8),
                AdmissionResource.HOSTED_CLUSTER, HostedCluster.class);
        assertEquals("a", streamed.after().getMetadata().getAnnotations().get("team"));
    }

    @Test
    void aMalformedReviewGetsTheTreeReadingsMessage() {
        HostedClusters on6 = HostedClusters.onSixAfterFive("prod-1");
        String good = AdmissionReviews.update(on6, on6.copy()).toString();
        List<String> bodies = List.of("", "{", "[]", "null", "{\"apiVersion\":\"admission.k8s.io/v1beta1\"}",
                good.replace("\"operation\":\"UPDATE\"", "\"operation\":\"PATCH\""),
                good.replace("\"kind\":\"HostedCluster\"", "\"kind\":\"NodePool\""),
                good.replace("\"dryRun\":false", "\"dryRun\":\"no\""),
                good.replace("\"username\":", "\"user\":"),
                good.replaceFirst("\"name\":\"prod-1\",\"namespace\"", "\"namespace\"").replace("\"metadata\":{\"name\":\"prod-1\",",
                        "\"metadata\":{"),
                good.replaceFirst("\"release\":\\{\"image\":\"[^\"]*\"}", "\"release\":{\"image\":{\"x\":1}}"),
                good.replace("\"oldObject\":{", "\"oldObject\":\"text\",\"ignored\":{"));
        for (String body : bodies) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String which = "case " + bodies.indexOf(body);
            MalformedAdmissionReview tree = assertThrows(MalformedAdmissionReview.class,
                    () -> reader.read(bytes, AdmissionResource.HOSTED_CLUSTER, HostedCluster.class), which);
            MalformedAdmissionReview streamed = assertThrows(MalformedAdmissionReview.class,
                    () -> reader.readBound(bytes, AdmissionResource.HOSTED_CLUSTER, HostedCluster.class), which);
            assertEquals(tree.getMessage(), streamed.getMessage());
        }
    }
}
