package dev.hcprollback.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Stops the API server at one exact request, so that a test can stop the requester at a known point of its code: a
 * validating webhook this test process serves, registered for one resource and one CEL condition, holds the first
 * request the condition matches (the API server waits for the answer, the requester for the API server's) until the
 * test {@link #open opens} the gate; then it and every later request pass. It judges nothing: every answer is
 * "allowed". Its failure policy is Ignore, so that a gate whose test has gone blocks nobody; {@link #close()} removes it.
 */
public final class AdmissionGate implements AutoCloseable {

    /** The API server waits at most this long for a webhook (its maximum): the test must open the gate within it. */
    private static final int TIMEOUT_SECONDS = 30;

    private final KubeApiServer server;
    private final String name;
    private final HttpsServer https;
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch opened = new CountDownLatch(1);
    private final AtomicBoolean holding = new AtomicBoolean();
    private final ExecutorService reviewers = Executors.newCachedThreadPool();

    private AdmissionGate(KubeApiServer server, String name, HttpsServer https) {
        this.server = server;
        this.name = name;
        this.https = https;
    }

    /**
     * A gate named {@code name} on {@code operation} of {@code group}/{@code version} {@code resource} (a subresource
     * as {@code plural/status}), holding the first request for which {@code condition} (CEL over {@code request},
     * {@code object}, {@code oldObject}) is true. Its serving certificate and log go to {@code dir}.
     */
    public static AdmissionGate install(KubeApiServer server, Path dir, String name, String group, String version,
            String resource, String operation, String condition) {
        TestCertificates authority = TestCertificates.newAuthority(dir, name + "-ca");
        TestCertificates.Issued serving = authority.issue(dir, name, Duration.ofHours(12));
        HttpsServer https;
        try {
            https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(authority.serverContext(serving)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AdmissionGate gate = new AdmissionGate(server, name, https);
        https.createContext("/gate", gate::review);
        // each review on a thread of its own: a held one must not keep the others waiting
        https.setExecutor(gate.reviewers);
        https.start();
        ValidatingWebhookConfiguration configuration = new ValidatingWebhookConfigurationBuilder().withNewMetadata()
                .withName(name).endMetadata()
                .addNewWebhook().withName(name + ".gate.test").withAdmissionReviewVersions("v1")
                .withNewClientConfig().withUrl("https://127.0.0.1:" + https.getAddress().getPort() + "/gate")
                .withCaBundle(Base64.getEncoder().encodeToString(authority.caPem().getBytes(StandardCharsets.UTF_8)))
                .endClientConfig()
                .addNewRule().withApiGroups(group).withApiVersions(version).withResources(resource)
                .withOperations(operation).withScope("Namespaced").endRule()
                .addNewMatchCondition().withName("held-request").withExpression(condition).endMatchCondition()
                .withFailurePolicy("Ignore").withSideEffects("None").withTimeoutSeconds(TIMEOUT_SECONDS)
                .endWebhook().build();
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            Install.apply(admin, configuration);
        } catch (RuntimeException e) {
            https.stop(0);
            throw e;
        }
        return gate;
    }

    /** Waits until the gate holds its request; false when none came within {@code timeout}. */
    public boolean awaitHeld(Duration timeout) throws InterruptedException {
        return held.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets the held request pass (allowed), and every later one at once. */
    public void open() {
        opened.countDown();
    }

    private void review(HttpExchange exchange) throws IOException {
        JsonNode review = HostedClusters.JSON.readTree(exchange.getRequestBody());
        if (holding.compareAndSet(false, true)) {
            held.countDown();
            try {
                opened.await(TIMEOUT_SECONDS - 5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] answer = ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\""
                + review.path("request").path("uid").asText() + "\",\"allowed\":true}}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    @Override
    public void close() {
        open();
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            admin.admissionRegistration().v1().validatingWebhookConfigurations().withName(name).delete();
        } finally {
            https.stop(0);
            reviewers.shutdownNow();
        }
    }
}
