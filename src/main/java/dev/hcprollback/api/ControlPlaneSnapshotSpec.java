package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Fixed at creation: the API server refuses any change ({@code x-kubernetes-validations}), and so does the webhook. */
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: it records which cluster the snapshot holds; create a new ControlPlaneSnapshot instead")
public class ControlPlaneSnapshotSpec {

    @Required
    @JsonPropertyDescription("The HostedCluster, in this namespace, whose control-plane etcd is snapshotted.")
    private String hostedClusterName;

    @Required
    @JsonPropertyDescription("Why it is taken: Scheduled (kept fresh by the sidecar), PreUpgrade (by release tooling right before it forces an update; the upgrade gate looks for it) or Manual.")
    private SnapshotReason reason = SnapshotReason.Manual;

    public ControlPlaneSnapshotSpec() {
    }

    public ControlPlaneSnapshotSpec(String hostedClusterName, SnapshotReason reason) {
        this.hostedClusterName = hostedClusterName;
        this.reason = reason;
    }

    public String getHostedClusterName() {
        return hostedClusterName;
    }

    public void setHostedClusterName(String hostedClusterName) {
        this.hostedClusterName = hostedClusterName;
    }

    public SnapshotReason getReason() {
        return reason;
    }

    public void setReason(SnapshotReason reason) {
        this.reason = reason;
    }
}
