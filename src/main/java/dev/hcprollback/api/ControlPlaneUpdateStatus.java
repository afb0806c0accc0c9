package dev.hcprollback.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;

/** What the sidecar observed of an update; only the sidecar writes it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ControlPlaneUpdateStatus extends ObservedStatus {

    @JsonPropertyDescription("The verdict: Soaking (rolling out, or soaking after completion), Healthy (the soak stayed green), Unhealthy (a signal attributable to the update red past its threshold), Inconclusive (the evidence is mixed or a signal flaps: a person should look, nothing is done automatically), RolledBack or Superseded.")
    private UpdateHealth health;
    @JsonPropertyDescription("The verdict in a sentence.")
    private String message;
    @JsonPropertyDescription("When the new version was reported Completed (RFC 3339); absent while it rolls out.")
    private String completionTime;
    @JsonPropertyDescription("When the soak ends if every signal stays green: completion (or the last red signal) plus the soak period (RFC 3339).")
    private String soakEndTime;
    @JsonPropertyDescription("The verified ControlPlaneSnapshot a rollback of this update would restore; absent when none.")
    private String rollbackPoint;
    @JsonPropertyDescription("Why there is a rollback point, or why none; after a rollback, the point it restored.")
    private String rollbackPointMessage;
    @JsonPropertyDescription("When the rollback point's snapshot completed (RFC 3339): a restore of it throws away every etcd write made since.")
    private String rollbackPointTime;
    @JsonPropertyDescription("The data-loss window of the rollback point: the age of its snapshot, e.g. 3h or 42m, the span of writes a restore throws away; after a rollback, the span it threw away (snapshot to rollback completion). Absent on other final verdicts.")
    private String dataLossWindow;
    @JsonPropertyDescription("When the rollback window closes: the start plus hcp-rollback.rollback.window (RFC 3339).")
    private String windowCloseTime;
    @JsonPropertyDescription("Time left in the rollback window, e.g. 23h, 42m, or closed, while the verdict is open; absent on a final verdict (windowCloseTime still says when the window closes).")
    private String windowLeft;
    @JsonPropertyDescription("The signals red at the last look, each with since when; empty when all are green.")
    private java.util.List<HealthSignal> evidence = new java.util.ArrayList<>();
    @JsonPropertyDescription("The signals red at the record's first look, taken as the update started: what was red before the update (each with preExisting set when known to be).")
    private java.util.List<HealthSignal> baseline;
    @JsonPropertyDescription("When the baseline was taken (RFC 3339).")
    private String baselineTime;
    @JsonPropertyDescription("Per signal, when it changed between red and green within the flapping window: the watch's memory between looks.")
    private java.util.List<SignalChanges> signalChanges = new java.util.ArrayList<>();
    @JsonPropertyDescription("The command an SRE runs to roll this update back; set while a rollback is recommended.")
    private String rollbackCommand;
    @JsonPropertyDescription("When the sidecar filed (or began to file) its automatic rollback request: at most one per update (RFC 3339).")
    private String autoRollbackTime;
    @JsonPropertyDescription("The reason of that request: automatic: <signals>.")
    private String autoRollbackReason;
    @JsonPropertyDescription("The ControlPlaneRollback that undid this update.")
    private String rolledBackBy;
    @JsonPropertyDescription("The ControlPlaneUpdate of the later update.")
    private String supersededBy;

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

    public String getRollbackPointTime() {
        return rollbackPointTime;
    }

    public void setRollbackPointTime(String rollbackPointTime) {
        this.rollbackPointTime = rollbackPointTime;
    }

    public String getDataLossWindow() {
        return dataLossWindow;
    }

    public void setDataLossWindow(String dataLossWindow) {
        this.dataLossWindow = dataLossWindow;
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

    public java.util.List<HealthSignal> getBaseline() {
        return baseline;
    }

    public void setBaseline(java.util.List<HealthSignal> baseline) {
        this.baseline = baseline;
    }

    public String getBaselineTime() {
        return baselineTime;
    }

    public void setBaselineTime(String baselineTime) {
        this.baselineTime = baselineTime;
    }

    public java.util.List<SignalChanges> getSignalChanges() {
        return signalChanges;
    }

    public void setSignalChanges(java.util.List<SignalChanges> signalChanges) {
        this.signalChanges = signalChanges == null ? new java.util.ArrayList<>() : signalChanges;
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

    @Override
    @JsonPropertyDescription("Soaked (True once the soak stayed green), RollbackRecommended (True while Unhealthy with a rollback point; the message holds the command) and AutoRollback (whether the sidecar filed the rollback itself), in the shape of metav1.Condition, one per type.")
    public List<Condition> getConditions() {
        return super.getConditions();
    }
}
