package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * One request to a {@link KubeApiServer} as kubectl sends it, answered as kubectl shows it: the HTTP status, the
 * {@code Status} message of a refusal and the API server's warnings (an admission webhook's included). Plain HTTP
 * with a bearer token and nothing in between: no client library that retries, caches, or adds a resourceVersion.
 * Edits are merge patches without a resourceVersion, as {@code kubectl label}, {@code annotate} and
 * {@code patch --type merge} send them; {@code dryRun()} is {@code --dry-run=server}.
 */
public record ApiRequest(String method, String path, String contentType, String body, String what) {

    /** What the API server answered. {@code message} is the Status message of a failure, empty on success. */
    public record Answer(int status, String message, List<String> warnings, JsonNode body) {

        public boolean succeeded() {
            return status / 100 == 2;
        }

        @Override
        public String toString() {
            return status + (message.isEmpty() ? "" : " " + message) + (warnings.isEmpty() ? "" : " warnings " + warnings);
        }
    }

    private static final Map<String, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    /** {@code POST} to a collection: CREATE. */
    public static ApiRequest create(String collection, JsonNode object) {
        return new ApiRequest("POST", collection, "application/json", object.toString(), "create");
    }

    /** {@code PATCH} with a JSON merge patch: UPDATE, as kubectl label/annotate/patch --type merge. */
    public static ApiRequest mergePatch(String object, JsonNode patch) {
        return new ApiRequest("PATCH", object, "application/merge-patch+json", patch.toString(), "merge patch");
    }

    /** {@code PATCH} with a strategic merge patch: UPDATE, as kubectl patch without --type and kubectl set image. */
    public static ApiRequest strategicMergePatch(String object, JsonNode patch) {
        return new ApiRequest("PATCH", object, "application/strategic-merge-patch+json", patch.toString(),
                "strategic merge patch");
    }

    /** Server-side apply as {@code kubectl apply --server-side --force-conflicts}: CREATE or UPDATE. */
    public static ApiRequest apply(String object, JsonNode intent) {
        return new ApiRequest("PATCH", object + "?fieldManager=kubectl&force=true", "application/apply-patch+yaml",
                intent.toString(), "server-side apply");
    }

    /** {@code PUT} of a whole object, its resourceVersion included: UPDATE, as kubectl replace and edit. */
    public static ApiRequest replace(String object, JsonNode whole) {
        return new ApiRequest("PUT", object, "application/json", whole.toString(), "replace");
    }

    public static ApiRequest delete(String object) {
        return new ApiRequest("DELETE", object, null, null, "delete");
    }

    public static ApiRequest get(String object) {
        return new ApiRequest("GET", object, null, null, "get");
    }

    /** The same request with {@code dryRun=All}: judged by every admission step, persisted nowhere. */
    public ApiRequest dryRun() {
        return new ApiRequest(method, path + (path.contains("?") ? "&" : "?") + "dryRun=All", contentType, body,
                what + " (dry run)");
    }

    /** Sends the request with {@code token} as its bearer token. */
    public Answer send(KubeApiServer server, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> response;
        try {
            response = client(server).send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        JsonNode json = parse(response.body());
        String message = response.statusCode() / 100 == 2 ? "" : json.path("message").asText(response.body());
        List<String> warnings = response.headers().allValues("Warning").stream().map(ApiRequest::warningText).toList();
        return new Answer(response.statusCode(), message, warnings, json);
    }

    /** {@code 299 - "text"}, as the API server writes a warning: the text, as kubectl prints it after "Warning: ". */
    private static String warningText(String header) {
        String text = header.replaceFirst("^299 - ", "");
        return text.startsWith("\"") && text.endsWith("\"") ? text.substring(1, text.length() - 1).replace("\\\"", "\"")
                : text;
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? MissingNode.getInstance() : HostedClusters.JSON.readTree(body);
        } catch (IOException notJson) {
            return MissingNode.getInstance();
        }
    }

    /** One HTTP client per server, trusting only that server's CA. */
    private static HttpClient client(KubeApiServer server) {
        return CLIENTS.computeIfAbsent(server.url(), url -> HttpClient.newBuilder().sslContext(server.trustContext())
                .connectTimeout(Duration.ofSeconds(10)).build());
    }
}
