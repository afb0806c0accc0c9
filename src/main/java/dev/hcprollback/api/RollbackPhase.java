package dev.hcprollback.api;

public enum RollbackPhase {
    Pending,
    /** A dry run: the plan is written and nothing else happens. */
    Planned,
    Running,
    Succeeded,
    Failed
}
