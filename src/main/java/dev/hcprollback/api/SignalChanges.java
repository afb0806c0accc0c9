package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What the watch remembers of one signal between its looks (it keeps nothing in memory): whether the
 * signal was red at the last look, since when, and when it changed between red and green within the
 * flapping window (RFC 3339 times, oldest first).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SignalChanges {

    @JsonPropertyDescription("The signal, e.g. Degraded, DeploymentUnavailable.")
    private String name;
    @JsonPropertyDescription("The object it concerns, when not the HostedCluster itself.")
    private String object;
    @JsonPropertyDescription("Since when it was red at the last look (RFC 3339); absent when it was green.")
    private String redSince;
    @JsonPropertyDescription("When it changed between red and green within the flapping window (RFC 3339), oldest first.")
    private List<String> changes = new ArrayList<>();

    public SignalChanges() {
    }

    public SignalChanges(String name, String object, String redSince, List<String> changes) {
        this.name = name;
        this.object = object;
        this.redSince = redSince;
        setChanges(changes);
    }

    /** The same signal of the same object. */
    public boolean isOf(String name, String object) {
        return Objects.equals(this.name, name) && Objects.equals(this.object, object);
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

    public String getRedSince() {
        return redSince;
    }

    public void setRedSince(String redSince) {
        this.redSince = redSince;
    }

    public List<String> getChanges() {
        return changes;
    }

    public void setChanges(List<String> changes) {
        this.changes = changes == null ? new ArrayList<>() : new ArrayList<>(changes);
    }
}
