package dev.hcprollback.rollback.steps;

/**
 * One step of a rollback. {@link #act} is called on every look until it returns {@link Outcome.Done};
 * it first checks what is already done (the status, the cluster), records what a later step or an
 * undo needs before it changes anything, and never repeats a destructive action by itself.
 *
 * @see dev.hcprollback.rollback.RollbackDriver the procedure that calls the steps in order
 */
public interface StepAction {

    Outcome act(RollbackRun run) throws StepFailure;
}
