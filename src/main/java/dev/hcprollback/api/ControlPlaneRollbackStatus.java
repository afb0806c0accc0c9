package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ControlPlaneRollbackStatus extends ObservedStatus {

    @JsonPropertyDescription("Pending (waiting for its turn or the preflight), Planned (dry run done), Running, Succeeded, Failed or Cancelled (stopped before its point of no return and undone).")
    private RollbackPhase phase;
    @JsonPropertyDescription("The step in progress, or the one that failed: Pause, Stage, Quiesce, Swap, StartEtcd, Revert, Resume or Verify.")
    private String currentStep;
    @JsonPropertyDescription("Each step started so far, in order, written before the step acts: its phase, start and completion time (RFC 3339) and what it did.")
    private List<RollbackStep> steps = new ArrayList<>();
    @JsonPropertyDescription("When the first step was about to start (RFC 3339).")
    private String startTime;
    @JsonPropertyDescription("When the rollback ended: succeeded, failed, or planned for a dry run (RFC 3339).")
    private String completionTime;
    @JsonPropertyDescription("What happened last, in a sentence; on failure, the next manual step.")
    private String message;
    @JsonPropertyDescription("What the rollback does, written before any step acts; all a dry run produces.")
    private RollbackPlan plan;
    @JsonPropertyDescription("Replicas of the API servers and of etcd before Quiesce scaled them to 0, recorded before anything is scaled, so that they can be given back.")
    private List<RecordedReplicas> recordedReplicas = new ArrayList<>();
    @JsonPropertyDescription("spec.pausedUntil of the HostedCluster before Pause (absent: it was not paused).")
    private String pausedUntilBefore;
    @JsonPropertyDescription("True once Pause set spec.pausedUntil: what an undo takes back.")
    private Boolean pausedByRollback;
    @JsonPropertyDescription("The etcd image the restore Jobs run and etcd is started on: the snapshot's, else the StatefulSet's.")
    private String etcdImage;
    @JsonPropertyDescription("The image of the etcd StatefulSet's etcd container before StartEtcd changed it (absent: unchanged).")
    private String etcdImageBefore;
    @JsonPropertyDescription("The restore Jobs in the control-plane namespace: the stage Job of each member, then its swap Job.")
    private List<String> restoreJobs = new ArrayList<>();
    @JsonPropertyDescription("How long the API servers were down, from the start of Quiesce to the end of Resume, e.g. 3m12s.")
    private String downtime;
    @JsonPropertyDescription("True from the moment the first swap Job may be created (PayloadOnly: the payload patch sent): from then on a failure leaves the cluster paused for an SRE instead of undoing.")
    private Boolean pointOfNoReturn;
    @JsonPropertyDescription("Machine-readable reason of a failure, e.g. PreflightFailed, StageJobFailed, SwapTimeout.")
    private String failureReason;
    @JsonPropertyDescription("True while a failure before the point of no return is being undone.")
    private Boolean undoing;
    @JsonPropertyDescription("Who cancelled the rollback: the user name the cancel annotation carried, which the admission webhook checked to be the requester's own; hcp-rollback when it had not reached its point of no return within hcp-rollback.rollback.cancel-after.")
    private String cancelledBy;
    @JsonPropertyDescription("The user whose cancel arrived after the point of no return: it was ignored and the rollback finishes.")
    private String cancelIgnoredFor;
    @JsonPropertyDescription("etcd's highest revision once its writers had stopped: the last revision any client can have seen. The restored revision (the snapshot's plus the bump) must be above it.")
    private Long revisionAtQuiesce;
    @JsonPropertyDescription("The same per etcd shard on PersistentVolumes (TechPreview EtcdSharding), by the shard's name in spec.etcd.managed.shards: each shard's restored revision (its snapshot's plus the bump) must be above its own.")
    private java.util.Map<String, Long> shardRevisionsAtQuiesce;

    public RollbackPhase getPhase() {
        return phase;
    }

    public void setPhase(RollbackPhase phase) {
        this.phase = phase;
    }

    public String getCurrentStep() {
        return currentStep;
    }

    public void setCurrentStep(String currentStep) {
        this.currentStep = currentStep;
    }

    public List<RollbackStep> getSteps() {
        return steps;
    }

    public void setSteps(List<RollbackStep> steps) {
        this.steps = steps == null ? new ArrayList<>() : steps;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }

    public String getCompletionTime() {
        return completionTime;
    }

    public void setCompletionTime(String completionTime) {
        this.completionTime = completionTime;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public RollbackPlan getPlan() {
        return plan;
    }

    public void setPlan(RollbackPlan plan) {
        this.plan = plan;
    }

    public List<RecordedReplicas> getRecordedReplicas() {
        return recordedReplicas;
    }

    public void setRecordedReplicas(List<RecordedReplicas> recordedReplicas) {
        this.recordedReplicas = recordedReplicas == null ? new ArrayList<>() : recordedReplicas;
    }

    public String getPausedUntilBefore() {
        return pausedUntilBefore;
    }

    public void setPausedUntilBefore(String pausedUntilBefore) {
        this.pausedUntilBefore = pausedUntilBefore;
    }

    public Boolean getPausedByRollback() {
        return pausedByRollback;
    }

    public void setPausedByRollback(Boolean pausedByRollback) {
        this.pausedByRollback = pausedByRollback;
    }

    public String getEtcdImage() {
        return etcdImage;
    }

    public void setEtcdImage(String etcdImage) {
        this.etcdImage = etcdImage;
    }

    public String getEtcdImageBefore() {
        return etcdImageBefore;
    }

    public void setEtcdImageBefore(String etcdImageBefore) {
        this.etcdImageBefore = etcdImageBefore;
    }

    public String getDowntime() {
        return downtime;
    }

    public void setDowntime(String downtime) {
        this.downtime = downtime;
    }

    public List<String> getRestoreJobs() {
        return restoreJobs;
    }

    public void setRestoreJobs(List<String> restoreJobs) {
        this.restoreJobs = restoreJobs == null ? new ArrayList<>() : restoreJobs;
    }

    public Boolean getPointOfNoReturn() {
        return pointOfNoReturn;
    }

    public void setPointOfNoReturn(Boolean pointOfNoReturn) {
        this.pointOfNoReturn = pointOfNoReturn;
    }

    public String getFailureReason() {
        return failureReason;
    }

    public void setFailureReason(String failureReason) {
        this.failureReason = failureReason;
    }

    public Boolean getUndoing() {
        return undoing;
    }

    public void setUndoing(Boolean undoing) {
        this.undoing = undoing;
    }

    public Long getRevisionAtQuiesce() {
        return revisionAtQuiesce;
    }

    public void setRevisionAtQuiesce(Long revisionAtQuiesce) {
        this.revisionAtQuiesce = revisionAtQuiesce;
    }

    public java.util.Map<String, Long> getShardRevisionsAtQuiesce() {
        return shardRevisionsAtQuiesce;
    }

    public void setShardRevisionsAtQuiesce(java.util.Map<String, Long> shardRevisionsAtQuiesce) {
        this.shardRevisionsAtQuiesce = shardRevisionsAtQuiesce;
    }

    public String getCancelledBy() {
        return cancelledBy;
    }

    public void setCancelledBy(String cancelledBy) {
        this.cancelledBy = cancelledBy;
    }

    public String getCancelIgnoredFor() {
        return cancelIgnoredFor;
    }

    public void setCancelIgnoredFor(String cancelIgnoredFor) {
        this.cancelIgnoredFor = cancelIgnoredFor;
    }

    /** The record of one step, if it has started. */
    public java.util.Optional<RollbackStep> step(Step step) {
        return steps.stream().filter(s -> step.name().equals(s.getName())).findFirst();
    }

    public java.util.Optional<RecordedReplicas> recorded(String kind, String name) {
        return recordedReplicas.stream().filter(r -> kind.equals(r.getKind()) && name.equals(r.getName())).findFirst();
    }

    @Override
    @JsonPropertyDescription("Progressing (True while it waits or runs; reason: the step), Succeeded (True: rolled back; False: failed or cancelled, reason the failure or Cancelled/CancelTimeout; absent for a dry run), PointOfNoReturnPassed (True once etcd data or the payload was touched: a failure then leaves the cluster paused for an SRE), CancelIgnored (True when a cancel came past the point of no return) and Planned (True once status.plan is written), in the shape of metav1.Condition, one per type.")
    public List<Condition> getConditions() {
        return super.getConditions();
    }
}
