package dev.hcprollback.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.registry.ReleaseLookupException.Reason;

/**
 * The reads of one lookup against one repository of a registry's v2 API, under one deadline: each
 * request gets the time left. Authenticates as registries ask: HTTP Basic, or the token flow (a 401
 * with {@code WWW-Authenticate: Bearer realm=...,service=...,scope=...}, then the realm asked with the
 * credentials for a pull token). Redirects (blob storage, CDNs) are followed without the credentials.
 *
 * <p>
 * Kept instead of jib-core's {@code RegistryClient} (measured with jib-core 0.27.3 against the test registry of
 * {@code ReleaseImageLookupTest}): its transport, {@code FailoverHttpClient}, trusts only the JVM's default
 * certificates (no {@code hcp-rollback.registry.ca-file}), retries every I/O failure 10 times with exponential
 * back-off (a refused port failed after 46.6 s, an untrusted certificate after 74.8 s, a port that never answers
 * after 80.6 s with {@code jib.httpTimeout=3000}; our default deadline is 3 s), takes its idle timeout only from the
 * JVM-wide system property {@code jib.httpTimeout} and has no overall deadline. Its token flow
 * ({@code RegistryAuthenticator}, with its {@code WWW-Authenticate} parsing) runs only over that transport.
 */
final class RegistrySession {

    private static final Pattern CHALLENGE_PARAM = Pattern.compile("([A-Za-z]+)=\"([^\"]*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient http;
    private final String registry;
    private final String repository;
    private final Optional<PullSecret.Credentials> credentials;
    private final String credentialSource;
    private final Instant deadline;
    private final Duration timeout;
    private String authorization;

    RegistrySession(HttpClient http, String registry, String repository, Optional<PullSecret.Credentials> credentials,
            String credentialSource, Duration timeout) {
        this.http = http;
        this.registry = registry;
        this.repository = repository;
        this.credentials = credentials;
        this.credentialSource = credentialSource;
        this.timeout = timeout;
        this.deadline = Instant.now().plus(timeout);
    }

    /** {@code GET /v2/<repository>/<kind>/<reference>}; 404 is {@link Reason#NOT_FOUND}, 401/403 {@link Reason#UNAUTHORISED}. */
    HttpResponse<byte[]> get(String kind, String reference, List<String> accept) {
        URI uri = URI.create("https://" + apiHost() + "/v2/" + repository + "/" + kind + "/" + reference);
        HttpResponse<byte[]> response = send(uri, accept, authorization);
        if (response.statusCode() == 401) {
            authorization = authorise(response);
            response = send(uri, accept, authorization);
        }
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            throw new ReleaseLookupException(Reason.UNAUTHORISED, "registry " + registry + " refused "
                    + credentials.map(c -> "the credentials for " + registry + " in " + credentialSource)
                            .orElse("anonymous access (" + credentialSource + " has no credentials for " + registry + ")")
                    + " to " + repository + " (HTTP " + status + ")");
        }
        if (status == 404) {
            throw new ReleaseLookupException(Reason.NOT_FOUND, "registry " + registry + " has no " + kind.replaceAll("s$", "")
                    + " " + repository + (reference.startsWith("sha256:") ? "@" : ":") + reference + " (HTTP 404)");
        }
        if (status != 200) {
            throw new ReleaseLookupException(Reason.UNREADABLE, "registry " + registry + " answered HTTP " + status
                    + " to GET " + uri.getPath());
        }
        return response;
    }

    private String authorise(HttpResponse<byte[]> challenged) {
        String challenge = challenged.headers().firstValue("WWW-Authenticate").orElse("");
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            return credentials.map(PullSecret.Credentials::basic).orElse(null);
        }
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
            throw new ReleaseLookupException(Reason.UNAUTHORISED, "registry " + registry
                    + " asks for an authentication scheme this sidecar does not speak: '" + challenge + "'");
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher matcher = CHALLENGE_PARAM.matcher(challenge);
        while (matcher.find()) {
            params.put(matcher.group(1).toLowerCase(java.util.Locale.ROOT), matcher.group(2));
        }
        String realm = params.get("realm");
        if (realm == null) {
            throw new ReleaseLookupException(Reason.UNAUTHORISED, "registry " + registry
                    + " asks for a Bearer token but names no realm: '" + challenge + "'");
        }
        StringBuilder query = new StringBuilder();
        if (params.containsKey("service")) {
            query.append("service=").append(encode(params.get("service")));
        }
        query.append(query.length() > 0 ? "&" : "").append("scope=")
                .append(encode(params.getOrDefault("scope", "repository:" + repository + ":pull")));
        URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpResponse<byte[]> answer = send(tokenUri, List.of("application/json"),
                credentials.map(PullSecret.Credentials::basic).orElse(null));
        if (answer.statusCode() == 401 || answer.statusCode() == 403) {
            throw new ReleaseLookupException(Reason.UNAUTHORISED, "the token service of registry " + registry + " ("
                    + tokenUri.getHost() + ") refused " + credentials.map(c -> "the credentials for " + registry + " in "
                            + credentialSource).orElse("anonymous access") + " (HTTP " + answer.statusCode() + ")");
        }
        if (answer.statusCode() != 200) {
            throw new ReleaseLookupException(Reason.UNREADABLE, "the token service of registry " + registry
                    + " answered HTTP " + answer.statusCode());
        }
        try {
            JsonNode token = JSON.readTree(answer.body());
            String value = token.hasNonNull("token") ? token.get("token").asText() : token.path("access_token").asText("");
            if (value.isEmpty()) {
                throw new ReleaseLookupException(Reason.UNREADABLE, "the token service of registry " + registry
                        + " returned no token");
            }
            return "Bearer " + value;
        } catch (IOException notJson) {
            throw new ReleaseLookupException(Reason.UNREADABLE, "the token service of registry " + registry
                    + " returned no JSON", notJson);
        }
    }

    private HttpResponse<byte[]> send(URI uri, List<String> accept, String auth) {
        URI target = uri;
        String header = auth;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(target).GET().timeout(timeLeft());
            if (!accept.isEmpty()) {
                request.header("Accept", String.join(", ", accept));
            }
            if (header != null) {
                request.header("Authorization", header);
            }
            HttpResponse<byte[]> response;
            // the request's own timeout covers the headers only: the lookup's deadline bounds the body as well, so
            // that a registry whose body stalls cannot hold an admission request past the webhook's timeout
            CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            try {
                response = answer.get(timeLeft().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException slow) {
                answer.cancel(true);
                throw unreachable("did not answer within " + timeout.toMillis() + "ms", slow);
            } catch (ExecutionException failed) {
                Throwable cause = failed.getCause();
                if (cause instanceof HttpTimeoutException) {
                    throw unreachable("did not answer within " + timeout.toMillis() + "ms", cause);
                }
                throw unreachable("could not be reached (" + cause + ")", cause);
            } catch (InterruptedException interrupted) {
                answer.cancel(true);
                Thread.currentThread().interrupt();
                throw unreachable("lookup interrupted", interrupted);
            }
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if (status < 300 || status >= 400 || status == 304 || location.isEmpty()) {
                return response;
            }
            // blob storage signs its own URLs: the registry's credentials must not follow
            target = target.resolve(location.get());
            header = null;
        }
        throw new ReleaseLookupException(Reason.UNREADABLE, "registry " + registry + " redirected more than "
                + MAX_REDIRECTS + " times for " + uri.getPath());
    }

    private Duration timeLeft() {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw unreachable("did not answer within " + timeout.toMillis() + "ms", null);
        }
        return left;
    }

    private ReleaseLookupException unreachable(String what, Throwable cause) {
        return new ReleaseLookupException(Reason.UNREACHABLE, "registry " + registry + " " + what
                + " while looking up " + repository, cause);
    }

    /** Docker Hub's API is not served on the name images use. */
    private String apiHost() {
        return "docker.io".equals(registry) ? "registry-1.docker.io" : registry;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
