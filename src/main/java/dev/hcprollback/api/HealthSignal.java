package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One red signal in a record's evidence: its name ({@code Degraded}, {@code DeploymentUnavailable},
 * ...), since when it is red (RFC 3339), how long it may stay red ({@code 10m}) and what it says;
 * whether it was red before the update started ({@code preExisting}, saying how that is known), how
 * many replicas a Deployment is short ({@code missing}) and how often it changed state in the flapping
 * window ({@code changes}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthSignal {

    @JsonPropertyDescription("The signal, e.g. Degraded, DeploymentUnavailable.")
    private String name;
    @JsonPropertyDescription("The object it concerns, when not the HostedCluster itself, e.g. Deployment kube-apiserver.")
    private String object;
    @JsonPropertyDescription("Since when it is red (RFC 3339).")
    private String since;
    @JsonPropertyDescription("How long it may stay red before the update is judged Unhealthy, e.g. 10m.")
    private String threshold;
    @JsonPropertyDescription("What the signal says.")
    private String message;
    @JsonPropertyDescription("Set when the signal was already red before the update started and is no worse: how that is known (a condition's lastTransitionTime, the baseline taken at the update's start). Such a signal never makes the update Unhealthy.")
    private String preExisting;
    @JsonPropertyDescription("For DeploymentUnavailable: how many replicas are short of those wanted.")
    private Integer missing;
    @JsonPropertyDescription("How often the signal changed between red and green within hcp-rollback.update.flap-window; above flap-changes it is flapping.")
    private Integer changes;

    public HealthSignal() {
    }

    public HealthSignal(String name, String object, String since, String threshold, String message) {
        this.name = name;
        this.object = object;
        this.since = since;
        this.threshold = threshold;
        this.message = message;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getObject() {
        return object;
    }

    public void setObject(String object) {
        this.object = object;
    }

    public String getSince() {
        return since;
    }

    public void setSince(String since) {
        this.since = since;
    }

    public String getThreshold() {
        return threshold;
    }

    public void setThreshold(String threshold) {
        this.threshold = threshold;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getPreExisting() {
        return preExisting;
    }

    public void setPreExisting(String preExisting) {
        this.preExisting = preExisting;
    }

    public Integer getMissing() {
        return missing;
    }

    public void setMissing(Integer missing) {
        this.missing = missing;
    }

    public Integer getChanges() {
        return changes;
    }

    public void setChanges(Integer changes) {
        this.changes = changes;
    }

    @Override
    public String toString() {
        return name + (object == null ? "" : " of " + object) + " since " + since;
    }
}
