package dev.hcprollback.webhook.review;

import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * The spec fields an UPDATE changes, for kinds whose spec is fixed at creation (the CRDs carry the
 * same rule as {@code x-kubernetes-validations: self == oldSelf}). A status write never changes the
 * spec (the API server drops spec edits there), so it changes nothing here either.
 */
public final class ImmutableSpec {

    private ImmutableSpec() {
    }

    /** Top-level spec fields that differ between {@code oldObject} and {@code object}, sorted; empty when none. */
    public static List<String> changedFields(AdmissionCall call) {
        if (call.operation() != AdmissionCall.Operation.UPDATE || call.isStatusUpdate()) {
            return List.of();
        }
        JsonNode before = spec(call.oldObject());
        JsonNode after = spec(call.object());
        if (before.equals(after)) {
            return List.of();
        }
        TreeSet<String> fields = new TreeSet<>();
        collect(before, after, fields);
        collect(after, before, fields);
        return fields.isEmpty() ? List.of("spec") : List.copyOf(fields);
    }

    /** {@code spec.hostedClusterName, spec.reason} */
    public static String describe(List<String> fields) {
        return String.join(", ", fields.stream().map(f -> f.equals("spec") ? f : "spec." + f).toList());
    }

    private static void collect(JsonNode one, JsonNode other, TreeSet<String> fields) {
        for (Iterator<String> names = one.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!one.get(name).equals(other.path(name))) {
                fields.add(name);
            }
        }
    }

    private static JsonNode spec(JsonNode object) {
        return object == null ? MissingNode.getInstance() : object.path("spec");
    }
}
