package dev.hcprollback.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * The token service of a registry that uses the Docker token flow (as quay.io does): HTTPS on
 * loopback, HTTP Basic with one user, and JWT pull/push tokens for the requested scope, signed RS256
 * with a certificate (sent as {@code x5c}) that the registry trusts through its {@code rootcertbundle}.
 */
final class TokenService implements AutoCloseable {

    static final String SERVICE = "hcp-rollback-test-registry";
    static final String ISSUER = "hcp-rollback-test-token-service";

    private final HttpsServer server;
    private final TestCertificates signingAuthority;
    private final TestCertificates.Issued signer;
    private final String user;
    private final String password;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    private TokenService(Path dir, TestCertificates tlsAuthority, TestCertificates.Issued tls, String user, String password) {
        this.signingAuthority = TestCertificates.newRsaAuthority(dir, "token-signing-ca");
        this.signer = signingAuthority.issue(dir, "token-signer", Duration.ofDays(1));
        this.user = user;
        this.password = password;
        try {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(tlsAuthority.serverContext(tls)));
            server.createContext("/token", this::token);
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TokenService start(Path dir, TestCertificates tlsAuthority, TestCertificates.Issued tls, String user,
            String password) {
        return new TokenService(dir, tlsAuthority, tls, user, password);
    }

    String realm() {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    Path signingCaFile() {
        return signingAuthority.caFile();
    }

    List<String> requests() {
        return List.copyOf(requests);
    }

    private void token(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String presented = authorization != null && authorization.startsWith("Basic ")
                ? new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8)
                : null;
        requests.add(URLDecoder.decode(query == null ? "" : query, StandardCharsets.UTF_8) + " user="
                + (presented == null ? "(anonymous)" : presented.substring(0, presented.indexOf(':'))));
        if (!(user + ":" + password).equals(presented)) {
            reply(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
            return;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : (query == null ? "" : query).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        String token = jwt(params.getOrDefault("scope", ""));
        reply(exchange, 200, "{\"token\":\"" + token + "\",\"access_token\":\"" + token + "\",\"expires_in\":300}");
    }

    /** {@code repository:<name>:pull,push} → an access claim for exactly that. */
    private String jwt(String scope) {
        ObjectNode header = HostedClusters.JSON.createObjectNode();
        header.put("typ", "JWT").put("alg", "RS256");
        try {
            header.putArray("x5c").add(Base64.getEncoder().encodeToString(signer.certificate().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        long now = Instant.now().getEpochSecond();
        ObjectNode claims = HostedClusters.JSON.createObjectNode();
        claims.put("iss", ISSUER).put("sub", user).put("aud", SERVICE).put("iat", now).put("nbf", now - 60)
                .put("exp", now + 300).put("jti", UUID.randomUUID().toString());
        String[] parts = scope.split(":");
        if (parts.length == 3) {
            ObjectNode access = claims.putArray("access").addObject();
            access.put("type", parts[0]).put("name", parts[1]);
            for (String action : parts[2].split(",")) {
                access.withArray("actions").add(action);
            }
        }
        String signed = base64Url(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + base64Url(claims.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(signer.keys().getPrivate());
            rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
            return signed + "." + base64Url(rs256.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
