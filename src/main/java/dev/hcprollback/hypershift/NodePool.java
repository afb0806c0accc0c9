package dev.hcprollback.hypershift;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** HyperShift's NodePool: the workers of one HostedCluster, with a payload of their own. */
@Group(HostedCluster.GROUP)
@Version("v1beta1")
@Kind("NodePool")
@Plural("nodepools")
@ShortNames({ "np", "nps" })
public class NodePool extends CustomResource<NodePool.Spec, NodePool.Status> implements Namespaced {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Spec extends KeepsUnknownFields {
        private String clusterName;
        private Release release;

        public String getClusterName() {
            return clusterName;
        }

        public void setClusterName(String clusterName) {
            this.clusterName = clusterName;
        }

        public Release getRelease() {
            return release;
        }

        public void setRelease(Release release) {
            this.release = release;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Status extends KeepsUnknownFields {
        private String version;

        public String getVersion() {
            return version;
        }

        public void setVersion(String version) {
            this.version = version;
        }
    }

    @JsonIgnore
    public Optional<String> clusterName() {
        return Optional.ofNullable(getSpec()).map(Spec::getClusterName);
    }

    /** The version its nodes run or are moving to: the newer of {@code status.version} and the payload tag. */
    @JsonIgnore
    public Optional<ReleaseVersion> version() {
        Optional<ReleaseVersion> reported = Optional.ofNullable(getStatus()).map(Status::getVersion)
                .flatMap(ReleaseVersion::parse);
        Optional<ReleaseVersion> requested = Optional.ofNullable(getSpec()).map(Spec::getRelease)
                .map(Release::getImage).flatMap(PayloadImage::of).flatMap(PayloadImage::versionFromTag);
        if (reported.isPresent() && requested.isPresent()) {
            return Optional.of(reported.get().isNewerThan(requested.get()) ? reported.get() : requested.get());
        }
        return reported.or(() -> requested);
    }
}
