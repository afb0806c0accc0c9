package dev.hcprollback.testing;

import java.nio.charset.StandardCharsets;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The fabric8 mock API server answers 415 to server-side apply, which the packaged sidecar's operator
 * uses (quarkus-operator-sdk's {@code enable-ssa} is fixed at build time). This dispatcher hands such a
 * PATCH to the CRUD server as a JSON merge patch of the same object: for the status and finalizer writes
 * the operator applies to objects that exist, the result is the same (no field ownership, no create on
 * apply: the mock cannot show those). Everything else passes through unchanged.
 */
final class ServerSideApplyAsMergePatch extends Dispatcher {

    private static final String APPLY = "application/apply-patch";
    private static final String MERGE = "application/merge-patch+json";

    private final Dispatcher delegate;

    ServerSideApplyAsMergePatch(Dispatcher delegate) {
        this.delegate = delegate;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String type = request.getHeader("Content-Type");
        if (request.method() == HttpMethod.PATCH && type != null && type.startsWith(APPLY)) {
            // the body is YAML by its media type; fabric8 writes JSON, which YAML reads too
            Object object = Serialization.unmarshal(request.getUtf8Body());
            byte[] json = Serialization.asJson(object).getBytes(StandardCharsets.UTF_8);
            request = new RecordedRequest(request.getHttpVersion(), HttpMethod.PATCH, request.getPath(),
                    request.getHeaders().newBuilder().set("Content-Type", MERGE).build(), new Buffer(json));
        }
        return delegate.dispatch(request);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }
}
