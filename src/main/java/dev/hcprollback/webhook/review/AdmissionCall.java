package dev.hcprollback.webhook.review;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The parts of an {@code admission.k8s.io/v1} AdmissionReview request the webhooks judge, checked
 * for shape by {@link AdmissionReviewReader}. {@code object} is absent on DELETE, {@code oldObject} on CREATE.
 */
public record AdmissionCall(String uid, Operation operation, String subResource, Requester requester, boolean dryRun,
        String namespace, String name, JsonNode object, JsonNode oldObject) {

    public enum Operation {
        CREATE,
        UPDATE,
        DELETE,
        CONNECT
    }

    public boolean isStatusUpdate() {
        return "status".equals(subResource);
    }
}
