package dev.hcprollback.webhook.review;

import java.util.List;
import java.util.Map;

/** {@code request.userInfo} of an AdmissionReview: who asks for the change. */
public record Requester(String username, String uid, List<String> groups, Map<String, List<String>> extra) {

    public Requester {
        groups = List.copyOf(groups);
        extra = Map.copyOf(extra);
    }
}
