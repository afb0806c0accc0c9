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

/**
 * HyperShift's HostedControlPlane, in the control-plane namespace, named like its HostedCluster: the
 * HyperShift operator copies the HostedCluster's payloads into {@code spec.releaseImage} and
 * {@code spec.controlPlaneReleaseImage}, and the control-plane operator rolls out what they name.
 * Only those two fields are modelled; the rest is carried along untouched.
 */
@Group(HostedCluster.GROUP)
@Version("v1beta1")
@Kind("HostedControlPlane")
@Plural("hostedcontrolplanes")
@ShortNames({ "hcp", "hcps" })
public class HostedControlPlane extends CustomResource<HostedControlPlane.Spec, HostedControlPlane.Status>
        implements Namespaced {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Spec extends KeepsUnknownFields {
        private String releaseImage;
        private String controlPlaneReleaseImage;

        public String getReleaseImage() {
            return releaseImage;
        }

        public void setReleaseImage(String releaseImage) {
            this.releaseImage = releaseImage;
        }

        public String getControlPlaneReleaseImage() {
            return controlPlaneReleaseImage;
        }

        public void setControlPlaneReleaseImage(String controlPlaneReleaseImage) {
            this.controlPlaneReleaseImage = controlPlaneReleaseImage;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Status extends KeepsUnknownFields {
    }

    @JsonIgnore
    public Optional<PayloadImage> releaseImage() {
        return Optional.ofNullable(getSpec()).map(Spec::getReleaseImage).flatMap(PayloadImage::of);
    }

    @JsonIgnore
    public Optional<PayloadImage> controlPlaneReleaseImage() {
        return Optional.ofNullable(getSpec()).map(Spec::getControlPlaneReleaseImage).flatMap(PayloadImage::of);
    }
}
