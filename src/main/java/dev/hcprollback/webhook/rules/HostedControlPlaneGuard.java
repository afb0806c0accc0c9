package dev.hcprollback.webhook.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.HostedControlPlane;
import dev.hcprollback.webhook.review.AdmissionCall;

/**
 * Admission rules for HostedControlPlane: its {@code spec.releaseImage} and {@code spec.controlPlaneReleaseImage}
 * are what the control-plane operator rolls out, copied there by the HyperShift operator from the HostedCluster.
 * Whoever else writes them goes around every rule of the HostedCluster gate, so only the HyperShift operator and
 * the sidecar may.
 *
 * <p>The same holds for the image annotations ({@link HostedCluster#IMAGE_ANNOTATIONS}): the HyperShift operator copies
 * several of them from the HostedCluster to the HostedControlPlane, where the control-plane operator reads them
 * (konnectivity, KMS providers, Portieris, the cluster autoscaler, Karpenter, the OLM catalogs and their registry
 * overrides: mirroredAnnotations in openshift/hypershift
 * hypershift-operator/controllers/hostedcluster/hostedcluster_controller.go, and the CPO image the etcd backup job
 * reads in hypershift-operator/controllers/etcdbackup/reconciler.go, at commit
 * 0004926498e3c5960b2e0644ac23ce7b1c2f457b). Setting one there directly would go around the HostedCluster's
 * image-override rules until HyperShift copies the HostedCluster's value back. The whole list is guarded, not
 * just the keys HyperShift copies today: one list for both kinds, and guarding a key HyperShift does not read from
 * a HostedControlPlane costs HyperShift nothing, since its requests skip the call.
 */
@ApplicationScoped
public class HostedControlPlaneGuard {

    @Inject
    HcpRollbackConfig config;

    /** {@code before} is null on CREATE. */
    public Verdict judge(AdmissionCall call, HostedControlPlane before, HostedControlPlane after) {
        List<String> releases = new ArrayList<>();
        changed(before, after, "spec.releaseImage", HostedControlPlane.Spec::getReleaseImage).ifPresent(releases::add);
        changed(before, after, "spec.controlPlaneReleaseImage", HostedControlPlane.Spec::getControlPlaneReleaseImage)
                .ifPresent(releases::add);
        List<String> annotations = imageAnnotationChanges(before, after);
        if (releases.isEmpty() && annotations.isEmpty()) {
            return Verdict.allow(Rule.HCP_NO_RELEASE_CHANGE, call.operation() + " changes no release image and no image annotation");
        }
        String user = call.requester().username();
        String operator = config.hypershift().operatorServiceAccount();
        String writers = ". Only the HyperShift operator (" + operator + ") and hcp-rollback (" + config.serviceAccount()
                + ") write the ";
        String what = "HostedControlPlane " + call.namespace() + "/" + call.name() + ": ";
        if (user.equals(operator) || user.equals(config.serviceAccount())) {
            List<String> all = new ArrayList<>(releases);
            all.addAll(annotations);
            return Verdict.allow(Rule.HCP_RELEASE_BY_HYPERSHIFT, String.join("; ", all) + " by " + user);
        }
        if (!releases.isEmpty()) {
            return Verdict.deny(Rule.HCP_RELEASE_WRITER, what + String.join("; ", releases) + writers
                    + "release images of a HostedControlPlane; change the HostedCluster's spec.release or "
                    + "spec.controlPlaneRelease instead, where the rollback rules apply.");
        }
        return Verdict.deny(Rule.HCP_IMAGE_ANNOTATION_WRITER, what + String.join("; ", annotations) + writers
                + "image annotations of a HostedControlPlane, which HyperShift copies from the HostedCluster; set them on "
                + "the HostedCluster instead, where the image override rules apply.");
    }

    /** Any edit of the text counts, even one naming the same payload: these fields are HyperShift's alone. */
    private static Optional<String> changed(HostedControlPlane before, HostedControlPlane after, String path,
            Function<HostedControlPlane.Spec, String> field) {
        String old = before == null || before.getSpec() == null ? null : field.apply(before.getSpec());
        String now = after == null || after.getSpec() == null ? null : field.apply(after.getSpec());
        return describe(path, old, now);
    }

    /** Each guarded annotation set, changed or removed, in the order of {@link HostedCluster#IMAGE_ANNOTATIONS}. */
    private static List<String> imageAnnotationChanges(HostedControlPlane before, HostedControlPlane after) {
        Map<String, String> old = before == null ? Map.of() : HostedCluster.imageAnnotationsOf(before.getMetadata());
        Map<String, String> now = after == null ? Map.of() : HostedCluster.imageAnnotationsOf(after.getMetadata());
        return HostedCluster.IMAGE_ANNOTATIONS.stream()
                .flatMap(key -> describe("annotation " + key, old.get(key), now.get(key)).stream()).toList();
    }

    private static Optional<String> describe(String what, String old, String now) {
        if (Objects.equals(old, now)) {
            return Optional.empty();
        }
        return Optional.of(what + " " + (old == null ? "set to " + now
                : now == null ? "removed (was " + old + ")" : "changed from " + old + " to " + now));
    }
}
