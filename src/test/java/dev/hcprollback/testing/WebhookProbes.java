package dev.hcprollback.testing;

import static dev.hcprollback.testing.HostedClusters.tag;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.testing.RealObjects.Kind;

/**
 * One write per webhook of the install that its rules and {@code matchConditions} send to it, made as a dry run by
 * the administrator on a real API server: each must reach the sidecar and be judged by it (admitted or refused),
 * not fail in the API server's call ({@code failed calling webhook}: no CA, a certificate for another name, no
 * route).
 */
public final class WebhookProbes {

    private WebhookProbes() {
    }

    /**
     * Probes every webhook; creates the snapshot {@code ca-probe} in {@code namespace} first (the webhook of
     * snapshots guards their deletion).
     *
     * @return one line per webhook the API server could not call (the answer and the decisions the sidecar logged);
     *     empty when every webhook answered
     * @throws IllegalStateException when the snapshot to delete cannot be created
     */
    public static List<String> unanswered(KubeApiServer server, SidecarProcess sidecar, String namespace) {
        ObjectNode snapshot = RealObjects.verifiedSnapshot("ca-probe",
                RealObjects.hostedCluster(HostedClusters.fixture().named("ca-probe"), namespace), "4.18.5", tag("4.18.5"),
                Instant.now());
        snapshot.remove("status");
        ApiRequest.Answer created = Caller.ADMIN.send(server, ApiRequest.create(Kind.SNAPSHOT.collection(namespace), snapshot));
        if (!created.succeeded()) {
            throw new IllegalStateException("the snapshot to delete: " + created);
        }
        Map<Kind, ApiRequest> probes = new LinkedHashMap<>();
        probes.put(Kind.HOSTED_CLUSTER, ApiRequest.create(Kind.HOSTED_CLUSTER.collection(namespace), RealObjects.hostedCluster(
                HostedClusters.onSixAfterFive("ca-probe").requestRollback("4.18.5", "INC-1"), namespace)));
        probes.put(Kind.HOSTED_CONTROL_PLANE, ApiRequest.create(Kind.HOSTED_CONTROL_PLANE.collection(namespace),
                RealObjects.hostedControlPlane(HostedClusters.onSixAfterFive("ca-probe"), namespace)));
        probes.put(Kind.SNAPSHOT, ApiRequest.delete(Kind.SNAPSHOT.object(namespace, "ca-probe")));
        probes.put(Kind.ROLLBACK, ApiRequest.create(Kind.ROLLBACK.collection(namespace),
                RealObjects.rollbackRecord(namespace, "ca-probe", "ca-probe", "4.18.5", "ca-probe", "sre-alice")));
        ObjectNode update = RealObjects.updateRecord(namespace, "ca-probe", "ca-probe", HostedClusters.UID);
        update.remove("status");
        probes.put(Kind.UPDATE_RECORD, ApiRequest.create(Kind.UPDATE_RECORD.collection(namespace), update));
        if (probes.size() != Kind.values().length - 1) {
            throw new IllegalStateException("a probe is missing for a kind a webhook guards: " + probes.keySet());
        }

        AdmissionDecisions decisions = new AdmissionDecisions(sidecar);
        List<String> unanswered = new ArrayList<>();
        probes.forEach((kind, probe) -> {
            AdmissionDecisions.Judged<ApiRequest.Answer> judged = decisions.during(() -> Caller.ADMIN.send(server, probe.dryRun()));
            boolean answered = judged.decisions().stream().anyMatch(d -> d.resource().equals(kind.resource))
                    && !judged.answer().message().contains("failed calling webhook");
            if (!answered) {
                unanswered.add(kind.webhook() + ": " + judged.answer() + ", decisions " + judged.decisions());
            }
        });
        return unanswered;
    }
}
