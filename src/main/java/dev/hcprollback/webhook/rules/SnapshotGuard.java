package dev.hcprollback.webhook.rules;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.webhook.authz.Authorizer;
import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.review.ImmutableSpec;

/**
 * Admission rules for ControlPlaneSnapshot: its status is evidence a rollback relies on, so only
 * the sidecar writes it; its spec (which cluster, why) never changes after creation, not even by the
 * sidecar; and a cluster's current rollback point is deleted only by those who may roll back.
 */
@ApplicationScoped
public class SnapshotGuard {

    @Inject
    AdmissionCaches caches;

    @Inject
    Authorizer authorizer;

    @Inject
    HcpRollbackConfig config;

    public Verdict judge(AdmissionCall call, ControlPlaneSnapshot before) {
        if (call.isStatusUpdate() && !config.serviceAccount().equals(call.requester().username())) {
            return Verdict.deny(Rule.SNAPSHOT_STATUS_WRITER, "only " + config.serviceAccount()
                    + " may write the status of a ControlPlaneSnapshot; it records what was verified in storage.");
        }
        List<String> changed = ImmutableSpec.changedFields(call);
        if (!changed.isEmpty()) {
            return Verdict.deny(Rule.SNAPSHOT_SPEC_IMMUTABLE, "the spec of ControlPlaneSnapshot " + call.name()
                    + " cannot change after creation (" + ImmutableSpec.describe(changed) + " changed): it records which "
                    + "cluster's etcd the snapshot holds. Create a new snapshot instead.");
        }
        if (call.operation() != AdmissionCall.Operation.DELETE || before.getSpec() == null) {
            return Verdict.allow(Rule.SNAPSHOT_WRITE, call.operation() + " " + call.name());
        }
        String namespace = before.getMetadata().getNamespace();
        String clusterName = before.getSpec().getHostedClusterName();
        boolean isRollbackPoint = caches.hostedCluster(namespace, clusterName)
                .flatMap(cluster -> RollbackPoint.of(cluster, caches.snapshotsOf(namespace, clusterName),
                        config.rollback().window(), Instant.now()))
                .map(point -> point.getMetadata().getName().equals(before.getMetadata().getName()))
                .orElse(false);
        if (!isRollbackPoint) {
            return Verdict.allow(Rule.SNAPSHOT_WRITE, "DELETE " + call.name());
        }
        Authorizer.Decision decision = authorizer.decide(call.requester(), namespace, clusterName);
        if (!decision.allowed()) {
            return Verdict.deny(Rule.SNAPSHOT_ROLLBACK_POINT, "snapshot " + before.getMetadata().getName()
                    + " is the rollback point of HostedCluster " + clusterName + " inside its rollback window, and "
                    + decision.grounds() + ".");
        }
        return Verdict.allow(Rule.SNAPSHOT_ROLLBACK_POINT, "rollback point deleted; " + decision.grounds());
    }
}
