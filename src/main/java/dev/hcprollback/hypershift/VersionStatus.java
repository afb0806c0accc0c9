package dev.hcprollback.hypershift;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** {@code status.version} and {@code status.controlPlaneVersion}: desired payload and history, newest first. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VersionStatus extends KeepsUnknownFields {

    private UpdateHistory desired;
    private List<UpdateHistory> history = new ArrayList<>();

    public UpdateHistory getDesired() {
        return desired;
    }

    public void setDesired(UpdateHistory desired) {
        this.desired = desired;
    }

    public List<UpdateHistory> getHistory() {
        return history;
    }

    public void setHistory(List<UpdateHistory> history) {
        this.history = history == null ? new ArrayList<>() : history;
    }
}
