package dev.hcprollback.webhook.review;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.webhook.review.AdmissionReviewReader.Bound;
import dev.hcprollback.webhook.review.AdmissionReviewReader.ResourceKind;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One streaming pass over an AdmissionReview ({@link AdmissionReviewReader#readBound}): the header fields of
 * {@code request} as {@link AdmissionReviewReader#read} reads them, {@code object} and {@code oldObject}
 * bound to the model as they stream past, every other field skipped. It only recognises a well-formed
 * review: on anything else (a missing or mistyped field, a wrong kind) it answers null, and the caller
 * reads the review as a tree to say what is wrong.
 */
final class StreamedReview<T> {

    private final ObjectMapper mapper;
    private final ResourceKind expected;
    private final Class<T> type;

    private String apiVersion;
    private String kind;
    private boolean hasRequest;
    private String uid;
    private String group;
    private String version;
    private String resourceKind;
    private String operation;
    private String subResource = "";
    private String namespace = "";
    private String name = "";
    private boolean dryRun;
    private String username;
    private String userUid = "";
    private final List<String> groups = new ArrayList<>();
    private final Map<String, List<String>> extra = new LinkedHashMap<>();
    private T object;
    private T oldObject;

    StreamedReview(ObjectMapper mapper, ResourceKind expected, Class<T> type) {
        this.mapper = mapper;
        this.expected = expected;
        this.type = type;
    }

    /** The bound review, or null when the body is not a well-formed review of the expected kind. */
    Bound<T> read(InputStream body) throws IOException {
        RepeatedStrings.startReview();
        try (JsonParser parser = mapper.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT || !review(parser) || parser.nextToken() != null) {
                return null;
            }
        }
        if (!AdmissionReviewReader.API_VERSION.equals(apiVersion) || !"AdmissionReview".equals(kind) || !hasRequest
                || blank(uid) || blank(operation) || blank(username)
                || !new ResourceKind(group, version, resourceKind).equals(expected)) {
            return null;
        }
        AdmissionCall.Operation op = AdmissionCall.Operation.valueOf(operation); // a misspelt one: tree reading says so
        if ((object == null && op != AdmissionCall.Operation.DELETE) || (oldObject == null
                && (op == AdmissionCall.Operation.UPDATE || op == AdmissionCall.Operation.DELETE))) {
            return null;
        }
        if (object instanceof HasMetadata named && (named.getMetadata() == null || named.getMetadata().getName() == null)) {
            return null;
        }
        AdmissionCall call = new AdmissionCall(uid, op, subResource, new Requester(username, userUid, groups, extra), dryRun,
                namespace, name, null, null);
        return new Bound<>(call, oldObject, object);
    }

    private boolean review(JsonParser parser) throws IOException {
        String field;
        while ((field = parser.nextFieldName()) != null) {
            JsonToken token = parser.nextToken();
            switch (field) {
                case "apiVersion" -> apiVersion = text(parser, token);
                case "kind" -> kind = text(parser, token);
                case "request" -> {
                    if (token != JsonToken.START_OBJECT || !request(parser)) {
                        return false;
                    }
                    hasRequest = true;
                }
                default -> parser.skipChildren();
            }
        }
        return parser.currentToken() == JsonToken.END_OBJECT;
    }

    private boolean request(JsonParser parser) throws IOException {
        String field;
        while ((field = parser.nextFieldName()) != null) {
            JsonToken token = parser.nextToken();
            switch (field) {
                case "uid" -> uid = text(parser, token);
                case "operation" -> operation = text(parser, token);
                case "subResource" -> subResource = optionalText(parser, token);
                case "namespace" -> namespace = optionalText(parser, token);
                case "name" -> name = optionalText(parser, token);
                case "dryRun" -> {
                    if (token != JsonToken.VALUE_NULL && !token.isBoolean()) {
                        return false;
                    }
                    dryRun = token == JsonToken.VALUE_TRUE;
                }
                case "kind" -> {
                    if (token != JsonToken.START_OBJECT || !kind(parser)) {
                        return false;
                    }
                }
                case "userInfo" -> {
                    if (token != JsonToken.START_OBJECT || !userInfo(parser)) {
                        return false;
                    }
                }
                case "object" -> object = bind(parser, token);
                case "oldObject" -> oldObject = bind(parser, token);
                default -> parser.skipChildren();
            }
        }
        return true;
    }

    private boolean kind(JsonParser parser) throws IOException {
        String field;
        while ((field = parser.nextFieldName()) != null) {
            JsonToken token = parser.nextToken();
            switch (field) {
                case "group" -> group = optionalText(parser, token);
                case "version" -> version = optionalText(parser, token);
                case "kind" -> resourceKind = optionalText(parser, token);
                default -> parser.skipChildren();
            }
        }
        group = group == null ? "" : group;
        version = version == null ? "" : version;
        resourceKind = resourceKind == null ? "" : resourceKind;
        return true;
    }

    private boolean userInfo(JsonParser parser) throws IOException {
        String field;
        while ((field = parser.nextFieldName()) != null) {
            JsonToken token = parser.nextToken();
            switch (field) {
                case "username" -> username = text(parser, token);
                case "uid" -> userUid = optionalText(parser, token);
                case "groups" -> {
                    groups.clear();
                    if (token != JsonToken.VALUE_NULL && !strings(parser, token, groups)) {
                        return false;
                    }
                }
                case "extra" -> {
                    extra.clear();
                    if (token == JsonToken.START_OBJECT) {
                        String key;
                        while ((key = parser.nextFieldName()) != null) {
                            List<String> values = new ArrayList<>();
                            if (!strings(parser, parser.nextToken(), values)) {
                                return false;
                            }
                            extra.put(key, values);
                        }
                    } else {
                        parser.skipChildren(); // the tree reading ignores an extra that is not an object, too
                    }
                }
                default -> parser.skipChildren();
            }
        }
        return true;
    }

    /** An array of strings into {@code into}; false for anything else (the tree reading then decides). */
    private static boolean strings(JsonParser parser, JsonToken token, List<String> into) throws IOException {
        if (token != JsonToken.START_ARRAY) {
            return false;
        }
        JsonToken element;
        while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (element != JsonToken.VALUE_STRING) {
                return false;
            }
            into.add(parser.getText());
        }
        return true;
    }

    private T bind(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("not an object"); // the tree reading names the field
        }
        return mapper.readValue(parser, type);
    }

    /** A string value; null for anything else, which the checks in {@link #read} then refuse. */
    private static String text(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        parser.skipChildren();
        return null;
    }

    /** A string, or "" for null, as the tree reading's {@code path(field).asText("")}; other types are refused. */
    private static String optionalText(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NULL) {
            return "";
        }
        if (token != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("not a string");
        }
        return parser.getText();
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
