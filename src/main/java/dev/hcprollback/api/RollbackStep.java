package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One step of a rollback as the status records it, written before the step acts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollbackStep {

    @JsonPropertyDescription("Pause, Stage, Quiesce, Swap, StartEtcd, Revert, Resume or Verify.")
    private String name;
    @JsonPropertyDescription("Running, Succeeded or Failed.")
    private RollbackPhase phase;
    @JsonPropertyDescription("When it started (RFC 3339).")
    private String startTime;
    @JsonPropertyDescription("When it ended (RFC 3339).")
    private String completionTime;
    @JsonPropertyDescription("What it did, or why it failed.")
    private String message;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public RollbackPhase getPhase() {
        return phase;
    }

    public void setPhase(RollbackPhase phase) {
        this.phase = phase;
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
}
