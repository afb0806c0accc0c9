package dev.hcprollback.eligibility;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateStep;

/**
 * The snapshot a cluster would roll back to right now: while its latest update is inside the
 * rollback window, the newest verified snapshot of the previous Completed version taken before
 * that update started, of the same payload (by digest, else by version) and recorded of this very
 * HostedCluster (its uid), restorable whole ({@link RollbackEligibility#restorable}: the API server still has its
 * encryption keys, it holds every PersistentVolume etcd shard). Such a
 * snapshot must outlive retention and casual deletion.
 */
public final class RollbackPoint {

    private RollbackPoint() {
    }

    public static Optional<ControlPlaneSnapshot> of(HostedCluster cluster, Collection<ControlPlaneSnapshot> snapshots,
            Duration window, Instant now) {
        return candidate(cluster, snapshots, window, now, true);
    }

    private static Optional<ControlPlaneSnapshot> candidate(HostedCluster cluster, Collection<ControlPlaneSnapshot> snapshots,
            Duration window, Instant now, boolean restorable) {
        return UpdateStep.latest(ReleaseField.RELEASE.history(cluster))
                .filter(step -> step.startedWithin(window, now))
                .flatMap(step -> step.previousPayload().flatMap(previous -> SnapshotSelection.newestVerified(snapshots,
                        snapshot -> SnapshotPayloads.backs(snapshot, cluster)
                                && SnapshotPayloads.releasePayload(snapshot).map(previous::isSamePayloadAs).orElse(false)
                                && (!restorable || RollbackEligibility.restorable(snapshot, cluster)),
                        step.startedAt())));
    }

    /**
     * The snapshot a rollback of the update {@code record} describes would restore: the newest verified snapshot of
     * the record's from payload ({@code spec.fromImage}, by digest, else {@code spec.fromVersion}), recorded of this
     * very cluster, completed before the update started. Judged from the record, not the cluster's latest history
     * entry: during a rollback that entry is the way back, whose "previous" payload is the update's own target, and
     * a snapshot of that payload is never this update's rollback point. The window is the caller's to check.
     */
    public static Optional<ControlPlaneSnapshot> ofUpdate(ControlPlaneUpdate record, HostedCluster cluster,
            Collection<ControlPlaneSnapshot> snapshots) {
        return updateCandidate(record, cluster, snapshots, true);
    }

    /**
     * Why the update {@code record} describes has no rollback point although a snapshot of its from payload would be
     * one but for its encryption key or a missing etcd shard (see {@link RollbackEligibility#whyNotRestorable}); empty
     * otherwise.
     */
    public static Optional<String> notRestorable(ControlPlaneUpdate record, HostedCluster cluster,
            Collection<ControlPlaneSnapshot> snapshots) {
        if (ofUpdate(record, cluster, snapshots).isPresent()) {
            return Optional.empty();
        }
        return updateCandidate(record, cluster, snapshots, false)
                .flatMap(snapshot -> RollbackEligibility.whyNotRestorable(snapshot, cluster))
                .map(why -> why + "; it is not a rollback point");
    }

    private static Optional<ControlPlaneSnapshot> updateCandidate(ControlPlaneUpdate record, HostedCluster cluster,
            Collection<ControlPlaneSnapshot> snapshots, boolean restorable) {
        Optional<PayloadIdentity> from = PayloadImage.of(record.getSpec().getFromImage())
                .map(image -> PayloadIdentity.of(image, ReleaseVersion.parse(record.getSpec().getFromVersion())));
        return from.flatMap(previous -> SnapshotSelection.newestVerified(snapshots,
                snapshot -> SnapshotPayloads.backs(snapshot, cluster)
                        && SnapshotPayloads.releasePayload(snapshot).map(previous::isSamePayloadAs).orElse(false)
                        && (!restorable || RollbackEligibility.restorable(snapshot, cluster)),
                Optional.of(updateStart(record))));
    }

    /**
     * Whether retention must keep the rollback point an update record names: until the update is
     * Healthy (or no longer the newest, or rolled back) and its window has closed.
     */
    public static boolean heldBy(ControlPlaneUpdate record, Duration window, Instant now) {
        boolean windowOpen = updateStart(record).plus(window).isAfter(now);
        return record.getStatus() != null && record.getStatus().getRollbackPoint() != null
                && (windowOpen || !record.health().isFinal());
    }

    /** When the recorded update started ({@code spec.startTime}); the epoch when it is unreadable. */
    public static Instant updateStart(ControlPlaneUpdate record) {
        return Timestamps.parse(record.getSpec().getStartTime()).orElse(Instant.EPOCH);
    }
}
