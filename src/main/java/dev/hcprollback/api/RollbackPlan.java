package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What the rollback will do, written before anything is touched; all a dry run produces. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollbackPlan {

    private String fromVersion;
    private String toVersion;
    private String fromReleaseImage;
    private String toReleaseImage;
    private String fromControlPlaneReleaseImage;
    private String toControlPlaneReleaseImage;
    private String snapshot;
    private String snapshotLocation;
    private String controlPlaneNamespace;
    /** Names of the steps, in order. */
    private List<String> steps = new ArrayList<>();
    /** Absent for PayloadOnly, which keeps etcd. */
    private DataLossWindow dataLoss;
    private List<NewerNodePool> nodePoolsStayingNewer = new ArrayList<>();
    /** What must hold before the point of no return, each item with pass/fail and its figures. */
    private List<PreflightCheck> preflight = new ArrayList<>();
    /** The etcd image the restore runs and etcd is started on: the one the snapshot's payload ran. */
    private String etcdImage;
    /** The etcd image the StatefulSet runs now. */
    private String fromEtcdImage;
    /** Which steps the API servers are down for, and what that depends on. */
    private String expectedDowntime;
    /**
     * When the eligibility (the rollback window, the snapshot, the target) was judged and the rollback decided. The
     * sidecar's own later writes for this rollback (the revert patch, its dry run before the first swap) are judged
     * as of this moment, never again by the clock, so that a rollback admitted inside its window always finishes.
     */
    private String decidedAt;

    public String getDecidedAt() {
        return decidedAt;
    }

    public void setDecidedAt(String decidedAt) {
        this.decidedAt = decidedAt;
    }

    public String getFromVersion() {
        return fromVersion;
    }

    public void setFromVersion(String fromVersion) {
        this.fromVersion = fromVersion;
    }

    public String getToVersion() {
        return toVersion;
    }

    public void setToVersion(String toVersion) {
        this.toVersion = toVersion;
    }

    public String getFromReleaseImage() {
        return fromReleaseImage;
    }

    public void setFromReleaseImage(String fromReleaseImage) {
        this.fromReleaseImage = fromReleaseImage;
    }

    public String getToReleaseImage() {
        return toReleaseImage;
    }

    public void setToReleaseImage(String toReleaseImage) {
        this.toReleaseImage = toReleaseImage;
    }

    public String getFromControlPlaneReleaseImage() {
        return fromControlPlaneReleaseImage;
    }

    public void setFromControlPlaneReleaseImage(String fromControlPlaneReleaseImage) {
        this.fromControlPlaneReleaseImage = fromControlPlaneReleaseImage;
    }

    public String getToControlPlaneReleaseImage() {
        return toControlPlaneReleaseImage;
    }

    public void setToControlPlaneReleaseImage(String toControlPlaneReleaseImage) {
        this.toControlPlaneReleaseImage = toControlPlaneReleaseImage;
    }

    public String getSnapshot() {
        return snapshot;
    }

    public void setSnapshot(String snapshot) {
        this.snapshot = snapshot;
    }

    public String getSnapshotLocation() {
        return snapshotLocation;
    }

    public void setSnapshotLocation(String snapshotLocation) {
        this.snapshotLocation = snapshotLocation;
    }

    public String getControlPlaneNamespace() {
        return controlPlaneNamespace;
    }

    public void setControlPlaneNamespace(String controlPlaneNamespace) {
        this.controlPlaneNamespace = controlPlaneNamespace;
    }

    public List<String> getSteps() {
        return steps;
    }

    public void setSteps(List<String> steps) {
        this.steps = steps == null ? new ArrayList<>() : steps;
    }

    public DataLossWindow getDataLoss() {
        return dataLoss;
    }

    public void setDataLoss(DataLossWindow dataLoss) {
        this.dataLoss = dataLoss;
    }

    public List<NewerNodePool> getNodePoolsStayingNewer() {
        return nodePoolsStayingNewer;
    }

    public void setNodePoolsStayingNewer(List<NewerNodePool> nodePoolsStayingNewer) {
        this.nodePoolsStayingNewer = nodePoolsStayingNewer == null ? new ArrayList<>() : nodePoolsStayingNewer;
    }

    public List<PreflightCheck> getPreflight() {
        return preflight;
    }

    public void setPreflight(List<PreflightCheck> preflight) {
        this.preflight = preflight == null ? new ArrayList<>() : preflight;
    }

    public String getEtcdImage() {
        return etcdImage;
    }

    public void setEtcdImage(String etcdImage) {
        this.etcdImage = etcdImage;
    }

    public String getFromEtcdImage() {
        return fromEtcdImage;
    }

    public void setFromEtcdImage(String fromEtcdImage) {
        this.fromEtcdImage = fromEtcdImage;
    }

    public String getExpectedDowntime() {
        return expectedDowntime;
    }

    public void setExpectedDowntime(String expectedDowntime) {
        this.expectedDowntime = expectedDowntime;
    }
}
