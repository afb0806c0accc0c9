package dev.hcprollback.api;

public enum SnapshotPhase {
    Pending,
    Running,
    Succeeded,
    Failed
}
