package dev.hcprollback.hypershift;

import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Condition;

/**
 * The hypershift-operator's own check of a release change, before it rolls anything out: its {@code isUpgrading}
 * (openshift/hypershift, hypershift-operator/controllers/hostedcluster/hostedcluster_controller.go, read at commit
 * 3ee9615567). While it refuses, the operator reconciles nothing else of the cluster (its log says "reconciliation
 * is blocked") and reports {@code Progressing=False}, reason {@code Blocked}, message
 * {@code "ClusterVersionUpgradeable condition is false: <refusal>"}. In its order:
 * <ol>
 * <li>no {@code status.version}, or {@code status.version.desired.image} already the control-plane payload
 * ({@code spec.controlPlaneRelease.image}, else {@code spec.release.image}): no change, nothing to refuse;</li>
 * <li>{@code ClusterVersionUpgradeable} absent or True: accepted;</li>
 * <li>{@code hypershift.openshift.io/force-upgrade-to} present: accepted when it names exactly the control-plane
 * payload, else refused ("force upgrade annotation is present but does not match desired release image");</li>
 * <li>{@code spec.controlPlaneRelease} set: accepted (counted as forced);</li>
 * <li>{@code status.version.desired.version} not a semantic version: refused;</li>
 * <li>same major and minor as the requested payload's version (a z-stream, older or newer): accepted;</li>
 * <li>else refused ("cluster version is not upgradeable").</li>
 * </ol>
 * The operator never removes {@code force-upgrade-to}: after a forced update it names the updated payload for good.
 */
public final class ReleaseChangeCheck {

    /** Lets a release change through while ClusterVersionUpgradeable is not True; names one payload pull spec. */
    public static final String FORCE_UPGRADE_TO = HostedCluster.GROUP + "/force-upgrade-to";
    public static final String UPGRADEABLE = "ClusterVersionUpgradeable";
    /** The reason of {@code Progressing=False} while the operator refuses a change. */
    public static final String BLOCKED = "Blocked";

    private ReleaseChangeCheck() {
    }

    /**
     * Why HyperShift would refuse to roll out {@code cluster}'s control-plane payload, as its spec, annotations and
     * status stand; empty when it accepts (or there is no change).
     *
     * @param requested the version of the control-plane payload the spec names (HyperShift reads it from the payload)
     */
    public static Optional<String> refusal(HostedCluster cluster, Optional<ReleaseVersion> requested) {
        HostedClusterSpec spec = cluster.getSpec();
        String wanted = controlPlaneImage(spec);
        VersionStatus version = cluster.getStatus() == null ? null : cluster.getStatus().getVersion();
        if (version == null || version.getDesired() == null || java.util.Objects.equals(version.getDesired().getImage(), wanted)) {
            return Optional.empty();
        }
        Optional<Condition> upgradeable = cluster.getStatus().condition(UPGRADEABLE);
        if (upgradeable.isEmpty() || "True".equals(upgradeable.get().getStatus())) {
            return Optional.empty();
        }
        Map<String, String> annotations = cluster.getMetadata() == null ? null : cluster.getMetadata().getAnnotations();
        if (annotations != null && annotations.get(FORCE_UPGRADE_TO) != null) {
            return annotations.get(FORCE_UPGRADE_TO).equals(wanted) ? Optional.empty()
                    : Optional.of("force upgrade annotation is present but does not match desired release image");
        }
        if (spec.getControlPlaneRelease() != null) {
            return Optional.empty();
        }
        String current = version.getDesired().getVersion();
        Optional<ReleaseVersion> currentTarget = ReleaseVersion.parse(current);
        if (currentTarget.isEmpty()) {
            return Optional.of("cluster is " + UPGRADEABLE + "=" + upgradeable.get().getStatus() + ", and failed to parse "
                    + "the current target " + current + " as a Semantic Version");
        }
        if (requested.isEmpty()) {
            return Optional.of("failed to parse release image version");
        }
        return requested.get().major() == currentTarget.get().major() && requested.get().minor() == currentTarget.get().minor()
                ? Optional.empty()
                : Optional.of("cluster version is not upgradeable");
    }

    /** The payload HyperShift rolls the control plane to: {@code spec.controlPlaneRelease.image}, else {@code spec.release.image}. */
    public static String controlPlaneImage(HostedClusterSpec spec) {
        if (spec == null) {
            return null;
        }
        if (spec.getControlPlaneRelease() != null && spec.getControlPlaneRelease().getImage() != null) {
            return spec.getControlPlaneRelease().getImage();
        }
        return spec.getRelease() == null ? null : spec.getRelease().getImage();
    }
}
