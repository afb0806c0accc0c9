package dev.hcprollback.rollback.steps;

/** A step cannot go on; {@code reason} is a stable code for the status and the runbook. */
public final class StepFailure extends Exception {

    public final String reason;

    public StepFailure(String reason, String message) {
        super(message);
        this.reason = reason;
    }
}
