package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * Microsoft Entra ID's token endpoint as a workload identity meets it, on loopback HTTPS: {@code POST
 * /<tenant>/oauth2/v2.0/token} with a client-credentials grant whose client assertion is the pod's service-account
 * token answers a bearer token for {@code https://storage.azure.com} (the claims Azurite's {@code --oauth basic}
 * checks: audience, an Entra issuer, lifetime; unsigned, as that check reads no signature). Any other request, another
 * tenant, client or assertion is answered 400 {@code invalid_client}, as Entra ID does.
 */
public final class EntraTokenEndpoint implements AutoCloseable {

    /** The object id the tokens name: Azurite derives the user-delegation key from it. */
    public static final String OBJECT_ID = "7d1b6c2e-5a43-4f0e-9d57-0b3c2a1e8f60";

    private final HttpsServer server;
    private final String tenant;
    private final String clientId;
    private final String assertion;
    private final List<Map<String, String>> exchanges = Collections.synchronizedList(new ArrayList<>());

    /** Accepts {@code assertion} (the token file's content) from {@code clientId} of {@code tenant}. */
    public EntraTokenEndpoint(TestCertificates authority, TestCertificates.Issued tls, String tenant, String clientId,
            String assertion) {
        this.tenant = tenant;
        this.clientId = clientId;
        this.assertion = assertion;
        try {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(authority.serverContext(tls)));
        server.createContext("/", this::answer);
        server.start();
    }

    /** {@code https://127.0.0.1:<port>/}, what the webhook would put in AZURE_AUTHORITY_HOST. */
    public String authorityHost() {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** The form of every token request answered with a token, in order. */
    public List<Map<String, String>> exchanges() {
        synchronized (exchanges) {
            return List.copyOf(exchanges);
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String path = exchange.getRequestURI().getPath();
            List<String> wrong = new ArrayList<>();
            check(wrong, "method", "POST", exchange.getRequestMethod());
            check(wrong, "path", "/" + tenant + "/oauth2/v2.0/token", path);
            check(wrong, "grant_type", "client_credentials", form.get("grant_type"));
            check(wrong, "client_id", clientId, form.get("client_id"));
            check(wrong, "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    form.get("client_assertion_type"));
            check(wrong, "client_assertion", assertion, form.get("client_assertion"));
            // MSAL adds the OpenID scopes to every request; the resource is what counts
            String scope = form.getOrDefault("scope", "");
            check(wrong, "scope", "https://storage.azure.com/.default", List.of(scope.split(" ")).stream()
                    .filter(s -> s.startsWith("https://")).reduce((a, b) -> a + " " + b).orElse(scope));
            boolean valid = wrong.isEmpty();
            String body;
            if (valid) {
                exchanges.add(form);
                body = "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\""
                        + accessToken() + "\"}";
            } else {
                body = "{\"error\":\"invalid_client\",\"error_description\":\"unexpected " + String.join(", ", wrong)
                        .replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(valid ? 200 : 400, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private static void check(List<String> wrong, String what, String expected, String actual) {
        if (!expected.equals(actual)) {
            wrong.add(what + " " + actual);
        }
    }

    private String accessToken() {
        long now = Instant.now().getEpochSecond();
        String claims = "{\"aud\":\"https://storage.azure.com\",\"iss\":\"https://sts.windows.net/" + tenant + "/\","
                + "\"iat\":" + (now - 60) + ",\"nbf\":" + (now - 60) + ",\"exp\":" + (now + 3600) + ","
                + "\"oid\":\"" + OBJECT_ID + "\",\"tid\":\"" + tenant + "\",\"appid\":\"" + clientId + "\","
                + "\"sub\":\"" + OBJECT_ID + "\",\"ver\":\"1.0\"}";
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return base64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString("unsigned".getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
