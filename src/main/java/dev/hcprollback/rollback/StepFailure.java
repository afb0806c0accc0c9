package dev.hcprollback.rollback;

/** A step cannot go on; {@code reason} is a stable code for the status and the runbook. */
final class StepFailure extends Exception {

    final String reason;

    StepFailure(String reason, String message) {
        super(message);
        this.reason = reason;
    }
}
