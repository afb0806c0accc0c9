package dev.hcprollback.webhook;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedControlPlane;

/**
 * Admission rule for HostedControlPlane: its {@code spec.releaseImage} and {@code spec.controlPlaneReleaseImage}
 * are what the control-plane operator rolls out, copied there by the HyperShift operator from the
 * HostedCluster. Whoever else writes them goes around every rule of the HostedCluster gate, so only the
 * HyperShift operator and the sidecar may.
 */
@ApplicationScoped
public class HostedControlPlaneGuard {

    @Inject
    HcpRollbackConfig config;

    /** {@code before} is null on CREATE. */
    public Verdict judge(AdmissionCall call, HostedControlPlane before, HostedControlPlane after) {
        List<String> changed = new ArrayList<>();
        changed(before, after, "spec.releaseImage", HostedControlPlane.Spec::getReleaseImage).ifPresent(changed::add);
        changed(before, after, "spec.controlPlaneReleaseImage", HostedControlPlane.Spec::getControlPlaneReleaseImage)
                .ifPresent(changed::add);
        if (changed.isEmpty()) {
            return Verdict.allow(Rule.HCP_NO_RELEASE_CHANGE, call.operation() + " changes no release image");
        }
        String user = call.requester().username();
        String operator = config.hypershift().operatorServiceAccount();
        if (user.equals(operator) || user.equals(config.serviceAccount())) {
            return Verdict.allow(Rule.HCP_RELEASE_BY_HYPERSHIFT, String.join("; ", changed) + " by " + user);
        }
        return Verdict.deny(Rule.HCP_RELEASE_WRITER, "HostedControlPlane " + call.namespace() + "/" + call.name() + ": "
                + String.join("; ", changed) + ". Only the HyperShift operator (" + operator + ") and hcp-rollback ("
                + config.serviceAccount() + ") write the release images of a HostedControlPlane; change the HostedCluster's "
                + "spec.release or spec.controlPlaneRelease instead, where the rollback rules apply.");
    }

    /** Any edit of the text counts, even one naming the same payload: these fields are HyperShift's alone. */
    private static Optional<String> changed(HostedControlPlane before, HostedControlPlane after, String path,
            Function<HostedControlPlane.Spec, String> field) {
        String old = before == null || before.getSpec() == null ? null : field.apply(before.getSpec());
        String now = after == null || after.getSpec() == null ? null : field.apply(after.getSpec());
        if (Objects.equals(old, now)) {
            return Optional.empty();
        }
        return Optional.of(path + " " + (old == null ? "set to " + now
                : now == null ? "removed (was " + old + ")" : "changed from " + old + " to " + now));
    }
}
