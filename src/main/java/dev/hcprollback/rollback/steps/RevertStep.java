package dev.hcprollback.rollback.steps;

import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.hypershift.HostedClusterSpec;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.RestoreRecovery;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Revert: merge-patches {@code spec.release.image} (and {@code spec.controlPlaneRelease.image} when
 * set) to the snapshot's payload, removes {@code force-upgrade-to} and, when etcd was restored, sets
 * {@code restored-from-backup} ({@link RollbackRun#revertPatch(RollbackPlan)}). The same patch passed admission as a server-side dry run in the
 * preflight and again right before the point of no return.
 */
public final class RevertStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) throws StepFailure {
        RollbackPlan plan = run.plan();
        HostedClusterSpec spec = run.cluster.getSpec();
        boolean releaseDone = samePayload(plan.getToReleaseImage(), image(spec.getRelease()));
        boolean controlPlaneDone = plan.getToControlPlaneReleaseImage() == null
                || samePayload(plan.getToControlPlaneReleaseImage(), image(spec.getControlPlaneRelease()));
        java.util.Map<String, String> annotations = run.cluster.getMetadata().getAnnotations() == null ? java.util.Map.of()
                : run.cluster.getMetadata().getAnnotations();
        // HyperShift is paused until Resume: nobody but this patch sets or clears these two before then
        boolean annotationsDone = annotations.get(ReleaseChangeCheck.FORCE_UPGRADE_TO) == null
                && (!RollbackRun.restoresEtcd(plan) || annotations.get(RestoreRecovery.ANNOTATION) != null);
        String forced = annotations.get(ReleaseChangeCheck.FORCE_UPGRADE_TO);
        if (!releaseDone || !controlPlaneDone || !annotationsDone) {
            try {
                run.patchCluster(run.revertPatch());
            } catch (KubernetesClientException e) {
                if (refusal(e)) {
                    throw new StepFailure("RevertRejected", "the API server refused the payload patch (" + e.getCode()
                            + "): " + reason(e));
                }
                throw e;
            }
            run.reached("patched:release");
        }
        if (!Boolean.TRUE.equals(run.status().getPointOfNoReturn())) {
            run.status().setPointOfNoReturn(true);
            run.persist();
            run.pointOfNoReturnPassed("the payload was patched back");
        }
        return new Outcome.Done("spec.release.image" + (plan.getToControlPlaneReleaseImage() == null ? ""
                : " and spec.controlPlaneRelease.image") + " set to " + plan.getToVersion()
                + (forced == null ? "" : "; " + ReleaseChangeCheck.FORCE_UPGRADE_TO + " (" + forced + ") removed")
                + (RollbackRun.restoresEtcd(plan) ? "; " + RestoreRecovery.ANNOTATION + " set for HyperShift's post-restore "
                        + "recovery" : ""));
    }

    /** A 4xx answer other than a conflict: the API server (in practice admission) said no. */
    static boolean refusal(KubernetesClientException e) {
        return e.getCode() >= 400 && e.getCode() < 500 && e.getCode() != 409;
    }

    /** The API server's own message (an admission webhook's reason), without the client's request dump. */
    static String reason(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    }

    /** The spec names the planned payload: the same pull spec, or the same digest from any repository. */
    private static boolean samePayload(String planned, String current) {
        PayloadImage wanted = new PayloadImage(planned);
        return PayloadImage.of(current).map(image -> image.equals(wanted) || image.sameDigestAs(wanted)).orElse(false);
    }

    private static String image(Release release) {
        return release == null ? null : release.getImage();
    }
}
