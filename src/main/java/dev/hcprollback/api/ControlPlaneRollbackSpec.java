package dev.hcprollback.api;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Fixed at creation: the API server refuses any change ({@code x-kubernetes-validations}), and so does the webhook. */
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: it is what was admitted; create a new ControlPlaneRollback instead")
public class ControlPlaneRollbackSpec {

    @Required
    private String hostedClusterName;
    /** The z-stream version to go back to, e.g. {@code 4.18.5}. */
    @Required
    private String toVersion;
    /** The verified ControlPlaneSnapshot, in this namespace, that the rollback restores. */
    private String snapshotName;
    /** The incident that justifies the rollback. */
    @Required
    private String reason;
    private RollbackStrategy strategy = RollbackStrategy.RestoreEtcd;
    /** Plan only: stop at {@code Planned}. */
    private boolean dryRun;
    /**
     * The user who created this record directly (the admission webhook requires it to be the requester's
     * own user name); empty on records hcp-rollback creates from admitted request annotations.
     */
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
