package dev.hcprollback.snapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.eligibility.SnapshotPayloads;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;

/**
 * Which snapshots of one cluster may go: beyond the newest {@code keep} verified snapshots of each
 * payload, and failed Scheduled snapshots that will not be retried once a newer verified one exists.
 * Never the cluster's rollback point, never one an unfinished rollback names, never one an update
 * record holds until its update is Healthy and its window closed.
 */
public final class Retention {

    private Retention() {
    }

    public static List<ControlPlaneSnapshot> toDelete(HostedCluster cluster, Collection<ControlPlaneSnapshot> all,
            Collection<ControlPlaneRollback> rollbacks, int keep, Duration window, Instant now) {
        return toDelete(cluster, all, rollbacks, Set.of(), keep, window, now);
    }

    /**
     * As above, and never the snapshots named in {@code heldByUpdates}: the rollback points of update
     * records whose update is not yet Healthy or whose window is open ({@code ControlPlaneUpdate}).
     */
    public static List<ControlPlaneSnapshot> toDelete(HostedCluster cluster, Collection<ControlPlaneSnapshot> all,
            Collection<ControlPlaneRollback> rollbacks, Set<String> heldByUpdates, int keep, Duration window, Instant now) {
        List<ControlPlaneSnapshot> mine = all.stream().filter(s -> s.belongsTo(cluster))
                .filter(s -> s.getMetadata().getDeletionTimestamp() == null).toList();
        Set<String> protectedNames = rollbacks.stream()
                .filter(r -> Objects.equals(r.getMetadata().getNamespace(), cluster.getMetadata().getNamespace()))
                .filter(Retention::unfinished)
                .map(r -> r.getSpec() == null ? null : r.getSpec().getSnapshotName())
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
        RollbackPoint.of(cluster, mine, window, now).ifPresent(point -> protectedNames.add(point.getMetadata().getName()));
        protectedNames.addAll(heldByUpdates);

        Comparator<ControlPlaneSnapshot> newestFirst = Comparator
                .comparing((ControlPlaneSnapshot s) -> s.completedAt().orElse(Instant.EPOCH)).reversed();
        // one payload whatever its spelling: grouped by digest, else by version (PayloadIdentity)
        Map<List<String>, List<ControlPlaneSnapshot>> byPayload = new LinkedHashMap<>();
        mine.stream().filter(ControlPlaneSnapshot::isVerified).sorted(newestFirst).forEach(s -> byPayload
                .computeIfAbsent(java.util.Arrays.asList(
                        SnapshotPayloads.releasePayload(s).map(PayloadIdentity::groupingKey).orElse(null),
                        SnapshotPayloads.controlPlaneReleasePayload(s).map(PayloadIdentity::groupingKey).orElse(null)),
                        k -> new ArrayList<>()).add(s));

        List<ControlPlaneSnapshot> doomed = new ArrayList<>();
        for (List<ControlPlaneSnapshot> ofPayload : byPayload.values()) {
            ofPayload.stream().skip(Math.max(keep, 1)).forEach(doomed::add);
        }
        Optional<Instant> newestVerified = mine.stream().filter(ControlPlaneSnapshot::isVerified)
                .map(s -> s.completedAt().orElse(Instant.EPOCH)).max(Comparator.naturalOrder());
        mine.stream()
                .filter(s -> s.getSpec() != null && s.getSpec().getReason() == SnapshotReason.Scheduled)
                .filter(Retention::failedForGood)
                .filter(s -> newestVerified.map(v -> created(s).isBefore(v)).orElse(false))
                .forEach(doomed::add);
        return doomed.stream().filter(s -> !protectedNames.contains(s.getMetadata().getName())).toList();
    }

    static boolean unfinished(ControlPlaneRollback rollback) {
        RollbackPhase phase = rollback.getStatus() == null ? null : rollback.getStatus().getPhase();
        // a failed rollback still needs its snapshot for the manual recovery it asks for; a cancelled one changed nothing
        return phase != RollbackPhase.Succeeded && phase != RollbackPhase.Planned && phase != RollbackPhase.Cancelled;
    }

    /** Failed and no further attempt planned. */
    public static boolean failedForGood(ControlPlaneSnapshot snapshot) {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
        return status != null && status.getPhase() == SnapshotPhase.Failed && status.getNextAttemptTime() == null;
    }

    private static Instant created(ControlPlaneSnapshot snapshot) {
        String created = snapshot.getMetadata().getCreationTimestamp();
        return created == null ? Instant.EPOCH : Instant.parse(created);
    }
}
