package dev.hcprollback.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A verified etcd snapshot of one hosted control plane, tagged with the payload it belongs to. */
@JsonClassDescription("A verified etcd snapshot of one hosted control plane, tagged with the payload it belongs to; only verified snapshots back a rollback. Kept fresh by the sidecar (Scheduled), asked for by release tooling before a forced update (PreUpgrade) or by hand (Manual).")
@Group(ControlPlaneSnapshot.GROUP)
@Version("v1alpha1")
@Kind("ControlPlaneSnapshot")
@Plural("controlplanesnapshots")
@Categories(ControlPlaneSnapshot.CATEGORY)
@ShortNames("cpsnap")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.hostedClusterName", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The HostedCluster snapshotted.")
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.version", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The control-plane version the snapshot belongs to.")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".spec.reason", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Scheduled, PreUpgrade or Manual.")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Pending, Running, Succeeded or Failed.")
@AdditionalPrinterColumn(name = "Verified", jsonPath = ".status.verified", type = AdditionalPrinterColumn.Type.BOOLEAN,
        getDescription = "Read back from storage with a matching SHA-256: only these back a rollback.")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE,
        getDescription = "Time since the record was created.")
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.sizeBytes", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1,
        getDescription = "Bytes stored.")
@AdditionalPrinterColumn(name = "Revision", jsonPath = ".status.etcdRevision", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1,
        getDescription = "etcd revision at the snapshot.")
@AdditionalPrinterColumn(name = "Failure", jsonPath = ".status.failureReason", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "Why the last attempt failed.")
@AdditionalPrinterColumn(name = "Location", jsonPath = ".status.location", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "Where it is stored.")
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
    @JsonPropertyDescription("The request, fixed once created.")
    public ControlPlaneSnapshotSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the sidecar observed while taking and verifying the snapshot; only the sidecar writes it.")
    public ControlPlaneSnapshotStatus getStatus() {
        return super.getStatus();
    }

    public static final String GROUP = "rollback.hypershift.openshift.io";
    /** The category of every kind of ours: {@code kubectl get hcp-rollback} lists them all. */
    public static final String CATEGORY = "hcp-rollback";

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
