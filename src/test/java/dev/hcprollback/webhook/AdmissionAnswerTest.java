package dev.hcprollback.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.webhook.rules.Rule;
import dev.hcprollback.webhook.rules.Verdict;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;

/** The hand-written answer is the document fabric8's AdmissionReview model gives, for every kind of verdict. */
class AdmissionAnswerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void allowedWithoutWarnings() throws Exception {
        same("7b0e0f1c-uid", Verdict.allow(Rule.NO_RELEASE_CHANGE, "no release field changes"));
    }

    @Test
    void allowedWithWarnings() throws Exception {
        same("uid-2", Verdict.allow(Rule.UPGRADE_GATE, "4.18.6 to 4.18.7")
                .withWarnings(List.of("hcp-rollback: no snapshot \"younger\" than 24h", "second\nline \\ with\ttab ✓")));
    }

    @Test
    void refusedWithAMessageThatNeedsEscaping() throws Exception {
        same("uid-\"3\"", Verdict.deny(Rule.ROLLBACK_NOT_REQUESTED,
                "spec.release.image changes to quay.io/x:4.18.5 \"older\" <payload> & more\u0001 ü"));
    }

    @Test
    void refusedWithWarnings() throws Exception {
        same("uid-4", Verdict.deny(Rule.UNKNOWN_PAYLOAD, "unknown").withWarnings(List.of("a warning")));
    }

    private static void same(String uid, Verdict verdict) throws Exception {
        JsonNode written = JSON.readTree(AdmissionAnswer.json(uid, verdict));
        assertEquals(JSON.readTree(JSON.writeValueAsString(model(uid, verdict))), written);
    }

    /** What the webhook answered with before the answer was written by hand: fabric8's model. */
    private static Object model(String uid, Verdict verdict) {
        Map<String, String> audit = new LinkedHashMap<>();
        audit.put("decision", verdict.decision());
        audit.put("rule", verdict.rule().id());
        AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(uid).withAllowed(verdict.allowed())
                .withAuditAnnotations(audit);
        if (!verdict.warnings().isEmpty()) {
            response.withWarnings(verdict.warnings());
        }
        if (!verdict.allowed()) {
            response.withStatus(new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(verdict.message())
                    .build());
        }
        return new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
                .withResponse(response.build()).build();
    }
}
