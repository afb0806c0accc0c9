package dev.hcprollback.snapshot;

public enum SnapshotPhase {
    Pending,
    Running,
    Succeeded,
    Failed
}
