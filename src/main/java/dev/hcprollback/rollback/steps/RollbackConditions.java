package dev.hcprollback.rollback.steps;

import static dev.hcprollback.api.ObservedStatus.FALSE;
import static dev.hcprollback.api.ObservedStatus.TRUE;
import static dev.hcprollback.api.ObservedStatus.UNKNOWN;

import java.time.Instant;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RollbackPhase;

/**
 * The conditions of a ControlPlaneRollback, derived from its status each time the status is written
 * ({@link RollbackRun#persist}), so that they never disagree with the phase, step and point of no return they sum up.
 * {@code kubectl wait --for=condition=Succeeded cprb/<name>} returns once it rolled back;
 * {@code --for=condition=Succeeded=false} once it failed (reason: the failure, e.g. {@code SwapJobFailed}).
 * <ul>
 * <li>{@code Progressing}: True while it waits for its turn or runs (reason: {@code Pending}, the step, or
 * {@code Undoing}); False once it ended (reason: {@code Succeeded}, {@code Failed}, {@code DryRun}).</li>
 * <li>{@code Succeeded}: Unknown until it ends; True when rolled back; False when failed or refused, and when
 * cancelled (reason {@code Cancelled} for an SRE's cancel, {@code CancelTimeout} for the automatic one, as Tekton
 * reports a cancelled run), so that {@code kubectl wait --for=condition=Succeeded=false} returns on every ending that
 * did not roll back. Not set on a dry run, which changes nothing.</li>
 * <li>{@code CancelIgnored}: True when a cancel arrived after the point of no return (it raced past the webhook):
 * the rollback finishes anyway. Absent otherwise.</li>
 * <li>{@code PointOfNoReturnPassed}: True once etcd's data or the payload may have been changed: a failure from then
 * on leaves the cluster paused for an SRE instead of being undone.</li>
 * <li>{@code Planned}: True once {@code status.plan} is written (reason {@code DryRun} for a dry run).</li>
 * </ul>
 */
public final class RollbackConditions {

    public static final String PROGRESSING = "Progressing";
    public static final String SUCCEEDED = "Succeeded";
    public static final String POINT_OF_NO_RETURN = "PointOfNoReturnPassed";
    public static final String PLANNED = "Planned";
    public static final String CANCEL_IGNORED = "CancelIgnored";

    private RollbackConditions() {
    }

    /** Sets every condition from what the status says now; {@code generation} is the record's metadata.generation. */
    public static void derive(ControlPlaneRollbackStatus status, Long generation, Instant now) {
        RollbackPhase phase = status.getPhase() == null ? RollbackPhase.Pending : status.getPhase();
        String message = status.getMessage();
        switch (phase) {
            case Pending -> {
                status.setCondition(PROGRESSING, TRUE, "Pending", message, generation, now);
                status.setCondition(SUCCEEDED, UNKNOWN, "Pending", message, generation, now);
            }
            case Running -> {
                String doing = Boolean.TRUE.equals(status.getUndoing()) ? "Undoing"
                        : status.getCurrentStep() == null ? "Started" : status.getCurrentStep();
                status.setCondition(PROGRESSING, TRUE, doing, message, generation, now);
                status.setCondition(SUCCEEDED, UNKNOWN, doing, message, generation, now);
            }
            case Planned -> status.setCondition(PROGRESSING, FALSE, "DryRun", message, generation, now);
            case Succeeded -> {
                status.setCondition(PROGRESSING, FALSE, "Succeeded", message, generation, now);
                status.setCondition(SUCCEEDED, TRUE, "RolledBack", message, generation, now);
            }
            case Cancelled -> {
                status.setCondition(PROGRESSING, FALSE, "Cancelled", message, generation, now);
                status.setCondition(SUCCEEDED, FALSE, status.getFailureReason() == null ? "Cancelled"
                        : status.getFailureReason(), message, generation, now);
            }
            case Failed -> {
                status.setCondition(PROGRESSING, FALSE, "Failed", message, generation, now);
                status.setCondition(SUCCEEDED, FALSE, status.getFailureReason() == null ? "Failed"
                        : status.getFailureReason(), message, generation, now);
            }
        }
        if (Boolean.TRUE.equals(status.getPointOfNoReturn())) {
            status.setCondition(POINT_OF_NO_RETURN, TRUE, "Passed", "etcd's data or the payload may have been changed: a "
                    + "failure now leaves the cluster paused for an SRE (docs/runbook.md)", generation, now);
        } else {
            status.setCondition(POINT_OF_NO_RETURN, FALSE, "NotReached", "nothing that cannot be undone was changed",
                    generation, now);
        }
        if (status.getCancelIgnoredFor() != null) {
            status.setCondition(CANCEL_IGNORED, TRUE, "PastPointOfNoReturn", "the cancel by " + status.getCancelIgnoredFor()
                    + " came after the point of no return: the rollback always finishes once past it", generation, now);
        }
        if (status.getPlan() != null) {
            status.setCondition(PLANNED, TRUE, phase == RollbackPhase.Planned ? "DryRun" : "Planned",
                    "status.plan holds the steps, the data-loss window and the preflight checklist", generation, now);
        }
    }
}
