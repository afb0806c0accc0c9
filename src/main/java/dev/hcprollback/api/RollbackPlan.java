package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the rollback will do, written before anything is touched; all a dry run produces. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollbackPlan {

    @JsonPropertyDescription("The control-plane version now.")
    private String fromVersion;
    @JsonPropertyDescription("The version the rollback goes back to.")
    private String toVersion;
    @JsonPropertyDescription("spec.release.image now.")
    private String fromReleaseImage;
    @JsonPropertyDescription("spec.release.image after the rollback: the snapshot's payload.")
    private String toReleaseImage;
    @JsonPropertyDescription("spec.controlPlaneRelease.image now, when set.")
    private String fromControlPlaneReleaseImage;
    @JsonPropertyDescription("spec.controlPlaneRelease.image after the rollback, when set.")
    private String toControlPlaneReleaseImage;
    @JsonPropertyDescription("The ControlPlaneSnapshot restored (absent for PayloadOnly).")
    private String snapshot;
    @JsonPropertyDescription("Where that snapshot is stored, e.g. s3://bucket/key.")
    private String snapshotLocation;
    @JsonPropertyDescription("The HostedCluster's control-plane namespace, where etcd and the restore Jobs run.")
    private String controlPlaneNamespace;
    @JsonPropertyDescription("Names of the steps, in order.")
    private List<String> steps = new ArrayList<>();
    @JsonPropertyDescription("What the restore throws away: every etcd write after the snapshot. Absent for PayloadOnly, which keeps etcd.")
    private DataLossWindow dataLoss;
    @JsonPropertyDescription("NodePools that stay on a payload newer than the target: the rollback never touches workers.")
    private List<NewerNodePool> nodePoolsStayingNewer = new ArrayList<>();
    @JsonPropertyDescription("What must hold before the point of no return, each item with pass/fail and its figures.")
    private List<PreflightCheck> preflight = new ArrayList<>();
    @JsonPropertyDescription("The etcd image the restore runs and etcd is started on: the one the snapshot's payload ran.")
    private String etcdImage;
    @JsonPropertyDescription("The etcd image the StatefulSet runs now.")
    private String fromEtcdImage;
    @JsonPropertyDescription("The image of the stage Jobs' fetch container, as the preflight's measure Jobs ran it: the sidecar's own image by digest, or hcp-rollback.rollback.fetch-image. Stage runs this one, whichever replica leads by then.")
    private String fetchImage;
    @JsonPropertyDescription("Which steps the API servers are down for, and what that depends on.")
    private String expectedDowntime;
    @JsonPropertyDescription("When the eligibility (window, snapshot, target) was judged and the rollback decided (RFC 3339); the sidecar's own later writes for this rollback are judged as of this moment.")
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

    public String getFetchImage() {
        return fetchImage;
    }

    public void setFetchImage(String fetchImage) {
        this.fetchImage = fetchImage;
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
