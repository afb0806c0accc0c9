package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Fixed at creation: the API server refuses any change ({@code x-kubernetes-validations}), and so does the webhook. */
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: it is what was admitted; create a new ControlPlaneRollback instead")
public class ControlPlaneRollbackSpec {

    @Required
    @JsonPropertyDescription("The HostedCluster, in this namespace, to roll back.")
    private String hostedClusterName;
    @Required
    @JsonPropertyDescription("The z-stream version to go back to, e.g. 4.18.5: the previous Completed version of the HostedCluster.")
    private String toVersion;
    @JsonPropertyDescription("The verified ControlPlaneSnapshot, in this namespace, whose etcd data the rollback restores (RestoreEtcd).")
    private String snapshotName;
    @Required
    @JsonPropertyDescription("The incident that justifies the rollback, e.g. INC-4711: ingress down after 4.18.6.")
    private String reason;
    @JsonPropertyDescription("RestoreEtcd (default): restore etcd from the snapshot, then revert the payload. PayloadOnly: revert the payload and keep the current etcd data.")
    private RollbackStrategy strategy = RollbackStrategy.RestoreEtcd;
    @JsonPropertyDescription("Plan only: write status.plan (steps, data-loss window, preflight checklist), change nothing and stop at phase Planned.")
    private boolean dryRun;
    @JsonPropertyDescription("The user who created this record directly (the admission webhook requires the requester's own user name); empty on records the sidecar creates from the HostedCluster's request annotations.")
    private String requestedBy;

    public String getHostedClusterName() {
        return hostedClusterName;
    }

    public void setHostedClusterName(String hostedClusterName) {
        this.hostedClusterName = hostedClusterName;
    }

    public String getToVersion() {
        return toVersion;
    }

    public void setToVersion(String toVersion) {
        this.toVersion = toVersion;
    }

    public String getSnapshotName() {
        return snapshotName;
    }

    public void setSnapshotName(String snapshotName) {
        this.snapshotName = snapshotName;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public RollbackStrategy getStrategy() {
        return strategy;
    }

    public void setStrategy(RollbackStrategy strategy) {
        this.strategy = strategy;
    }

    public boolean isDryRun() {
        return dryRun;
    }

    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    public String getRequestedBy() {
        return requestedBy;
    }

    public void setRequestedBy(String requestedBy) {
        this.requestedBy = requestedBy;
    }
}
