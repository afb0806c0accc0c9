package dev.hcprollback.rollback.steps;

import dev.hcprollback.api.ControlPlaneRollbackStatus;

/**
 * Pause: records the HostedCluster's {@code spec.pausedUntil}, sets it to {@code "true"} and waits
 * for the hypershift-operator to report {@code ReconciliationActive=False}.
 */
public final class PauseStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) {
        ControlPlaneRollbackStatus status = run.status();
        if (status.getPausedByRollback() == null) {
            status.setPausedUntilBefore(run.pausedUntil());
            status.setPausedByRollback(true);
            run.persist();
            run.reached("recorded:pausedUntil");
        }
        if (!"true".equals(run.pausedUntil())) {
            run.patchCluster(RollbackRun.spec("pausedUntil", "true"));
            run.reached("patched:pausedUntil");
        }
        if (run.conditionStatus("ReconciliationActive").equals("False")) {
            return new Outcome.Done("reconciliation of the HostedCluster is paused");
        }
        return new Outcome.Wait("the HostedCluster to report ReconciliationActive=False");
    }
}
