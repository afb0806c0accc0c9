package dev.hcprollback.rollback;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import dev.hcprollback.snapshot.SnapshotSelection;

/**
 * The snapshot a cluster would roll back to right now: while its latest update is inside the
 * rollback window, the newest verified snapshot of the previous Completed version taken before
 * that update started, of the same payload (by digest, else by version) and recorded of this very
 * HostedCluster (its uid). Such a snapshot must outlive retention and casual deletion.
 */
public final class RollbackPoint {

    private RollbackPoint() {
    }

    public static Optional<ControlPlaneSnapshot> of(HostedCluster cluster, Collection<ControlPlaneSnapshot> snapshots,
            Duration window, Instant now) {
        return UpdateStep.latest(ReleaseField.RELEASE.history(cluster))
                .filter(step -> step.startedWithin(window, now))
                .flatMap(step -> step.previousPayload().flatMap(previous -> SnapshotSelection.newestVerified(snapshots,
                        snapshot -> snapshot.backs(cluster)
                                && snapshot.releasePayload().map(previous::isSamePayloadAs).orElse(false),
                        step.startedAt())));
    }
}
