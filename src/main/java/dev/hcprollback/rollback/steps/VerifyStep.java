package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;

import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.RestoreRecovery;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.VersionStatus;
import io.fabric8.kubernetes.api.model.Condition;

/**
 * Verify: waits for the HostedCluster to report the target payload as desired and Completed,
 * {@code Available=True} and {@code Degraded} not True; after an etcd restore, for HyperShift's post-restore
 * recovery ({@code HostedClusterRestoredFromBackup=True} since HyperShift was paused for this restore, the annotation removed);
 * and for every NodePool with nodes to report {@code ReachedIgnitionEndpoint=True}. While HyperShift refuses the
 * payload, the wait says why.
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
        hyperShiftRefuses(cluster).ifPresent(missing::add);
        boolean restored = RollbackRun.restoresEtcd(plan);
        if (restored) {
            recoveryPending(cluster, pausedSince(run)).ifPresent(missing::add);
        }
        List<String> notIgnited = nodePoolsWithoutIgnition(run);
        if (!notIgnited.isEmpty()) {
            missing.add("NodePool(s) with nodes not reporting " + RestoreRecovery.REACHED_IGNITION_ENDPOINT + "=True: "
                    + String.join(", ", notIgnited));
        }
        if (!missing.isEmpty()) {
            return new Outcome.Wait(plan.getToVersion() + " to be Completed and Available"
                    + (restored ? " and HyperShift's post-restore recovery finished" : "") + " (" + String.join("; ", missing) + ")");
        }
        return new Outcome.Done(plan.getToVersion() + " Completed, Available, not Degraded"
                + (restored ? "; " + RestoreRecovery.CONDITION + "=True and HyperShift removed " + RestoreRecovery.ANNOTATION : "")
                + "; every NodePool with nodes reports " + RestoreRecovery.REACHED_IGNITION_ENDPOINT);
    }

    /**
     * What the hypershift-operator says when it will not roll the payload out: {@code ValidReleaseImage=False} (it
     * could not look the payload up, or judged it invalid) or {@code Progressing=False} with reason {@code Blocked}
     * (its own upgrade check, {@link ReleaseChangeCheck}). It stays blocked until the cause changes.
     */
    private static java.util.Optional<String> hyperShiftRefuses(HostedCluster cluster) {
        if (cluster.getStatus() == null) {
            return java.util.Optional.empty();
        }
        java.util.Optional<Condition> invalid = cluster.getStatus().condition("ValidReleaseImage")
                .filter(c -> "False".equals(c.getStatus()));
        if (invalid.isPresent()) {
            return java.util.Optional.of("HyperShift refuses the payload: ValidReleaseImage=False (" + invalid.get().getReason()
                    + ": " + invalid.get().getMessage() + ")");
        }
        return cluster.getStatus().condition("Progressing")
                .filter(c -> "False".equals(c.getStatus()) && ReleaseChangeCheck.BLOCKED.equals(c.getReason()))
                .map(c -> "HyperShift blocks the payload change: Progressing=False (Blocked: " + c.getMessage() + ")");
    }

    /**
     * Since when HyperShift could not have moved its condition for anything but this restore: the end of the Pause
     * step, once HyperShift reported its reconciliation paused. From then until Resume it changes nothing of the
     * cluster, and the annotation this rollback's Revert sets comes in between; a transition before then is an earlier
     * restore's. Taking the Pause's end rather than the Revert's start leaves the minutes of the restore between the two
     * as a margin for the clocks of HyperShift and the sidecar disagreeing.
     */
    private static java.util.Optional<java.time.Instant> pausedSince(RollbackRun run) {
        return run.status().step(dev.hcprollback.api.Step.Pause).map(dev.hcprollback.api.RollbackStep::getCompletionTime)
                .flatMap(Timestamps::parse);
    }

    /**
     * HyperShift's recovery after a restore ({@link RestoreRecovery}) is not over: its condition is not True, or the
     * annotation the Revert set is still there (HyperShift removes it once the condition is True), or the True dates
     * from before {@code pausedSince}. HyperShift never removes the condition, and while the HostedCluster or its
     * HostedControlPlane still carries a True from an earlier restore it copies that True as soon as the annotation
     * appears and drops the annotation at once (hostedcluster_controller.go, reconcileRestoredFromBackupWithStatus,
     * at 3ee9615): only a transition time after {@code pausedSince} shows that this restore's recovery finished.
     */
    private static java.util.Optional<String> recoveryPending(HostedCluster cluster, java.util.Optional<java.time.Instant> pausedSince) {
        java.util.Optional<Condition> condition = cluster.getStatus() == null ? java.util.Optional.empty()
                : cluster.getStatus().condition(RestoreRecovery.CONDITION);
        boolean annotated = cluster.getMetadata().getAnnotations() != null
                && cluster.getMetadata().getAnnotations().get(RestoreRecovery.ANNOTATION) != null;
        if (condition.isEmpty()) {
            return java.util.Optional.of(RestoreRecovery.CONDITION + " is not reported: the hosted cluster config operator "
                    + "has not run its post-restore recovery (monitoring stack, prometheus-k8s)");
        }
        if (!"True".equals(condition.get().getStatus())) {
            return java.util.Optional.of(RestoreRecovery.CONDITION + " is " + condition.get().getStatus() + " ("
                    + condition.get().getReason() + ": " + condition.get().getMessage() + "): the hosted cluster config "
                    + "operator's post-restore recovery (monitoring stack, prometheus-k8s) has not finished");
        }
        java.util.Optional<java.time.Instant> since = Timestamps.parse(condition.get().getLastTransitionTime());
        if (pausedSince.isPresent() && (since.isEmpty() || since.get().isBefore(pausedSince.get()))) {
            return java.util.Optional.of(RestoreRecovery.CONDITION + "=True dates from "
                    + condition.get().getLastTransitionTime() + ", before this rollback paused HyperShift ("
                    + Timestamps.format(pausedSince.get()) + "): it is an earlier restore's, and HyperShift "
                    + (annotated ? "has not reported this one's yet" : "took it for this one's and removed "
                            + RestoreRecovery.ANNOTATION + " without its recovery reported (monitoring stack, "
                            + "prometheus-k8s); see docs/runbook.md, VerifyTimeout"));
        }
        if (annotated) {
            return java.util.Optional.of(RestoreRecovery.ANNOTATION + " is still set: HyperShift removes it once it has "
                    + "seen " + RestoreRecovery.CONDITION + "=True");
        }
        return java.util.Optional.empty();
    }

    /**
     * NodePools of the cluster that have machines ({@code status.replicas} above 0) but do not report
     * ReachedIgnitionEndpoint True: their nodes fetched their payload once, so after a restore HyperShift must still
     * say so (else it creates no MachineHealthCheck for them). A True from before the rollback counts: HyperShift
     * derives it on each NodePool pass from the pool's token Secret (nodepool/conditions.go at 3ee9615), which lives
     * in the management cluster and is not part of the restored etcd; it is the Secret's loss, not the restore,
     * that turns it False, and HyperShift reports that on its next pass whenever it happens.
     */
    private static List<String> nodePoolsWithoutIgnition(RollbackRun run) {
        String name = run.cluster.getMetadata().getName();
        return run.client.resources(NodePool.class).inNamespace(run.ns()).list().getItems().stream()
                .filter(pool -> pool.clusterName().filter(name::equals).isPresent())
                .filter(pool -> pool.getStatus() != null && pool.getStatus().getReplicas() != null
                        && pool.getStatus().getReplicas() > 0)
                .filter(pool -> pool.condition(RestoreRecovery.REACHED_IGNITION_ENDPOINT)
                        .filter(c -> "True".equals(c.getStatus())).isEmpty())
                .map(pool -> pool.getMetadata().getName() + pool.condition(RestoreRecovery.REACHED_IGNITION_ENDPOINT)
                        .map(c -> " (" + c.getStatus() + ", " + c.getReason() + ")").orElse(" (not reported)"))
                .toList();
    }

    /** A status entry reports the planned payload: by digest, else by version (PayloadIdentity). */
    private static boolean reports(RollbackPlan plan, String plannedImage, UpdateHistory entry) {
        PayloadIdentity planned = PayloadIdentity.of(new PayloadImage(plannedImage), ReleaseVersion.parse(plan.getToVersion()));
        return entry != null && entry.payload().map(planned::isSamePayloadAs).orElse(false);
    }
}
