package dev.hcprollback.rollback.steps;

import java.time.Duration;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RecordedReplicas;
import dev.hcprollback.api.Step;
import dev.hcprollback.hypershift.Timestamps;

/**
 * Resume: scales the writers back to their recorded replicas and gives {@code spec.pausedUntil} back;
 * records how long the API servers were down (from the start of Quiesce).
 */
public final class ResumeStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) {
        for (RecordedReplicas writer : run.writers()) {
            run.scaleDeployment(writer.getName(), writer.getReplicas());
        }
        run.reached("scaled:writers-up");
        run.unpause();
        ControlPlaneRollbackStatus status = run.status();
        if (status.getDowntime() == null) {
            status.step(Step.Quiesce).flatMap(q -> Timestamps.parse(q.getStartTime())).ifPresent(down -> {
                status.setDowntime(RollbackRun.human(Duration.between(down, run.clock.instant()).withNanos(0)));
            });
        }
        return new Outcome.Done("replicas restored, reconciliation resumed"
                + (status.getDowntime() == null ? "" : "; API servers were down " + status.getDowntime()));
    }
}
