package dev.hcprollback.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.JsonNode;

import dev.hcprollback.testing.HostedClusters;

/**
 * The customer's client of the outage benchmark: every {@link #PERIOD} it creates a ConfigMap through the Kubernetes
 * API server and reads it back, and records each attempt with its time, the object's resource version (etcd's
 * revision of the write) and the failure, if any. Plain {@code java.net.http} with short time-outs and no retries, so
 * that every refused or late request is seen. A tick that comes due while the previous one still runs is skipped,
 * not queued.
 */
final class OutageClient implements AutoCloseable {

    static final Duration PERIOD = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /**
     * One attempt: started {@code atSeconds} after the benchmark's origin, taking {@code millis}; {@code written} when
     * the create was acknowledged (with {@code resourceVersion}), {@code ok} when the read-back also succeeded.
     */
    record Tick(double atSeconds, int seq, String name, boolean written, long resourceVersion, boolean ok, double millis,
            String failure) {
    }

    private final HttpClient http;
    private final String base;
    private final String token;
    private final String prefix;
    private final long origin;
    private final List<Tick> ticks = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;

    /** Starts writing into {@code namespace} (which exists) at {@code apiUrl}; names are {@code <prefix>-<seq>}. */
    OutageClient(String apiUrl, SSLContext trust, String token, String namespace, String prefix, long originNanos) {
        this.http = HttpClient.newBuilder().sslContext(trust).connectTimeout(TIMEOUT).build();
        this.base = apiUrl + "/api/v1/namespaces/" + namespace + "/configmaps";
        this.token = token;
        this.prefix = prefix;
        this.origin = originNanos;
        this.thread = new Thread(this::loop, "outage-client-" + prefix);
        thread.setDaemon(true);
        thread.start();
    }

    /** Creates a namespace through the API server (409, already there, is fine). */
    static void createNamespace(String apiUrl, SSLContext trust, String token, String namespace) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(trust).connectTimeout(TIMEOUT).build();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(apiUrl + "/api/v1/namespaces"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\""
                        + namespace + "\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 201 && answer.statusCode() != 409) {
            throw new IllegalStateException("cannot create namespace " + namespace + ": " + answer.statusCode() + " " + answer.body());
        }
    }

    private void loop() {
        long period = PERIOD.toNanos();
        long next = System.nanoTime();
        int seq = 0;
        while (!stopped) {
            long now = System.nanoTime();
            if (now < next) {
                dev.hcprollback.testing.TestTools.sleep(Math.max(1, (next - now) / 1_000_000));
                continue;
            }
            Tick tick = attempt(++seq, now);
            synchronized (ticks) {
                ticks.add(tick);
            }
            next += period;
            long after = System.nanoTime();
            if (after > next) {
                next += ((after - next) / period + 1) * period; // skip the ticks that came due meanwhile
            }
        }
    }

    private Tick attempt(int seq, long start) {
        String name = String.format(Locale.ROOT, "%s-%06d", prefix, seq);
        double at = (start - origin) / 1e9;
        boolean written = false;
        long resourceVersion = -1;
        try {
            String body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
                    + "\",\"labels\":{\"outage-round\":\"" + prefix + "\"}},\"data\":{\"seq\":\"" + seq + "\"}}";
            HttpResponse<String> created = http.send(request(base).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (created.statusCode() != 201) {
                return new Tick(at, seq, name, false, -1, false, millisSince(start), "create " + created.statusCode() + " "
                        + shorten(created.body()));
            }
            written = true;
            resourceVersion = Long.parseLong(HostedClusters.JSON.readTree(created.body()).path("metadata")
                    .path("resourceVersion").asText());
            HttpResponse<String> read = http.send(request(base + "/" + name).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (read.statusCode() != 200) {
                return new Tick(at, seq, name, true, resourceVersion, false, millisSince(start), "read " + read.statusCode()
                        + " " + shorten(read.body()));
            }
            return new Tick(at, seq, name, true, resourceVersion, true, millisSince(start), null);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return new Tick(at, seq, name, written, resourceVersion, false, millisSince(start),
                    (written ? "read " : "create ") + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + shorten(e.getMessage())));
        }
    }

    private HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).header("Authorization", "Bearer " + token);
    }

    private static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    private static String shorten(String text) {
        String line = text.replace('\n', ' ');
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }

    /** What was recorded so far. */
    List<Tick> ticks() {
        synchronized (ticks) {
            return List.copyOf(ticks);
        }
    }

    /** The first attempt that succeeded after {@code seconds}, or null. */
    Tick firstOkAfter(double seconds) {
        return ticks().stream().filter(t -> t.atSeconds() >= seconds && t.ok()).findFirst().orElse(null);
    }

    /** The names of this client's ConfigMaps the API server holds now (one list, after the rollback). */
    Set<String> stored() throws Exception {
        HttpResponse<String> list = http.send(request(base + "?labelSelector=outage-round%3D" + prefix).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (list.statusCode() != 200) {
            throw new IllegalStateException("cannot list the client's ConfigMaps: " + list.statusCode() + " " + list.body());
        }
        Set<String> names = new HashSet<>();
        for (JsonNode item : HostedClusters.JSON.readTree(list.body()).path("items")) {
            names.add(item.path("metadata").path("name").asText());
        }
        return names;
    }

    @Override
    public void close() {
        stopped = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
