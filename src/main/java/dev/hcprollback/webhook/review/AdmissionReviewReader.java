package dev.hcprollback.webhook.review;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Reads an AdmissionReview exactly as the API server posts it and says precisely what is wrong
 * with one that is not: every message names the JSON path at fault.
 *
 * <p>Two readings of one format. {@link #read} builds the whole review as a JSON tree, for the guards that
 * compare objects field by field ({@link ImmutableSpec}). {@link #readBound} is the webhook's hot path
 * (every HostedCluster update passes it): one pass of Jackson's streaming parser over the body that keeps the
 * request's header fields and binds {@code object} and {@code oldObject} straight to the model class,
 * skipping every field the model does not name instead of keeping it (a HostedCluster's spec and status
 * are mostly fields the rules never read), and never building a tree. A review the streaming pass does
 * not find well-formed is read again the first way, so that every malformed review gets exactly the
 * message {@link #read} gives.
 */
@ApplicationScoped
public class AdmissionReviewReader {

    public static final String API_VERSION = "admission.k8s.io/v1";

    /** The resource an endpoint judges, as {@code request.kind} names it. */
    public record ResourceKind(String group, String version, String kind) {
        @Override
        public String toString() {
            return group + "/" + version + ", Kind=" + kind;
        }
    }

    /** The parts of a review a typed guard judges: the call, and its objects bound to the model (null when absent). */
    public record Bound<T>(AdmissionCall call, T before, T after) {
    }

    /** Jackson's strict defaults, not the application's lenient mapper: a wrong type must be a 400, never coerced. */
    private final ObjectMapper mapper = new ObjectMapper();

    /** The same strict mapper, except that a class that keeps unknown fields skips them instead ({@link SkipUnknownFields}). */
    private final ObjectMapper lean = new ObjectMapper(JsonFactory.builder().disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build())
            .registerModule(SkipUnknownFields.module()); // the stream stays open: a malformed review is read again from it

    /**
     * The review with its objects bound to {@code type}, in one streaming pass (see the class comment). The
     * call's {@code object} and {@code oldObject} trees are not built (null, unless the review needed the tree
     * reading): guards on this path judge the bound objects only. A {@link HasMetadata} object must carry
     * {@code metadata.name}.
     *
     * @throws MalformedAdmissionReview as {@link #read} and {@link #convert} would, with the same message
     */
    public <T> Bound<T> readBound(byte[] body, ResourceKind expected, Class<T> type) {
        return readBound(replayable(body == null ? new ByteArrayInputStream(new byte[0]) : new ByteArrayInputStream(body)),
                expected, type);
    }

    /**
     * As {@link #readBound(byte[], ResourceKind, Class)}, from a stream that {@link #replayable} made (read from
     * its mark; the tree reading of a malformed review reads it again). Parsing the stream the HTTP layer hands
     * over spares the copy of the whole body into one more array that a {@code byte[]} parameter costs.
     */
    public <T> Bound<T> readBound(InputStream body, ResourceKind expected, Class<T> type) {
        Bound<T> bound;
        try {
            bound = new StreamedReview<>(lean, expected, type).read(body);
        } catch (IOException | RuntimeException notWellFormed) {
            bound = null;
        }
        if (bound != null) {
            return bound;
        }
        try {
            body.reset();
            return read(body.readAllBytes(), expected, type);
        } catch (IOException unreadable) {
            throw new MalformedAdmissionReview("request body cannot be read: " + unreadable.getMessage());
        }
    }

    /**
     * {@code body} marked at its start, so that {@link #rewound} can read it again: as it is when it supports
     * marks (the in-memory stream of a body the HTTP layer buffered), else its bytes read into memory.
     */
    public static InputStream replayable(InputStream body) {
        InputStream replayable;
        try {
            replayable = body.markSupported() ? body : new ByteArrayInputStream(body.readAllBytes());
        } catch (IOException unreadable) {
            throw new MalformedAdmissionReview("request body cannot be read: " + unreadable.getMessage());
        }
        replayable.mark(Integer.MAX_VALUE);
        return replayable;
    }

    /** A {@link #replayable} stream back at its start. */
    public static InputStream rewound(InputStream replayable) {
        try {
            replayable.reset();
        } catch (IOException notReplayable) {
            throw new IllegalStateException("not a replayable stream", notReplayable);
        }
        return replayable;
    }

    /**
     * The review as a tree, its objects bound to {@code type}: slower than {@link #readBound}, keeps the call's
     * {@code object} and {@code oldObject} trees, and says precisely what is wrong with a malformed review. A
     * {@link HasMetadata} object must carry {@code metadata.name}.
     */
    public <T> Bound<T> read(byte[] body, ResourceKind expected, Class<T> type) {
        AdmissionCall call = read(body, expected);
        T before = call.oldObject() == null ? null : convert(call.oldObject(), type, "request.oldObject");
        T after = call.object() == null ? null : convert(call.object(), type, "request.object");
        // the API server names the object before admission (generateName included): a review without one is forged or broken
        if (after instanceof HasMetadata named && (named.getMetadata() == null || named.getMetadata().getName() == null)) {
            throw new MalformedAdmissionReview("request.object.metadata.name is missing");
        }
        return new Bound<>(call, before, after);
    }

    public AdmissionCall read(byte[] body, ResourceKind expected) {
        JsonNode review = parse(body);
        requireText(review, "apiVersion", "");
        if (!API_VERSION.equals(review.get("apiVersion").asText())) {
            throw new MalformedAdmissionReview("apiVersion is '" + review.get("apiVersion").asText()
                    + "'; this webhook accepts " + API_VERSION + " only (set admissionReviewVersions: [v1])");
        }
        requireText(review, "kind", "");
        if (!"AdmissionReview".equals(review.get("kind").asText())) {
            throw new MalformedAdmissionReview("kind is '" + review.get("kind").asText() + "'; expected AdmissionReview");
        }
        JsonNode request = requireObject(review, "request", "");
        String uid = requireText(request, "uid", "request.");
        JsonNode kind = requireObject(request, "kind", "request.");
        ResourceKind actual = new ResourceKind(kind.path("group").asText(""), kind.path("version").asText(""),
                kind.path("kind").asText(""));
        if (!actual.equals(expected)) {
            throw new MalformedAdmissionReview(
                    "request.kind is " + actual + "; this endpoint judges " + expected + " only");
        }
        AdmissionCall.Operation operation = operation(requireText(request, "operation", "request."));
        Requester requester = requester(requireObject(request, "userInfo", "request."));
        JsonNode object = optionalObject(request, "object");
        JsonNode oldObject = optionalObject(request, "oldObject");
        if (object == null && operation != AdmissionCall.Operation.DELETE) {
            throw new MalformedAdmissionReview("request.object is missing; a " + operation + " request must carry it");
        }
        if (oldObject == null && (operation == AdmissionCall.Operation.UPDATE || operation == AdmissionCall.Operation.DELETE)) {
            throw new MalformedAdmissionReview("request.oldObject is missing; a " + operation + " request must carry it");
        }
        JsonNode dryRun = request.get("dryRun");
        if (dryRun != null && !dryRun.isNull() && !dryRun.isBoolean()) {
            throw new MalformedAdmissionReview("request.dryRun must be a boolean");
        }
        return new AdmissionCall(uid, operation, request.path("subResource").asText(""), requester,
                dryRun != null && dryRun.asBoolean(), request.path("namespace").asText(""),
                request.path("name").asText(""), object, oldObject);
    }

    /** Converts {@code request.object} or {@code request.oldObject} to a model class, naming the field at fault. */
    public <T> T convert(JsonNode node, Class<T> type, String path) {
        try {
            return mapper.treeToValue(node, type);
        } catch (JsonMappingException wrongShape) {
            throw new MalformedAdmissionReview(path + jsonPath(wrongShape) + " has a value of the wrong type");
        } catch (JsonProcessingException | IllegalArgumentException unreadable) {
            throw new MalformedAdmissionReview(path + " cannot be read as a " + type.getSimpleName());
        }
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new MalformedAdmissionReview("request body is empty; expected an " + API_VERSION + " AdmissionReview");
        }
        JsonNode review;
        try {
            review = mapper.readTree(body);
        } catch (DatabindException | com.fasterxml.jackson.core.JsonParseException notJson) {
            throw new MalformedAdmissionReview("request body is not valid JSON (line "
                    + notJson.getLocation().getLineNr() + ", column " + notJson.getLocation().getColumnNr() + ")");
        } catch (IOException unreadable) {
            throw new MalformedAdmissionReview("request body cannot be read: " + unreadable.getMessage());
        }
        if (review == null || !review.isObject()) {
            throw new MalformedAdmissionReview("request body is not a JSON object; expected an AdmissionReview");
        }
        return review;
    }

    static AdmissionCall.Operation operation(String value) {
        try {
            return AdmissionCall.Operation.valueOf(value);
        } catch (IllegalArgumentException unknown) {
            throw new MalformedAdmissionReview("request.operation is '" + value
                    + "'; expected one of CREATE, UPDATE, DELETE, CONNECT");
        }
    }

    private static Requester requester(JsonNode userInfo) {
        String username = requireText(userInfo, "username", "request.userInfo.");
        List<String> groups = new ArrayList<>();
        JsonNode groupNodes = userInfo.path("groups");
        if (!groupNodes.isMissingNode() && !groupNodes.isNull()) {
            if (!groupNodes.isArray()) {
                throw new MalformedAdmissionReview("request.userInfo.groups must be a list of strings");
            }
            groupNodes.forEach(g -> groups.add(g.asText()));
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        JsonNode extraNode = userInfo.path("extra");
        if (extraNode.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = extraNode.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> entry = it.next();
                List<String> values = new ArrayList<>();
                entry.getValue().forEach(v -> values.add(v.asText()));
                extra.put(entry.getKey(), values);
            }
        }
        return new Requester(username, userInfo.path("uid").asText(""), groups, extra);
    }

    private static String requireText(JsonNode parent, String field, String prefix) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            throw new MalformedAdmissionReview(prefix + field + " is missing");
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new MalformedAdmissionReview(prefix + field + " must be a non-empty string");
        }
        return value.asText();
    }

    private static JsonNode requireObject(JsonNode parent, String field, String prefix) {
        JsonNode value = optionalObject(parent, field, prefix);
        if (value == null) {
            throw new MalformedAdmissionReview(prefix + field + " is missing");
        }
        return value;
    }

    private static JsonNode optionalObject(JsonNode request, String field) {
        return optionalObject(request, field, "request.");
    }

    private static JsonNode optionalObject(JsonNode parent, String field, String prefix) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw new MalformedAdmissionReview(prefix + field + " must be a JSON object");
        }
        return value;
    }

    private static String jsonPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining());
    }
}
