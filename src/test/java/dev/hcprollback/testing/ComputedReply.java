package dev.hcprollback.testing;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;

import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;

/**
 * A mock-server answer decided per request (status and body together), for what the mock API server
 * lacks: an admission chain answering a dry run, an authorizer. The decision is made once per request
 * and serves both the status and the body.
 */
public final class ComputedReply implements ResponseProvider<Object> {

    /** {@code status} an HTTP status; {@code body} the object serialized as the response. */
    public record Reply(int status, Object body) {
    }

    private final Function<RecordedRequest, Reply> decide;
    private final Map<RecordedRequest, Reply> decided = new WeakHashMap<>();
    private Headers headers = Headers.builder().build();

    public ComputedReply(Function<RecordedRequest, Reply> decide) {
        this.decide = decide;
    }

    private synchronized Reply reply(RecordedRequest request) {
        return decided.computeIfAbsent(request, decide);
    }

    @Override
    public int getStatusCode(RecordedRequest request) {
        return reply(request).status();
    }

    @Override
    public Object getBody(RecordedRequest request) {
        return reply(request).body();
    }

    @Override
    public Headers getHeaders() {
        return headers;
    }

    @Override
    public void setHeaders(Headers headers) {
        this.headers = headers;
    }
}
