package dev.hcprollback.hypershift;

import java.util.List;
import java.util.Optional;

/**
 * The two spec fields that choose a payload. {@code controlPlaneRelease} overrides {@code release}
 * for control-plane components when set, so its effective image falls back to {@code release}.
 */
public enum ReleaseField {

    RELEASE("spec.release.image") {
        @Override
        public Optional<PayloadImage> effectiveImage(HostedCluster cluster) {
            return cluster.releaseImage();
        }

        @Override
        public List<UpdateHistory> history(HostedCluster cluster) {
            return cluster.versionHistory();
        }
    },
    CONTROL_PLANE_RELEASE("spec.controlPlaneRelease.image") {
        @Override
        public Optional<PayloadImage> effectiveImage(HostedCluster cluster) {
            return cluster.controlPlaneReleaseImage().or(cluster::releaseImage);
        }

        @Override
        public List<UpdateHistory> history(HostedCluster cluster) {
            List<UpdateHistory> controlPlane = cluster.controlPlaneVersionHistory();
            // HyperShift releases before status.controlPlaneVersion only report status.version
            return controlPlane.isEmpty() ? cluster.versionHistory() : controlPlane;
        }
    };

    private final String path;

    ReleaseField(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    public abstract Optional<PayloadImage> effectiveImage(HostedCluster cluster);

    /** The history that records rollouts of this field's payload, newest first. */
    public abstract List<UpdateHistory> history(HostedCluster cluster);
}
