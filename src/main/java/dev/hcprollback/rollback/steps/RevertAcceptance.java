package dev.hcprollback.rollback.steps;

import static dev.hcprollback.rollback.steps.Preflight.HYPERSHIFT_ACCEPTS_REVERT;
import static dev.hcprollback.rollback.steps.Preflight.REVERT_ADMISSION;

import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.ReleaseVersion;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The preflight's items on the revert patch, checked at the plan and again right before the point of no return: the
 * API server's admission chain takes it ({@code revertAdmission}) and the hypershift-operator will roll it out
 * ({@code hyperShiftAcceptsRevert}).
 */
final class RevertAcceptance {

    private RevertAcceptance() {
    }

    /**
     * The revert patch, sent as a server-side dry run ({@code dryRun=All}): it passes the same admission
     * chain (the payload gate included) the real patch will, and changes nothing.
     */
    static PreflightCheck revertAdmission(RollbackRun run, RollbackPlan plan) {
        HostedCluster cluster = run.cluster;
        try {
            run.client.resources(HostedCluster.class).inNamespace(run.ns()).withName(cluster.getMetadata().getName())
                    .dryRun().patch(PatchContext.of(PatchType.JSON_MERGE), RollbackRun.revertPatch(plan).toString());
            return new PreflightCheck(REVERT_ADMISSION, true, "the payload patch to " + plan.getToVersion()
                    + " passes admission (server-side dry run)");
        } catch (KubernetesClientException e) {
            if (!RevertStep.refusal(e)) {
                throw e;
            }
            return new PreflightCheck(REVERT_ADMISSION, false, "the API server refuses the payload patch to "
                    + plan.getToVersion() + " (" + e.getCode() + "): " + RevertStep.reason(e));
        }
    }

    /**
     * The hypershift-operator will roll the reverted payload out: its own check of a release change
     * ({@link ReleaseChangeCheck}), applied to the cluster as the revert patch leaves it ({@code force-upgrade-to}
     * removed, the plan's payload) and its status now. A refusal there would leave the restored cluster on the newer
     * payload's spec with reconciliation blocked; HyperShift's release-image validation (the payload can be looked up,
     * no y-stream downgrade, a minor the operator supports) is not predicted here: the eligibility rules keep the
     * minor, and Verify reports a {@code ValidReleaseImage=False}.
     */
    static PreflightCheck hyperShiftAcceptsRevert(RollbackRun run, RollbackPlan plan) {
        HostedCluster after = run.client.getKubernetesSerialization().clone(run.cluster);
        after.getSpec().setRelease(Release.of(plan.getToReleaseImage()));
        if (plan.getToControlPlaneReleaseImage() != null) {
            after.getSpec().setControlPlaneRelease(Release.of(plan.getToControlPlaneReleaseImage()));
        }
        String forced = after.getMetadata().getAnnotations() == null ? null
                : after.getMetadata().getAnnotations().remove(ReleaseChangeCheck.FORCE_UPGRADE_TO);
        String upgradeable = run.conditionStatus(ReleaseChangeCheck.UPGRADEABLE);
        String facts = ReleaseChangeCheck.UPGRADEABLE + " is " + upgradeable
                + (forced == null ? "" : "; the revert removes " + ReleaseChangeCheck.FORCE_UPGRADE_TO + " (" + forced
                        + "), which would otherwise refuse it");
        return ReleaseChangeCheck.refusal(after, ReleaseVersion.parse(plan.getToVersion()))
                .map(refusal -> new PreflightCheck(HYPERSHIFT_ACCEPTS_REVERT, false, "the hypershift-operator would refuse "
                        + "the payload change to " + plan.getToVersion() + " (\"" + refusal + "\") and block reconciliation: "
                        + facts))
                .orElseGet(() -> new PreflightCheck(HYPERSHIFT_ACCEPTS_REVERT, true, "the hypershift-operator accepts the "
                        + "payload change to " + plan.getToVersion() + ": " + facts));
    }
}
