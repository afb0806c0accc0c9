package dev.hcprollback.api;

public enum RollbackPhase {
    Pending,
    /** A dry run: the plan is written and nothing else happens. */
    Planned,
    Running,
    Succeeded,
    Failed,
    /**
     * Stopped before its point of no return, by an SRE's cancel or because it had not reached that point within
     * {@code hcp-rollback.rollback.cancel-after}; what it did was undone and nothing else changed.
     */
    Cancelled
}
