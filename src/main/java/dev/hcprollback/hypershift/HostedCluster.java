package dev.hcprollback.hypershift;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonIgnore;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * HyperShift's HostedCluster, reduced to the fields hcp-rollback reads and writes. Everything else
 * is carried along untouched (see {@link KeepsUnknownFields}); the CRD itself belongs to HyperShift.
 */
@Group(HostedCluster.GROUP)
@Version("v1beta1")
@Kind("HostedCluster")
@Plural("hostedclusters")
@ShortNames({ "hc", "hcs" })
public class HostedCluster extends CustomResource<HostedClusterSpec, HostedClusterStatus> implements Namespaced {

    public static final String GROUP = "hypershift.openshift.io";
    /** Replaces images of the release payload (a debugging lever that can run an older control plane). */
    public static final String IMAGE_OVERRIDES = GROUP + "/image-overrides";
    /** Replaces the control-plane operator's image (as above). */
    public static final String CONTROL_PLANE_OPERATOR_IMAGE = GROUP + "/control-plane-operator-image";
    public static final java.util.List<String> IMAGE_ANNOTATIONS = java.util.List.of(IMAGE_OVERRIDES,
            CONTROL_PLANE_OPERATOR_IMAGE);

    /** The image override annotations this cluster sets, by key. */
    @JsonIgnore
    public java.util.Map<String, String> imageAnnotations() {
        java.util.Map<String, String> found = new java.util.TreeMap<>();
        if (getMetadata() != null && getMetadata().getAnnotations() != null) {
            IMAGE_ANNOTATIONS.forEach(key -> Optional.ofNullable(getMetadata().getAnnotations().get(key))
                    .ifPresent(value -> found.put(key, value)));
        }
        return found;
    }

    @JsonIgnore
    public Optional<PayloadImage> releaseImage() {
        return Optional.ofNullable(getSpec()).map(HostedClusterSpec::getRelease).map(Release::getImage)
                .flatMap(PayloadImage::of);
    }

    @JsonIgnore
    public Optional<PayloadImage> controlPlaneReleaseImage() {
        return Optional.ofNullable(getSpec()).map(HostedClusterSpec::getControlPlaneRelease).map(Release::getImage)
                .flatMap(PayloadImage::of);
    }

    @JsonIgnore
    public List<UpdateHistory> versionHistory() {
        return Optional.ofNullable(getStatus()).map(HostedClusterStatus::getVersion).map(VersionStatus::getHistory)
                .orElse(List.of());
    }

    @JsonIgnore
    public List<UpdateHistory> controlPlaneVersionHistory() {
        return Optional.ofNullable(getStatus()).map(HostedClusterStatus::getControlPlaneVersion)
                .map(VersionStatus::getHistory).orElse(List.of());
    }

    /**
     * The version of a payload as far as this cluster knows it: for a pull spec without a digest, from
     * its tag; for one with a digest, from any desired or history entry of either release field that
     * names the same digest, whatever its repository. Empty when the cluster has never reported it.
     */
    public Optional<ReleaseVersion> versionOf(PayloadImage image) {
        if (image.digest().isEmpty()) {
            return image.versionFromTag();
        }
        return KnownPayload.versionOf(image, knownPayloads());
    }

    /** Every digest the cluster's status names with a version: desired and history entries of both release fields. */
    @JsonIgnore
    public List<KnownPayload> knownPayloads() {
        return reportedPayloads()
                .flatMap(entry -> PayloadImage.of(entry.getImage()).flatMap(PayloadImage::digest)
                        .flatMap(digest -> ReleaseVersion.parse(entry.getVersion())
                                .map(version -> new KnownPayload(digest, version, "the version history")))
                        .stream())
                .toList();
    }

    /** The identity of a payload this cluster names: its digest and the version the cluster knows for it. */
    public PayloadIdentity identify(PayloadImage image) {
        return PayloadIdentity.of(image, versionOf(image));
    }

    /**
     * Like {@link #identify}, and for a pull spec without a digest the digest of the status entry that
     * reports the same version (HyperShift reports what it resolved): what a snapshot records.
     */
    public PayloadIdentity identifyWithHistory(PayloadImage image) {
        Optional<ReleaseVersion> version = versionOf(image);
        Optional<String> digest = image.digest().or(() -> version.flatMap(v -> knownPayloads().stream()
                .filter(known -> known.version().equals(v)).map(KnownPayload::digest).findFirst()));
        return new PayloadIdentity(image, digest, version);
    }

    private Stream<UpdateHistory> reportedPayloads() {
        Optional<HostedClusterStatus> status = Optional.ofNullable(getStatus());
        Stream<VersionStatus> statuses = Stream.concat(status.map(HostedClusterStatus::getVersion).stream(),
                status.map(HostedClusterStatus::getControlPlaneVersion).stream());
        return statuses.flatMap(s -> Stream.concat(Stream.ofNullable(s.getDesired()), s.getHistory().stream()));
    }

    /** {@code <namespace>-<name with '.' replaced by '-'>}, where HyperShift runs this cluster's control plane. */
    @JsonIgnore
    public String controlPlaneNamespace() {
        return getMetadata().getNamespace() + "-" + getMetadata().getName().replace('.', '-');
    }

    @JsonIgnore
    public boolean isConditionTrue(String type) {
        return getStatus() != null && getStatus().isConditionTrue(type);
    }
}
