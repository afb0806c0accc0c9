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
        private Integer replicas;
        private java.util.List<Condition> conditions = new java.util.ArrayList<>();

        /** The machines the pool has ({@code status.replicas}); null when HyperShift reported none. */
        public Integer getReplicas() {
            return replicas;
        }

        public void setReplicas(Integer replicas) {
            this.replicas = replicas;
        }

        public java.util.List<Condition> getConditions() {
            return conditions;
        }

        public void setConditions(java.util.List<Condition> conditions) {
            this.conditions = conditions == null ? new java.util.ArrayList<>() : conditions;
        }

        public String getVersion() {
            return version;
        }

        public void setVersion(String version) {
            this.version = version;
        }
    }

    /**
     * A NodePool condition, as HyperShift writes it ({@code type}, {@code status} "True"/"False"/"Unknown",
     * {@code severity}, {@code reason}, {@code message}, {@code lastTransitionTime}, {@code observedGeneration}): not
     * Kubernetes' metav1.Condition, so every field but the four read here is kept as it came.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Condition extends KeepsUnknownFields {
        private String type;
        private String status;
        private String reason;
        private String message;

        public Condition() {
        }

        public Condition(String type, String status, String reason, String message) {
            this.type = type;
            this.status = status;
            this.reason = reason;
            this.message = message;
        }

        public String getType() {
            return type;
        }

        public void setType(String type) {
            this.type = type;
        }

        public String getStatus() {
            return status;
        }

        public void setStatus(String status) {
            this.status = status;
        }

        public String getReason() {
            return reason;
        }

        public void setReason(String reason) {
            this.reason = reason;
        }

        public String getMessage() {
            return message;
        }

        public void setMessage(String message) {
            this.message = message;
        }
    }

    /** The condition of this type in {@code status.conditions}, if reported. */
    @JsonIgnore
    public Optional<Condition> condition(String type) {
        return Optional.ofNullable(getStatus()).stream().flatMap(s -> s.getConditions().stream())
                .filter(c -> type.equals(c.getType())).findFirst();
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
