package dev.hcprollback.eligibility;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateStep;

/**
 * The checks every rollback must pass, whoever asks and however it arrives (request annotations,
 * a payload patch, or a ControlPlaneRollback record): strictly older, same minor, exactly one update
 * back, not below the rollback floor of its minor, inside the window, backed by a verified snapshot of the target payload that this very
 * HostedCluster (by uid) recorded before the update started, whose data is restorable whole ({@link #restorable}: its
 * encryption keys still configured, every PersistentVolume etcd shard in it), and no NodePool a minor ahead. The
 * admission webhook and the rollback controller both call it, so they cannot disagree.
 */
public final class RollbackEligibility {

    private RollbackEligibility() {
    }

    /** Why a rollback is not eligible, by the id the admission rules and docs/admission-rules.md use. */
    public enum Refusal {
        NOT_OLDER("target-not-older"),
        Y_STREAM_ROLLBACK("y-stream-rollback"),
        NOT_PREVIOUS_VERSION("not-previous-version"),
        ROLLBACK_WINDOW_EXPIRED("rollback-window-expired"),
        NO_VERIFIED_SNAPSHOT("no-verified-snapshot"),
        NODEPOOL_NEWER_MINOR("nodepool-newer-minor"),
        BELOW_ROLLBACK_FLOOR("below-rollback-floor"),
        ROLLBACK_FLOOR_INVALID("rollback-floor-invalid"),
        /** Checked last: the plan shows it as its preflight item {@code encryptionKey} instead (see {@link EncryptionKeyCheck}). */
        ENCRYPTION_KEY_GONE("encryption-key-gone"),
        /** Checked last too: the plan shows it as its preflight item {@code etcdShards} (see {@link EtcdShardCheck}). */
        ETCD_SHARD_NOT_SNAPSHOTTED("etcd-shard-not-snapshotted");

        private final String id;

        Refusal(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** A rollback of one release field from its current version to {@code to}, with the update it would undo. */
    public record Target(ReleaseField field, ReleaseVersion from, ReleaseVersion to, Optional<UpdateStep> step) {
    }

    /**
     * The answer: eligible with the backing snapshot (and warnings for NodePools that stay newer), or a
     * refusal with a message that says what is wrong and what the cluster shows instead.
     */
    public record Result(Optional<Refusal> refusal, String message, Optional<ControlPlaneSnapshot> backing,
            List<String> warnings) {

        static Result refused(Refusal refusal, String message) {
            return new Result(Optional.of(refusal), message, Optional.empty(), List.of());
        }

        public boolean eligible() {
            return refusal.isEmpty();
        }
    }

    /**
     * What the judgement reads besides the cluster: its snapshots and NodePools, the window, the clock and the
     * rollback floors ({@link RollbackFloors}).
     */
    public record Evidence(Collection<ControlPlaneSnapshot> snapshots, Collection<NodePool> nodePools, Duration window,
            Instant now, RollbackFloors floors) {
    }

    /**
     * A rollback of {@code cluster} as it runs now to {@code to}: the targets are the release fields in use,
     * the payloads to restore are those the previous Completed history entries name.
     *
     * @param versionOf the version of a payload as the caller can resolve it (history, snapshots, registry)
     */
    public static Result ofRequest(HostedCluster cluster, ReleaseVersion to, Function<PayloadImage, Optional<ReleaseVersion>> versionOf,
            Evidence evidence) {
        List<Target> targets = new ArrayList<>();
        List<ReleaseField> fields = cluster.controlPlaneReleaseImage().isPresent() ? List.of(ReleaseField.values())
                : List.of(ReleaseField.RELEASE);
        for (ReleaseField field : fields) {
            Optional<PayloadImage> current = field.effectiveImage(cluster);
            if (current.isEmpty()) {
                return Result.refused(Refusal.NOT_PREVIOUS_VERSION, "the HostedCluster sets no " + field.path()
                        + ", so there is nothing to roll back from.");
            }
            Optional<ReleaseVersion> currentVersion = versionOf.apply(current.get());
            if (currentVersion.isEmpty()) {
                return Result.refused(Refusal.NOT_PREVIOUS_VERSION, "cannot tell the current version of " + field.path()
                        + " (" + current.get() + "): it is a digest this cluster's version history does not name.");
            }
            targets.add(new Target(field, currentVersion.get(), to,
                    UpdateStep.leadingTo(field.history(cluster), current.get(), currentVersion)));
        }
        Optional<PayloadIdentity> release = previousPayload(targets, ReleaseField.RELEASE);
        Optional<PayloadIdentity> controlPlaneRelease = cluster.controlPlaneReleaseImage().isPresent()
                ? previousPayload(targets, ReleaseField.CONTROL_PLANE_RELEASE)
                : Optional.empty();
        return judge(cluster, targets, release, controlPlaneRelease, evidence);
    }

    /**
     * @param release the {@code release} payload the rollback restores (empty when the history names none)
     * @param controlPlaneRelease the {@code controlPlaneRelease} payload it restores, empty when none is set
     */
    public static Result judge(HostedCluster cluster, List<Target> targets, Optional<PayloadIdentity> release,
            Optional<PayloadIdentity> controlPlaneRelease, Evidence evidence) {
        for (Target target : targets) {
            if (!target.to().isOlderThan(target.from())) {
                return Result.refused(Refusal.NOT_OLDER, target.to() + " is not older than " + target.from() + ", the current"
                        + " version of " + target.field().path() + ": a move to it is an update, not a rollback; update the"
                        + " cluster the usual way instead.");
            }
            if (!target.to().sameMinor(target.from())) {
                return Result.refused(Refusal.Y_STREAM_ROLLBACK, target.field().path() + ": a rollback from "
                        + target.from() + " to " + target.to() + " crosses minor versions; only a z-stream rollback within "
                        + target.from().minorLine() + " is supported.");
            }
            Optional<RollbackFloors.Refused> belowFloor = evidence.floors().refuses(target.to());
            if (belowFloor.isPresent()) {
                return Result.refused(belowFloor.get().refusal(), belowFloor.get().message());
            }
        }
        for (Target target : targets) {
            if (target.step().isEmpty()) {
                return Result.refused(Refusal.NOT_PREVIOUS_VERSION, "the version history of " + target.field().path()
                        + " has no entry for the current version " + target.from() + ", so the version before it is unknown.");
            }
            Optional<ReleaseVersion> previous = target.step().get().previousVersion();
            if (!previous.equals(Optional.of(target.to()))) {
                return Result.refused(Refusal.NOT_PREVIOUS_VERSION, target.to() + " is not the version "
                        + target.field().path() + " ran before " + target.from() + "; the most recent Completed version before it is "
                        + previous.map(Object::toString).orElse("none") + ". A rollback goes back exactly one update.");
            }
        }
        for (Target target : targets) {
            UpdateStep step = target.step().get();
            if (!step.startedWithin(evidence.window(), evidence.now())) {
                return Result.refused(Refusal.ROLLBACK_WINDOW_EXPIRED, "the update to " + target.from()
                        + " started at " + Optional.ofNullable(step.firstOfVersion().getStartedTime()).orElse("an unknown time")
                        + ", more than the rollback window of " + evidence.window().toHours()
                        + "h ago; roll forward instead.");
            }
        }
        Optional<Instant> updateStarted = targets.stream().map(t -> t.step().get().startedAt()).flatMap(Optional::stream)
                .min(Comparator.naturalOrder());
        Predicate<ControlPlaneSnapshot> ofTarget = snapshot -> release.isPresent() && SnapshotPayloads.backs(snapshot, cluster)
                && SnapshotPayloads.isOfPayload(snapshot, release.get(), controlPlaneRelease);
        Optional<ControlPlaneSnapshot> backing = SnapshotSelection.newestVerified(evidence.snapshots(),
                ofTarget.and(snapshot -> restorable(snapshot, cluster)), updateStarted);
        // a snapshot whose key is gone, or that lacks an etcd shard, backs nothing, but the refusal names it (after the
        // other checks)
        Optional<ControlPlaneSnapshot> unrestorable = backing.isPresent() ? Optional.empty()
                : SnapshotSelection.newestVerified(evidence.snapshots(), ofTarget, updateStarted);
        if (backing.isEmpty() && unrestorable.isEmpty()) {
            return Result.refused(Refusal.NO_VERIFIED_SNAPSHOT, "no ControlPlaneSnapshot of " + name(cluster)
                    + " (uid " + cluster.getMetadata().getUid() + ") is Succeeded and verified for release "
                    + release.map(p -> p.image().pullSpec()).orElse("(none)")
                    + controlPlaneRelease.map(cp -> " with controlPlaneRelease " + cp.image().pullSpec()).orElse("")
                    + " and completed before the update started at " + updateStarted.map(Timestamps::format).orElse("(unknown)")
                    + ". Snapshots of this cluster: " + describe(cluster, evidence.snapshots()) + ".");
        }
        ReleaseVersion to = targets.get(0).to();
        List<String> warnings = new ArrayList<>();
        for (NodePool pool : evidence.nodePools()) {
            Optional<ReleaseVersion> version = pool.version().filter(v -> v.isNewerThan(to));
            if (version.isPresent() && version.get().newerMinorThan(to)) {
                return Result.refused(Refusal.NODEPOOL_NEWER_MINOR, "NodePool " + pool.getMetadata().getName()
                        + " runs " + version.get() + ", a newer minor than " + to
                        + "; workers may never be a minor ahead of the control plane.");
            }
            version.ifPresent(v -> warnings.add("hcp-rollback: NodePool " + pool.getMetadata().getName() + " stays on " + v
                    + "; workers are not rolled back and will run a newer z-stream than the control plane (" + to + ")"));
        }
        if (unrestorable.isPresent()) {
            EncryptionKeyCheck.Result keys = EncryptionKeyCheck.of(unrestorable.get(), cluster);
            return keys.readable()
                    ? Result.refused(Refusal.ETCD_SHARD_NOT_SNAPSHOTTED, EtcdShardCheck.of(unrestorable.get(), cluster).detail()
                            + "; it backs no rollback.")
                    : Result.refused(Refusal.ENCRYPTION_KEY_GONE, keys.detail() + "; it backs no rollback.");
        }
        ControlPlaneSnapshot snapshot = backing.get();
        return new Result(Optional.empty(), "snapshot " + snapshot.getMetadata().getName() + " (completed "
                + snapshot.getStatus().getCompletionTime() + ")", backing, warnings);
    }

    /**
     * Whether a restore of {@code snapshot} would give {@code cluster} back all of its etcd, readable: its encryption
     * keys are still configured ({@link EncryptionKeyCheck}) and it holds every PersistentVolume etcd shard
     * ({@link EtcdShardCheck}). A verified snapshot of the right payload that fails this backs no rollback.
     */
    public static boolean restorable(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        return EncryptionKeyCheck.readable(snapshot, cluster) && EtcdShardCheck.covers(snapshot, cluster);
    }

    /** Why {@link #restorable} is false, in a sentence; empty when it is true. */
    public static Optional<String> whyNotRestorable(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        EncryptionKeyCheck.Result keys = EncryptionKeyCheck.of(snapshot, cluster);
        if (!keys.readable()) {
            return Optional.of(keys.detail());
        }
        EtcdShardCheck.Result shards = EtcdShardCheck.of(snapshot, cluster);
        return shards.covered() ? Optional.empty() : Optional.of(shards.detail());
    }

    private static Optional<PayloadIdentity> previousPayload(List<Target> targets, ReleaseField field) {
        return targets.stream().filter(t -> t.field() == field).findFirst()
                .flatMap(Target::step).flatMap(UpdateStep::previousPayload);
    }

    private static String describe(HostedCluster cluster, Collection<ControlPlaneSnapshot> all) {
        List<ControlPlaneSnapshot> snapshots = all.stream().filter(s -> s.belongsTo(cluster)).toList();
        if (snapshots.isEmpty()) {
            return "none";
        }
        return snapshots.stream().limit(5)
                .map(s -> s.getMetadata().getName() + " (" + (s.getStatus() == null ? "no status"
                        : s.getStatus().getPhase() + ", " + s.getStatus().getVersion()
                                + (Boolean.TRUE.equals(s.getStatus().getVerified()) ? ", verified" : ", not verified")
                                + (SnapshotPayloads.backs(s, cluster) ? ""
                                        : s.getStatus().getHostedClusterUid() == null
                                                ? ", records no HostedCluster uid"
                                                : ", taken of another HostedCluster (uid " + s.getStatus().getHostedClusterUid() + ")"))
                        + ")")
                .collect(Collectors.joining(", ")) + (snapshots.size() > 5 ? ", and " + (snapshots.size() - 5) + " more" : "");
    }

    private static String name(HostedCluster cluster) {
        return cluster.getMetadata().getName();
    }
}
