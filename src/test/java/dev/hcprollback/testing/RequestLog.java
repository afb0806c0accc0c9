package dev.hcprollback.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * The requests one client sent (method, path, body), recorded on the client side, so that a test can
 * count the writes the rollback made (a Job created, a patch of the HostedCluster) and show that none
 * happened twice. Only the client handed to the code under test records; the simulator's own writes
 * go through another client and are not counted.
 */
public class RequestLog {

    /** {@code dryRun}: a server-side dry run ({@code ?dryRun=All}), which changes nothing. */
    public record Request(String method, String path, String body, boolean dryRun) {
    }

    private final List<Request> requests = new ArrayList<>();

    /** A client of {@code server} whose requests this log records. */
    public KubernetesClient recordingClient(KubernetesMockServer server) {
        Interceptor recorder = new Interceptor() {
            @Override
            public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                synchronized (requests) {
                    String query = request.uri().getQuery();
                    requests.add(new Request(request.method(), request.uri().getPath(),
                            request.bodyString() == null ? "" : request.bodyString(), query != null && query.contains("dryRun=")));
                }
            }
        };
        return server.createClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("record", recorder)));
    }

    public void clear() {
        synchronized (requests) {
            requests.clear();
        }
    }

    /** The writes (dry runs left out) of {@code method} to a matching path with a matching body. */
    public long count(String method, Predicate<String> path, Predicate<String> body) {
        synchronized (requests) {
            return requests.stream().filter(r -> !r.dryRun() && r.method().equals(method) && path.test(r.path())
                    && body.test(r.body())).count();
        }
    }

    /** The server-side dry runs of {@code method} to a matching path. */
    public long countDryRuns(String method, Predicate<String> path) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.dryRun() && r.method().equals(method) && path.test(r.path())).count();
        }
    }

    public List<Request> all() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }
}
