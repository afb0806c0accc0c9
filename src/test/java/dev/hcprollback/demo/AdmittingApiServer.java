package dev.hcprollback.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.JsonMergePatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The admission step of a real kube-apiserver, which the in-process API server does not have: a
 * {@code kubectl patch --type merge} of a HostedCluster is first sent to the sidecar's webhook as an
 * AdmissionReview over HTTPS, and stored only if the webhook allows it.
 */
final class AdmittingApiServer {

    record Answer(boolean allowed, String rule, String message, List<String> warnings) {
    }

    private final KubernetesClient client;
    private final HttpClient https;
    private final URI webhook;

    AdmittingApiServer(KubernetesClient client, HttpClient https, URI webhook) {
        this.client = client;
        this.https = https;
        this.webhook = webhook;
    }

    Answer patch(String namespace, String name, String mergePatch, UnaryOperator<AdmissionReviews> requester)
            throws IOException, InterruptedException {
        HostedCluster stored = client.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
        Answer result = review(stored, mergePatch, requester);
        if (result.allowed()) {
            client.resources(HostedCluster.class).inNamespace(namespace).withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
        }
        return result;
    }

    /** The admission step alone, as for a server-side dry run: the webhook's answer, nothing stored. */
    Answer review(HostedCluster stored, String mergePatch, UnaryOperator<AdmissionReviews> requester)
            throws IOException, InterruptedException {
        JsonNode patch = HostedClusters.JSON.readTree(mergePatch);
        HostedClusters before = HostedClusters.of(stored);
        HostedClusters after = HostedClusters.of((ObjectNode) JsonMergePatch.apply(before.json(), patch));
        AdmissionReviews review = requester.apply(AdmissionReviews.update(before, after));

        HttpResponse<String> response = https.send(HttpRequest.newBuilder(webhook)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(review.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode answer = HostedClusters.JSON.readTree(response.body()).path("response");
        if (response.statusCode() != 200 || !review.uid().equals(answer.path("uid").asText())) {
            throw new IllegalStateException("the webhook answered HTTP " + response.statusCode() + ": " + response.body());
        }
        List<String> warnings = new ArrayList<>();
        answer.path("warnings").forEach(w -> warnings.add(w.asText()));
        return new Answer(answer.path("allowed").asBoolean(), answer.at("/auditAnnotations/rule").asText(),
                answer.at("/status/message").asText(""), warnings);
    }
}
