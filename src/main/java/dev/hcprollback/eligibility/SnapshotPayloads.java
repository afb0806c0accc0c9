package dev.hcprollback.eligibility;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.KnownPayload;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;

/**
 * What a snapshot is evidence of: which cluster it may back (provenance) and which payloads it was
 * taken of, as {@link PayloadIdentity} (by digest whatever the spelling, else by version). The one
 * place these are decided; {@link ControlPlaneSnapshot} itself is plain data.
 */
public final class SnapshotPayloads {

    private SnapshotPayloads() {
    }

    /**
     * Whether {@code snapshot} may back a rollback of {@code cluster}: it names the cluster and recorded
     * the cluster's uid when it was taken. A snapshot without a recorded uid (taken before hcp-rollback
     * recorded uids) backs nothing: its provenance cannot be checked.
     */
    public static boolean backs(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
        return snapshot.belongsTo(cluster) && status != null && status.getHostedClusterUid() != null
                && status.getHostedClusterUid().equals(cluster.getMetadata().getUid());
    }

    /** The {@code release} payload the snapshot was taken of; empty when it records none. */
    public static Optional<PayloadIdentity> releasePayload(ControlPlaneSnapshot snapshot) {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
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
    public static Optional<PayloadIdentity> controlPlaneReleasePayload(ControlPlaneSnapshot snapshot) {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
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

    /** The digests {@code snapshot} recorded with their versions: evidence of what a digest is. */
    public static List<KnownPayload> knownPayloads(ControlPlaneSnapshot snapshot) {
        return Stream.of(releasePayload(snapshot), controlPlaneReleasePayload(snapshot)).flatMap(Optional::stream)
                .filter(p -> p.digest().isPresent() && p.version().isPresent())
                .map(p -> new KnownPayload(p.digest().get(), p.version().get(), "snapshot " + snapshot.getMetadata().getName()))
                .toList();
    }

    /**
     * True when {@code snapshot} was taken of the same payloads: by digest whatever the repository, else
     * by version. No control-plane override on both sides counts as the same; an override on one side
     * only does not.
     */
    public static boolean isOfPayload(ControlPlaneSnapshot snapshot, PayloadIdentity release,
            Optional<PayloadIdentity> controlPlaneRelease) {
        Optional<PayloadIdentity> mine = controlPlaneReleasePayload(snapshot);
        boolean controlPlaneMatches = controlPlaneRelease.isEmpty() ? mine.isEmpty()
                : mine.map(controlPlaneRelease.get()::isSamePayloadAs).orElse(false);
        return releasePayload(snapshot).map(release::isSamePayloadAs).orElse(false) && controlPlaneMatches;
    }

    /** True when {@code snapshot} was taken of the payloads {@code cluster} names now (see {@link #isOfPayload}). */
    public static boolean isOfCurrentPayloadOf(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        return cluster.releaseImage().map(release -> isOfPayload(snapshot, cluster.identify(release),
                cluster.controlPlaneReleaseImage().map(cluster::identify))).orElse(false);
    }
}
