package dev.hcprollback.testing;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** AdmissionReview requests exactly as the API server posts them to a validating webhook. */
public final class AdmissionReviews {

    public static final String HYPERSHIFT_OPERATOR = "system:serviceaccount:hypershift:operator";

    private final ObjectNode review = HostedClusters.JSON.createObjectNode();
    private final ObjectNode request;

    private AdmissionReviews(String group, String version, String kind, String resource, String operation) {
        review.put("kind", "AdmissionReview");
        review.put("apiVersion", "admission.k8s.io/v1");
        request = review.putObject("request");
        request.put("uid", UUID.randomUUID().toString());
        ObjectNode gvk = request.putObject("kind");
        gvk.put("group", group).put("version", version).put("kind", kind);
        ObjectNode gvr = request.putObject("resource");
        gvr.put("group", group).put("version", version).put("resource", resource);
        request.set("requestKind", gvk.deepCopy());
        request.set("requestResource", gvr.deepCopy());
        request.put("operation", operation);
        request.put("dryRun", false);
        by(RbacSimulator.CUSTOMER, "system:authenticated");
    }

    public static AdmissionReviews hostedCluster(String operation, HostedClusters before, HostedClusters after) {
        AdmissionReviews call = new AdmissionReviews("hypershift.openshift.io", "v1beta1", "HostedCluster",
                "hostedclusters", operation);
        JsonNode subject = after != null ? after.json() : before.json();
        call.request.put("name", subject.at("/metadata/name").asText());
        call.request.put("namespace", subject.at("/metadata/namespace").asText());
        call.object(after == null ? null : after.json()).oldObject(before == null ? null : before.json());
        call.options(operation);
        return call;
    }

    public static AdmissionReviews update(HostedClusters before, HostedClusters after) {
        return hostedCluster("UPDATE", before, after);
    }

    public static AdmissionReviews snapshot(String operation, JsonNode before, JsonNode after) {
        return of("rollback.hypershift.openshift.io", "v1alpha1", "ControlPlaneSnapshot", "controlplanesnapshots",
                operation, before, after);
    }

    public static AdmissionReviews hostedControlPlane(String operation, JsonNode before, JsonNode after) {
        return of("hypershift.openshift.io", "v1beta1", "HostedControlPlane", "hostedcontrolplanes", operation, before,
                after);
    }

    public static AdmissionReviews rollback(String operation, JsonNode before, JsonNode after) {
        return of("rollback.hypershift.openshift.io", "v1alpha1", "ControlPlaneRollback", "controlplanerollbacks",
                operation, before, after);
    }

    public static AdmissionReviews updateRecord(String operation, JsonNode before, JsonNode after) {
        return of("rollback.hypershift.openshift.io", "v1alpha1", "ControlPlaneUpdate", "controlplaneupdates",
                operation, before, after);
    }

    private static AdmissionReviews of(String group, String version, String kind, String resource, String operation,
            JsonNode before, JsonNode after) {
        AdmissionReviews call = new AdmissionReviews(group, version, kind, resource, operation);
        JsonNode subject = after != null ? after : before;
        call.request.put("name", subject.at("/metadata/name").asText());
        call.request.put("namespace", subject.at("/metadata/namespace").asText());
        call.object(after).oldObject(before);
        call.options(operation);
        return call;
    }

    public AdmissionReviews by(String username, String... groups) {
        ObjectNode user = request.putObject("userInfo");
        user.put("username", username);
        user.put("uid", UUID.nameUUIDFromBytes(username.getBytes()).toString());
        ArrayNode groupList = user.putArray("groups");
        List.of(groups).forEach(groupList::add);
        user.putObject("extra").putArray("scopes.authorization.openshift.io").add("user:full");
        return this;
    }

    public AdmissionReviews sre() {
        return by(RbacSimulator.SRE, RbacSimulator.SRE_GROUP, "system:authenticated");
    }

    public AdmissionReviews sidecar() {
        return by(RbacSimulator.SIDECAR, "system:serviceaccounts", "system:serviceaccounts:hcp-rollback",
                "system:authenticated");
    }

    /** The HyperShift operator's service account, as it writes HostedControlPlanes. */
    public AdmissionReviews hyperShiftOperator() {
        return by(HYPERSHIFT_OPERATOR, "system:serviceaccounts", "system:serviceaccounts:hypershift", "system:authenticated");
    }

    public AdmissionReviews dryRun() {
        request.put("dryRun", true);
        return this;
    }

    public AdmissionReviews subResource(String subResource) {
        request.put("subResource", subResource);
        return this;
    }

    public String uid() {
        return request.get("uid").asText();
    }

    public ObjectNode json() {
        return review;
    }

    @Override
    public String toString() {
        return review.toString();
    }

    private AdmissionReviews object(JsonNode object) {
        request.set("object", object == null ? HostedClusters.JSON.nullNode() : object.deepCopy());
        return this;
    }

    private AdmissionReviews oldObject(JsonNode oldObject) {
        request.set("oldObject", oldObject == null ? HostedClusters.JSON.nullNode() : oldObject.deepCopy());
        return this;
    }

    private void options(String operation) {
        ObjectNode options = request.putObject("options");
        options.put("apiVersion", "meta.k8s.io/v1");
        switch (operation) {
            case "CREATE" -> options.put("kind", "CreateOptions").put("fieldManager", "kubectl-create");
            case "DELETE" -> options.put("kind", "DeleteOptions").put("propagationPolicy", "Background");
            default -> options.put("kind", "UpdateOptions").put("fieldManager", "kubectl-edit");
        }
    }
}
