package dev.hcprollback.snapshot;

import io.fabric8.generator.annotation.Required;

public class ControlPlaneSnapshotSpec {

    /** The HostedCluster, in this object's namespace, whose control-plane etcd is snapshotted. */
    @Required
    private String hostedClusterName;

    @Required
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
