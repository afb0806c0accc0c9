package dev.hcprollback.eligibility;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Predicate;

import dev.hcprollback.api.ControlPlaneSnapshot;

/** Picks snapshots that can back a rollback: verified, of the right payload, taken before a moment. */
public final class SnapshotSelection {

    private SnapshotSelection() {
    }

    public static Optional<ControlPlaneSnapshot> newestVerified(Collection<ControlPlaneSnapshot> snapshots,
            Predicate<ControlPlaneSnapshot> ofPayload, Optional<Instant> completedBefore) {
        return snapshots.stream()
                .filter(ControlPlaneSnapshot::isVerified)
                .filter(ofPayload)
                .filter(s -> s.completedAt().isPresent())
                .filter(s -> completedBefore.map(limit -> s.completedAt().get().isBefore(limit)).orElse(true))
                .max(Comparator.comparing(s -> s.completedAt().get()));
    }
}
