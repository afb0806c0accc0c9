package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ControlPlaneRollbackStatus extends ObservedStatus {

    private RollbackPhase phase;
    /** The step in progress, or the one that failed. */
    private String currentStep;
    private List<RollbackStep> steps = new ArrayList<>();
    private String startTime;
    private String completionTime;
    /** What happened last, and on failure the next manual step. */
    private String message;
    /** What the rollback does, written before any step acts. */
    private RollbackPlan plan;
    /** Replicas of the writers and of etcd before Quiesce, recorded before anything is scaled. */
    private List<RecordedReplicas> recordedReplicas = new ArrayList<>();
    /** {@code spec.pausedUntil} of the HostedCluster before Pause (absent: it was not paused). */
    private String pausedUntilBefore;
    /** True once Pause set {@code spec.pausedUntil}: what undo has to take back. */
    private Boolean pausedByRollback;
    /** The etcd image the restore Jobs run and etcd is started on (the snapshot's, else the StatefulSet's). */
    private String etcdImage;
    /** The image of the etcd StatefulSet's {@code etcd} container before StartEtcd changed it (absent: unchanged). */
    private String etcdImageBefore;
    /** The restore Jobs in the control-plane namespace: the stage Job of each member, then its swap Job. */
    private List<String> restoreJobs = new ArrayList<>();
    /** How long the API servers were down, from the start of Quiesce to the end of Resume (e.g. {@code 3m12s}). */
    private String downtime;
    /**
     * True from the moment the first swap Job may be created (or, for PayloadOnly, the payload patch
     * sent): from then on a failure leaves the cluster paused instead of undoing.
     */
    private Boolean pointOfNoReturn;
    /** Machine-readable reason of a failure, e.g. {@code PreflightFailed}, {@code StageJobFailed}. */
    private String failureReason;
    /** Set while a failure before the point of no return is being undone. */
    private Boolean undoing;
    /**
     * etcd's highest revision once its writers had stopped (Quiesce, before etcd stops): the last revision any
     * client can have seen. The restored revision (the snapshot's plus the bump) must be above it, or watch caches
     * would take the restored data for old news.
     */
    private Long revisionAtQuiesce;

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

    /** The record of one step, if it has started. */
    public java.util.Optional<RollbackStep> step(Step step) {
        return steps.stream().filter(s -> step.name().equals(s.getName())).findFirst();
    }

    public java.util.Optional<RecordedReplicas> recorded(String kind, String name) {
        return recordedReplicas.stream().filter(r -> kind.equals(r.getKind()) && name.equals(r.getName())).findFirst();
    }
}
