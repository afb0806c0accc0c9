package dev.hcprollback.api;

/** Why a snapshot was taken. */
public enum SnapshotReason {
    /** Kept fresh by the snapshot controller while the cluster sits on a Completed version. */
    Scheduled,
    /** Created by release tooling right before it forces an update; the upgrade gate looks for it. */
    PreUpgrade,
    /** Created by hand. */
    Manual
}
