package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;

import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.VersionStatus;

/**
 * Verify: waits for the HostedCluster to report the target payload as desired and Completed,
 * {@code Available=True} and {@code Degraded} not True.
 */
public final class VerifyStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) {
        RollbackPlan plan = run.plan();
        HostedCluster cluster = run.cluster;
        List<String> missing = new ArrayList<>();
        VersionStatus version = cluster.getStatus() == null ? null : cluster.getStatus().getVersion();
        String desired = version == null || version.getDesired() == null ? null : version.getDesired().getImage();
        if (!reports(plan, plan.getToReleaseImage(), version == null ? null : version.getDesired())) {
            missing.add("status.version.desired is " + desired);
        }
        UpdateHistory newest = cluster.versionHistory().isEmpty() ? null : cluster.versionHistory().get(0);
        if (newest == null || !reports(plan, plan.getToReleaseImage(), newest) || !newest.isCompleted()) {
            missing.add(plan.getToVersion() + " is not the newest Completed history entry");
        }
        if (plan.getToControlPlaneReleaseImage() != null && !cluster.controlPlaneVersionHistory().isEmpty()) {
            UpdateHistory cp = cluster.controlPlaneVersionHistory().get(0);
            if (!reports(plan, plan.getToControlPlaneReleaseImage(), cp) || !cp.isCompleted()) {
                missing.add("the control-plane payload is not Completed");
            }
        }
        if (!run.conditionStatus("Available").equals("True")) {
            missing.add("Available is not True");
        }
        if (run.conditionStatus("Degraded").equals("True")) {
            missing.add("Degraded is True");
        }
        if (!missing.isEmpty()) {
            return new Outcome.Wait(plan.getToVersion() + " to be Completed and Available (" + String.join("; ", missing) + ")");
        }
        return new Outcome.Done(plan.getToVersion() + " Completed, Available, not Degraded");
    }

    /** A status entry reports the planned payload: by digest, else by version (PayloadIdentity). */
    private static boolean reports(RollbackPlan plan, String plannedImage, UpdateHistory entry) {
        PayloadIdentity planned = PayloadIdentity.of(new PayloadImage(plannedImage), ReleaseVersion.parse(plan.getToVersion()));
        return entry != null && entry.payload().map(planned::isSamePayloadAs).orElse(false);
    }
}
