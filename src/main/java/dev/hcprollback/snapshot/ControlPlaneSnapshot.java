package dev.hcprollback.snapshot;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonIgnore;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.KnownPayload;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
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

    /**
     * Whether this snapshot may back a rollback of {@code cluster}: it names the cluster and recorded the
     * cluster's uid when it was taken. A snapshot without a recorded uid (taken before hcp-rollback
     * recorded uids) backs nothing: its provenance cannot be checked.
     */
    @JsonIgnore
    public boolean backs(HostedCluster cluster) {
        return belongsTo(cluster) && getStatus() != null && getStatus().getHostedClusterUid() != null
                && getStatus().getHostedClusterUid().equals(cluster.getMetadata().getUid());
    }

    /** The {@code release} payload the snapshot was taken of; empty when it records none. */
    @JsonIgnore
    public Optional<PayloadIdentity> releasePayload() {
        ControlPlaneSnapshotStatus status = getStatus();
        if (status == null) {
            return Optional.empty();
        }
        // snapshots from before the per-field versions recorded one version: that of release when no override is set
        Optional<String> version = Optional.ofNullable(status.getReleaseVersion())
                .or(() -> status.getControlPlaneReleaseImage() == null ? Optional.ofNullable(status.getVersion())
                        : Optional.empty());
        return identity(status.getReleaseImage(), status.getReleaseDigest(), version);
    }

    /** The {@code controlPlaneRelease} payload the snapshot was taken of; empty when the cluster set none. */
    @JsonIgnore
    public Optional<PayloadIdentity> controlPlaneReleasePayload() {
        ControlPlaneSnapshotStatus status = getStatus();
        if (status == null) {
            return Optional.empty();
        }
        return identity(status.getControlPlaneReleaseImage(), status.getControlPlaneReleaseDigest(),
                Optional.ofNullable(status.getControlPlaneReleaseVersion()).or(() -> Optional.ofNullable(status.getVersion())));
    }

    private static Optional<PayloadIdentity> identity(String image, String digest, Optional<String> version) {
        return PayloadImage.of(image).map(pullSpec -> new PayloadIdentity(pullSpec,
                pullSpec.digest().or(() -> Optional.ofNullable(digest)), version.flatMap(ReleaseVersion::parse)));
    }

    /** The digests this snapshot recorded with their versions: evidence of what a digest is. */
    @JsonIgnore
    public List<KnownPayload> knownPayloads() {
        return Stream.of(releasePayload(), controlPlaneReleasePayload()).flatMap(Optional::stream)
                .filter(p -> p.digest().isPresent() && p.version().isPresent())
                .map(p -> new KnownPayload(p.digest().get(), p.version().get(), "snapshot " + getMetadata().getName()))
                .toList();
    }

    /**
     * True when this snapshot was taken of the same payloads, compared through {@link PayloadIdentity}:
     * by digest whatever the repository, else by version. No control-plane override on both sides counts
     * as the same; an override on one side only does not.
     */
    public boolean isOfPayload(PayloadIdentity release, Optional<PayloadIdentity> controlPlaneRelease) {
        Optional<PayloadIdentity> mine = controlPlaneReleasePayload();
        boolean controlPlaneMatches = controlPlaneRelease.isEmpty() ? mine.isEmpty()
                : mine.map(controlPlaneRelease.get()::isSamePayloadAs).orElse(false);
        return releasePayload().map(release::isSamePayloadAs).orElse(false) && controlPlaneMatches;
    }

    /** True when this snapshot was taken of the payloads {@code cluster} names now (see {@link #isOfPayload}). */
    public boolean isOfCurrentPayloadOf(HostedCluster cluster) {
        return cluster.releaseImage().map(release -> isOfPayload(cluster.identify(release),
                cluster.controlPlaneReleaseImage().map(cluster::identify))).orElse(false);
    }

    @JsonIgnore
    public Optional<Instant> completedAt() {
        return Optional.ofNullable(getStatus()).map(ControlPlaneSnapshotStatus::getCompletionTime).map(Instant::parse);
    }
}
