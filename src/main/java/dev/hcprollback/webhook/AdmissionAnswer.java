package dev.hcprollback.webhook;

import java.util.List;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.hcprollback.webhook.review.AdmissionReviewReader;
import dev.hcprollback.webhook.rules.Verdict;

/**
 * The AdmissionReview a webhook answers with, written straight to JSON:
 * {@code {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":...,"allowed":...,
 * "auditAnnotations":{"decision":...,"rule":...}[,"warnings":[...]][,"status":{"apiVersion":"v1","kind":"Status",
 * "code":403,"message":...,"reason":"Forbidden"}]}}}. The same document fabric8's AdmissionReview model serialises to
 * ({@code AdmissionAnswerTest} compares the two), without building the model and its builders for every request: the
 * webhook answers every HostedCluster update.
 */
final class AdmissionAnswer {

    private static final String HEAD = "{\"apiVersion\":\"" + AdmissionReviewReader.API_VERSION
            + "\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"";

    private AdmissionAnswer() {
    }

    static String json(String uid, Verdict verdict) {
        StringBuilder out = new StringBuilder(256);
        out.append(HEAD);
        quoted(out, uid);
        out.append("\",\"allowed\":").append(verdict.allowed()).append(",\"auditAnnotations\":{\"decision\":\"");
        quoted(out, verdict.decision());
        out.append("\",\"rule\":\"");
        quoted(out, verdict.rule().id());
        out.append("\"}");
        List<String> warnings = verdict.warnings();
        if (!warnings.isEmpty()) {
            out.append(",\"warnings\":[");
            for (int i = 0; i < warnings.size(); i++) {
                out.append(i == 0 ? "\"" : ",\"");
                quoted(out, warnings.get(i));
                out.append('"');
            }
            out.append(']');
        }
        if (!verdict.allowed()) {
            out.append(",\"status\":{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"code\":403,\"message\":\"");
            quoted(out, verdict.message());
            out.append("\",\"reason\":\"Forbidden\"}");
        }
        return out.append("}}").toString();
    }

    /** {@code text} as the inside of a JSON string (Jackson's own escaping). */
    private static void quoted(StringBuilder out, String text) {
        JsonStringEncoder.getInstance().quoteAsString(text, out);
    }
}
