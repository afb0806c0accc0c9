package dev.hcprollback.rollback.steps;

import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.hypershift.HostedClusterSpec;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.Release;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Revert: merge-patches {@code spec.release.image} (and {@code spec.controlPlaneRelease.image} when
 * set) to the snapshot's payload. The same patch passed admission as a server-side dry run in the
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
        if (!releaseDone || !controlPlaneDone) {
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
                : " and spec.controlPlaneRelease.image") + " set to " + plan.getToVersion());
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
