package dev.hcprollback.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnore;

import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A verified etcd snapshot of one hosted control plane, tagged with the payload it belongs to. */
@Group(ControlPlaneSnapshot.GROUP)
@Version("v1alpha1")
@Kind("ControlPlaneSnapshot")
@Plural("controlplanesnapshots")
@ShortNames("cpsnap")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.hostedClusterName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.version", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".spec.reason", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Verified", jsonPath = ".status.verified", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.sizeBytes", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ControlPlaneSnapshot extends CustomResource<ControlPlaneSnapshotSpec, ControlPlaneSnapshotStatus>
        implements Namespaced {

    /**
     * Required by the CRD ({@code required: [spec]}): it records which cluster's etcd the snapshot holds, and the
     * snapshot controller acts on it. The spec's own rule ({@code self == oldSelf}) compares an old and a new spec
     * only, so without this a spec could be left out on create or removed later, by the sidecar too, whose writes skip
     * the webhook.
     */
    @Override
    @Required
    public ControlPlaneSnapshotSpec getSpec() {
        return super.getSpec();
    }

    public static final String GROUP = "rollback.hypershift.openshift.io";

    @JsonIgnore
    public boolean belongsTo(HostedCluster cluster) {
        return Objects.equals(getMetadata().getNamespace(), cluster.getMetadata().getNamespace())
                && getSpec() != null && Objects.equals(getSpec().getHostedClusterName(), cluster.getMetadata().getName());
    }

    /** Succeeded and read back from storage with a matching hash: the only kind a rollback may use. */
    @JsonIgnore
    public boolean isVerified() {
        ControlPlaneSnapshotStatus status = getStatus();
        return status != null && status.getPhase() == SnapshotPhase.Succeeded && Boolean.TRUE.equals(status.getVerified());
    }

    @JsonIgnore
    public Optional<Instant> completedAt() {
        return Optional.ofNullable(getStatus()).map(ControlPlaneSnapshotStatus::getCompletionTime).map(Instant::parse);
    }
}
