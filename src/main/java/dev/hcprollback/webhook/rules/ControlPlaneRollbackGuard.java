package dev.hcprollback.webhook.rules;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.webhook.authz.Authorizer;
import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.review.ImmutableSpec;

/**
 * Admission rules for ControlPlaneRollback, the record the rollback controller acts on. The sidecar
 * creates records only from request annotations the HostedCluster gate admitted; anyone else must hold
 * the {@code rollback} verb, and the record is judged exactly as the request annotations it stands for
 * would be ({@link HostedClusterGate}), backed by the cluster's rollback point. After creation the spec
 * never changes, and only the sidecar writes the status.
 */
@ApplicationScoped
public class ControlPlaneRollbackGuard {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    AdmissionCaches caches;

    @Inject
    Authorizer authorizer;

    @Inject
    HostedClusterGate gate;

    @Inject
    HcpRollbackConfig config;

    /** {@code before} is null on CREATE, {@code after} on DELETE. */
    public Verdict judge(AdmissionCall call, ControlPlaneRollback before, ControlPlaneRollback after) {
        boolean bySidecar = config.serviceAccount().equals(call.requester().username());
        return switch (call.operation()) {
            case CREATE -> bySidecar
                    ? Verdict.allow(Rule.ROLLBACK_RECORD_BY_SIDECAR, "created from an admitted rollback request")
                    : judgeCreation(call, after);
            case UPDATE -> judgeUpdate(call, bySidecar);
            default -> Verdict.allow(Rule.ROLLBACK_RECORD_WRITE, call.operation() + " " + call.name());
        };
    }

    private Verdict judgeUpdate(AdmissionCall call, boolean bySidecar) {
        List<String> changed = ImmutableSpec.changedFields(call);
        if (!changed.isEmpty()) {
            return Verdict.deny(Rule.ROLLBACK_RECORD_SPEC_IMMUTABLE, "the spec of ControlPlaneRollback " + call.name()
                    + " cannot change after creation (" + ImmutableSpec.describe(changed) + " changed): it is what was "
                    + "admitted and what the rollback controller acts on. Create a new ControlPlaneRollback instead.");
        }
        if (call.isStatusUpdate() && !bySidecar) {
            return Verdict.deny(Rule.ROLLBACK_RECORD_STATUS_WRITER, "only " + config.serviceAccount()
                    + " may write the status of a ControlPlaneRollback; it reports what the rollback controller did.");
        }
        return Verdict.allow(Rule.ROLLBACK_RECORD_WRITE, "UPDATE " + call.name());
    }

    private Verdict judgeCreation(AdmissionCall call, ControlPlaneRollback record) {
        ControlPlaneRollbackSpec spec = record.getSpec();
        String namespace = call.namespace();
        String clusterName = spec == null ? null : spec.getHostedClusterName();
        if (clusterName == null || clusterName.isBlank() || spec.getToVersion() == null || spec.getToVersion().isBlank()) {
            return Verdict.deny(Rule.ROLLBACK_RECORD_INCOMPLETE, "ControlPlaneRollback " + call.name()
                    + " needs spec.hostedClusterName and spec.toVersion.");
        }
        String user = call.requester().username();
        Authorizer.Decision decision = authorizer.decide(call.requester(), namespace, clusterName);
        if (!decision.allowed()) {
            return Verdict.deny(Rule.ROLLBACK_RECORD_UNAUTHORISED, "only hcp-rollback (from an admitted request) and "
                    + "requesters holding the verb " + Authorizer.VERB + " create ControlPlaneRollback records, and "
                    + decision.grounds() + ". A rollback is requested by the managed service's SRE team with the annotations "
                    + RollbackRequest.TO_VERSION + " and " + RollbackRequest.REASON + " on HostedCluster " + clusterName + ".");
        }
        if (!user.equals(spec.getRequestedBy())) {
            return Verdict.deny(Rule.ROLLBACK_RECORD_REQUESTER, "spec.requestedBy is "
                    + (spec.getRequestedBy() == null ? "empty" : "'" + spec.getRequestedBy() + "'") + "; a ControlPlaneRollback"
                    + " created directly must name its creator, " + user + ", so that its Events say who asked.");
        }
        Optional<HostedCluster> cluster = caches.hostedCluster(namespace, clusterName);
        if (cluster.isEmpty()) {
            return Verdict.deny(Rule.ROLLBACK_RECORD_NO_CLUSTER, "ControlPlaneRollback " + call.name()
                    + " names HostedCluster " + namespace + "/" + clusterName + ", which does not exist.");
        }
        HostedCluster before = withoutRequest(cluster.get());
        Verdict eligible = gate.judge(call, before, withRequest(before, spec));
        if (!eligible.allowed()) {
            return new Verdict(false, eligible.rule(), eligible.message() + " (ControlPlaneRollback " + call.name()
                    + " is judged as the rollback request it stands for.)", eligible.warnings());
        }
        Optional<ControlPlaneSnapshot> point = RollbackPoint.of(cluster.get(), caches.snapshotsOf(namespace, clusterName),
                config.rollback().window(), Instant.now());
        Optional<String> pointName = point.map(p -> p.getMetadata().getName());
        String snapshotName = spec.getSnapshotName();
        boolean needsSnapshot = spec.getStrategy() != RollbackStrategy.PayloadOnly;
        if ((snapshotName != null && !Optional.of(snapshotName).equals(pointName)) || (snapshotName == null && needsSnapshot)) {
            return Verdict.deny(Rule.ROLLBACK_RECORD_SNAPSHOT, "spec.snapshotName is "
                    + (snapshotName == null ? "empty" : snapshotName) + ", but a " + spec.getStrategy()
                    + " rollback of HostedCluster " + clusterName + " restores its rollback point, "
                    + pointName.map(name -> "snapshot " + name).orElse("and it has none") + ".");
        }
        return new Verdict(true, Rule.ROLLBACK_RECORD_ADMITTED, "rollback of " + clusterName + " to " + spec.getToVersion()
                + " recorded by " + user + " (" + decision.grounds() + ")"
                + pointName.map(name -> ", restoring snapshot " + name).orElse(""), eligible.warnings());
    }

    /** The cluster as the cache holds it, minus any request annotations, so the record is judged as a fresh request. */
    private static HostedCluster withoutRequest(HostedCluster cached) {
        HostedCluster copy = JSON.convertValue(cached, HostedCluster.class);
        Map<String, String> annotations = new HashMap<>(Optional.ofNullable(copy.getMetadata().getAnnotations()).orElse(Map.of()));
        annotations.keySet().removeIf(key -> key.startsWith(RollbackRequest.PREFIX));
        copy.getMetadata().setAnnotations(annotations);
        return copy;
    }

    private static HostedCluster withRequest(HostedCluster cluster, ControlPlaneRollbackSpec spec) {
        HostedCluster copy = JSON.convertValue(cluster, HostedCluster.class);
        Map<String, String> annotations = new HashMap<>(copy.getMetadata().getAnnotations());
        annotations.put(RollbackRequest.TO_VERSION, spec.getToVersion());
        if (spec.getReason() != null) {
            annotations.put(RollbackRequest.REASON, spec.getReason());
        }
        copy.getMetadata().setAnnotations(annotations);
        return copy;
    }
}
