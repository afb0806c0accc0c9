package dev.hcprollback.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Secret;

/**
 * The registry credentials of a {@code kubernetes.io/dockerconfigjson} Secret: key {@code .dockerconfigjson},
 * {@code {"auths": {"<registry host>": {"auth": base64("user:password")}}}} (or {@code username}/{@code password}).
 * Registry keys are matched by host and port, whatever scheme or path they were written with.
 *
 * <p>
 * Kept instead of jib-core's {@code DockerConfigCredentialRetriever} (observed with 0.27.3): it reads a file only, so
 * the Secret's credentials would have to be written to disk; it runs the {@code docker-credential-<name>} program
 * that a config's {@code credHelpers}/{@code credsStore} names (a Secret with {@code "credHelpers": {"127.0.0.1:5000":
 * "probe"}} made it try to run {@code docker-credential-probe}), and a pull secret is the tenant's data; and a
 * malformed {@code auth} fails with {@code StringIndexOutOfBoundsException} or {@code IllegalArgumentException}
 * instead of a {@link ReleaseLookupException.Reason#PULL_SECRET} that names the Secret.
 */
final class PullSecret {

    static final String TYPE = "kubernetes.io/dockerconfigjson";
    static final String KEY = ".dockerconfigjson";

    /** A user name and password for HTTP Basic, and for asking a token endpoint. */
    record Credentials(String username, String password) {
        String basic() {
            return "Basic " + Base64.getEncoder()
                    .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Credentials[" + username + "]";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final JsonNode auths;

    private PullSecret(String source, JsonNode auths) {
        this.source = source;
        this.auths = auths;
    }

    static PullSecret none() {
        return new PullSecret("no pull secret", JSON.createObjectNode());
    }

    /** Reads the Secret; a missing key, a wrong type or bad JSON is a {@link ReleaseLookupException.Reason#PULL_SECRET}. */
    static PullSecret of(Secret secret) {
        String name = "pull secret " + secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
        if (secret.getType() != null && !TYPE.equals(secret.getType())) {
            throw new ReleaseLookupException(ReleaseLookupException.Reason.PULL_SECRET,
                    name + " has type " + secret.getType() + "; expected " + TYPE);
        }
        String encoded = secret.getData() == null ? null : secret.getData().get(KEY);
        if (encoded == null) {
            throw new ReleaseLookupException(ReleaseLookupException.Reason.PULL_SECRET, name + " has no key " + KEY);
        }
        try {
            JsonNode config = JSON.readTree(Base64.getDecoder().decode(encoded));
            JsonNode auths = config == null ? null : config.get("auths");
            if (auths == null || !auths.isObject()) {
                throw new ReleaseLookupException(ReleaseLookupException.Reason.PULL_SECRET,
                        name + ": " + KEY + " has no \"auths\" object");
            }
            return new PullSecret(name, auths);
        } catch (IOException | IllegalArgumentException unreadable) {
            throw new ReleaseLookupException(ReleaseLookupException.Reason.PULL_SECRET,
                    name + ": " + KEY + " is not base64-encoded JSON", unreadable);
        }
    }

    /** Where the credentials came from, for messages. */
    String source() {
        return source;
    }

    /** The credentials for a registry host ({@code quay.io}, {@code 127.0.0.1:5000}); empty for anonymous access. */
    Optional<Credentials> forRegistry(String host) {
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (hostOf(entry.getKey()).equalsIgnoreCase(canonicalHost(host))) {
                return credentials(entry.getValue());
            }
        }
        return Optional.empty();
    }

    private Optional<Credentials> credentials(JsonNode entry) {
        if (entry.hasNonNull("auth")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(entry.get("auth").asText()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException notBase64) {
                throw new ReleaseLookupException(ReleaseLookupException.Reason.PULL_SECRET,
                        source + ": an \"auth\" value is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new ReleaseLookupException(ReleaseLookupException.Reason.PULL_SECRET,
                        source + ": an \"auth\" value is not base64 of user:password");
            }
            return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
        if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
            return Optional.of(new Credentials(entry.get("username").asText(), entry.get("password").asText()));
        }
        return Optional.empty();
    }

    /** {@code https://index.docker.io/v1/} → {@code docker.io}; {@code quay.io} → {@code quay.io}. */
    private static String hostOf(String key) {
        String host = key.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
        int slash = host.indexOf('/');
        return canonicalHost(slash < 0 ? host : host.substring(0, slash));
    }

    private static String canonicalHost(String host) {
        return switch (host.toLowerCase(java.util.Locale.ROOT)) {
            case "index.docker.io", "registry-1.docker.io" -> "docker.io";
            default -> host.toLowerCase(java.util.Locale.ROOT);
        };
    }
}
