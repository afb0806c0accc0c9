package dev.hcprollback.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who sends a request to a {@link KubeApiServer}: the users of {@link TestUser}, by their tokens, and the sidecar's
 * service account, by a token the server issued ({@link Install#sidecarToken}), as the sidecar's own pod would.
 */
public enum Caller {

    CUSTOMER(TestUser.CUSTOMER),
    SRE(TestUser.SRE),
    ADMIN(TestUser.ADMIN),
    HYPERSHIFT(TestUser.HYPERSHIFT_OPERATOR),
    VELERO(TestUser.VELERO),
    SIDECAR(null);

    private static final Map<String, String> SIDECAR_TOKENS = new ConcurrentHashMap<>();

    private final TestUser user;

    Caller(TestUser user) {
        this.user = user;
    }

    /** The user name the API server and the webhook see. */
    public String username() {
        return user == null ? "system:serviceaccount:" + Install.NAMESPACE + ":" + Install.SERVICE_ACCOUNT : user.username;
    }

    /** A bearer token of this caller on {@code server}; the sidecar's is issued once per server (valid an hour). */
    public String token(KubeApiServer server) {
        return user == null ? SIDECAR_TOKENS.computeIfAbsent(server.url(), url -> Install.sidecarToken(server))
                : server.token(user);
    }

    /** Sends {@code request} as this caller. */
    public ApiRequest.Answer send(KubeApiServer server, ApiRequest request) {
        return request.send(server, token(server));
    }

    @Override
    public String toString() {
        return username();
    }
}
