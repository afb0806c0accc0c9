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
     * The version of a payload: from its tag, or for a digest from any history or desired entry that
     * names the same pull spec. Empty when the cluster has never reported it.
     */
    public Optional<ReleaseVersion> versionOf(PayloadImage image) {
        return image.versionFromTag().or(() -> reportedPayloads()
                .filter(entry -> image.pullSpec().equals(entry.getImage()))
                .map(UpdateHistory::getVersion)
                .map(ReleaseVersion::parse)
                .flatMap(Optional::stream)
                .findFirst());
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
