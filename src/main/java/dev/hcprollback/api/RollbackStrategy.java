package dev.hcprollback.api;

public enum RollbackStrategy {
    /** Restore etcd from the verified pre-upgrade snapshot, then revert the payload. */
    RestoreEtcd,
    /** Revert the payload and keep the current etcd data. */
    PayloadOnly
}
