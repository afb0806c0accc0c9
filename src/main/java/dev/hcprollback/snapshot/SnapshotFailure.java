package dev.hcprollback.snapshot;

/** A snapshot attempt that failed for a reason an operator can act on. */
public class SnapshotFailure extends Exception {

    public enum Reason {
        ClusterNotFound,
        ClusterNotReady,
        CredentialsMissing,
        EtcdUnreachable,
        EtcdError,
        StorageDenied,
        StorageUnavailable,
        HashMismatch,
        PayloadChanged,
        Internal
    }

    private final Reason reason;

    public SnapshotFailure(Reason reason, String message) {
        this(reason, message, null);
    }

    public SnapshotFailure(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Failures that no retry fixes for this object: its payload moved on. */
    public boolean permanent() {
        return reason == Reason.PayloadChanged;
    }
}
