package dev.hcprollback.rollback;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.fabric8.kubernetes.api.model.Condition;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ControlPlaneRollbackStatus {

    private RollbackPhase phase;
    private String fromVersion;
    private String fromReleaseImage;
    private String toReleaseImage;
    private String toControlPlaneReleaseImage;
    /** The step in progress, or the one that failed. */
    private String currentStep;
    private List<RollbackStep> steps = new ArrayList<>();
    private String startTime;
    private String completionTime;
    /** What happened last, and on failure the next manual step. */
    private String message;
    private Long observedGeneration;
    private List<Condition> conditions = new ArrayList<>();

    public RollbackPhase getPhase() {
        return phase;
    }

    public void setPhase(RollbackPhase phase) {
        this.phase = phase;
    }

    public String getFromVersion() {
        return fromVersion;
    }

    public void setFromVersion(String fromVersion) {
        this.fromVersion = fromVersion;
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

    public String getToControlPlaneReleaseImage() {
        return toControlPlaneReleaseImage;
    }

    public void setToControlPlaneReleaseImage(String toControlPlaneReleaseImage) {
        this.toControlPlaneReleaseImage = toControlPlaneReleaseImage;
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

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions == null ? new ArrayList<>() : conditions;
    }
}
