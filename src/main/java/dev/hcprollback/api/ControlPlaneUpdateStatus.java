package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What the sidecar observed of an update; only the sidecar writes it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ControlPlaneUpdateStatus {

    /** The verdict: Soaking, Healthy, Unhealthy, RolledBack or Superseded. */
    private UpdateHealth health;
    /** The verdict in a sentence. */
    private String message;
    /** When the new version was reported Completed (RFC 3339); absent while it rolls out. */
    private String completionTime;
    /** When the soak ends if every signal stays green: completion (or the last red signal) plus the soak period. */
    private String soakEndTime;
    /** The verified snapshot a rollback of this update would restore; absent when none. */
    private String rollbackPoint;
    /** Why there is a rollback point, or why none. */
    private String rollbackPointMessage;
    /** When the rollback window closes: the start plus hcp-rollback.rollback.window. */
    private String windowCloseTime;
    /** Time left in the rollback window, for kubectl ({@code 23h}, {@code 42m}, {@code closed}). */
    private String windowLeft;
    /** The signals red at the last look, each with since when; empty when all are green. */
    private java.util.List<HealthSignal> evidence = new java.util.ArrayList<>();
    /** The command an SRE runs to roll this update back; set while a rollback is recommended. */
    private String rollbackCommand;
    /** When the sidecar filed (or began to file) its automatic rollback request: at most one per update. */
    private String autoRollbackTime;
    /** The reason of that request ({@code automatic: <signals>}). */
    private String autoRollbackReason;
    /** The ControlPlaneRollback that undid this update. */
    private String rolledBackBy;
    /** The ControlPlaneUpdate of the later update. */
    private String supersededBy;
    /** Soaked, RollbackRecommended, AutoRollback. */
    private java.util.List<io.fabric8.kubernetes.api.model.Condition> conditions = new java.util.ArrayList<>();

    public UpdateHealth getHealth() {
        return health;
    }

    public void setHealth(UpdateHealth health) {
        this.health = health;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getCompletionTime() {
        return completionTime;
    }

    public void setCompletionTime(String completionTime) {
        this.completionTime = completionTime;
    }

    public String getSoakEndTime() {
        return soakEndTime;
    }

    public void setSoakEndTime(String soakEndTime) {
        this.soakEndTime = soakEndTime;
    }

    public String getRollbackPoint() {
        return rollbackPoint;
    }

    public void setRollbackPoint(String rollbackPoint) {
        this.rollbackPoint = rollbackPoint;
    }

    public String getRollbackPointMessage() {
        return rollbackPointMessage;
    }

    public void setRollbackPointMessage(String rollbackPointMessage) {
        this.rollbackPointMessage = rollbackPointMessage;
    }

    public String getWindowCloseTime() {
        return windowCloseTime;
    }

    public void setWindowCloseTime(String windowCloseTime) {
        this.windowCloseTime = windowCloseTime;
    }

    public String getWindowLeft() {
        return windowLeft;
    }

    public void setWindowLeft(String windowLeft) {
        this.windowLeft = windowLeft;
    }

    public java.util.List<HealthSignal> getEvidence() {
        return evidence;
    }

    public void setEvidence(java.util.List<HealthSignal> evidence) {
        this.evidence = evidence == null ? new java.util.ArrayList<>() : evidence;
    }

    public String getRollbackCommand() {
        return rollbackCommand;
    }

    public void setRollbackCommand(String rollbackCommand) {
        this.rollbackCommand = rollbackCommand;
    }

    public String getAutoRollbackTime() {
        return autoRollbackTime;
    }

    public void setAutoRollbackTime(String autoRollbackTime) {
        this.autoRollbackTime = autoRollbackTime;
    }

    public String getAutoRollbackReason() {
        return autoRollbackReason;
    }

    public void setAutoRollbackReason(String autoRollbackReason) {
        this.autoRollbackReason = autoRollbackReason;
    }

    public String getRolledBackBy() {
        return rolledBackBy;
    }

    public void setRolledBackBy(String rolledBackBy) {
        this.rolledBackBy = rolledBackBy;
    }

    public String getSupersededBy() {
        return supersededBy;
    }

    public void setSupersededBy(String supersededBy) {
        this.supersededBy = supersededBy;
    }

    public java.util.List<io.fabric8.kubernetes.api.model.Condition> getConditions() {
        return conditions;
    }

    public void setConditions(java.util.List<io.fabric8.kubernetes.api.model.Condition> conditions) {
        this.conditions = conditions == null ? new java.util.ArrayList<>() : conditions;
    }
}
