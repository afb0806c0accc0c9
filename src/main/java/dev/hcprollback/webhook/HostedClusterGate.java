package dev.hcprollback.webhook;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.HcpRollbackConfig;
import dev.hcprollback.HcpRollbackConfig.UpgradeGateMode;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.rollback.RollbackRequest;
import dev.hcprollback.rollback.UpdateStep;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import dev.hcprollback.snapshot.SnapshotSelection;
import dev.hcprollback.webhook.PayloadChange.Direction;

/**
 * The admission rules for HostedCluster updates: a move to an older payload is admitted only as an
 * authorised, service-led rollback to the previous z-stream, inside the rollback window, backed by a
 * verified snapshot taken before the update; the request annotations themselves are guarded too.
 */
@ApplicationScoped
public class HostedClusterGate {

    private static final String SRE_HINT = "Downgrades are applied only as a service-led rollback: the managed"
            + " service's SRE team requests one with the annotations " + RollbackRequest.TO_VERSION + " and "
            + RollbackRequest.REASON + ".";

    @Inject
    AdmissionCaches caches;

    @Inject
    Authorizer authorizer;

    @Inject
    HcpRollbackConfig config;

    /** A rollback to one version for one release field, with the update step it would undo. */
    private record Target(ReleaseField field, ReleaseVersion from, ReleaseVersion to, Optional<UpdateStep> step) {
    }

    public Verdict judge(AdmissionCall call, HostedCluster before, HostedCluster after) {
        if (call.operation() != AdmissionCall.Operation.UPDATE && call.operation() != AdmissionCall.Operation.CREATE) {
            return Verdict.allow(Rule.NOT_AN_UPDATE, call.operation() + " changes no payload");
        }
        Supplier<Authorizer.Decision> authorisation = once(
                () -> authorizer.decide(call.requester(), call.namespace(), after.getMetadata().getName()));

        Optional<Verdict> request = RollbackRequest.annotationsChanged(before, after)
                ? Optional.of(judgeRequestAnnotations(before, after, authorisation))
                : Optional.empty();
        if (request.isPresent() && !request.get().allowed()) {
            return request.get();
        }
        List<PayloadChange> changes = Arrays.stream(ReleaseField.values())
                .map(field -> PayloadChange.of(field, before, after))
                .filter(change -> change.direction() != Direction.UNCHANGED)
                .toList();
        List<String> unknownWarnings = changes.stream().filter(c -> c.direction() == Direction.UNKNOWN)
                .map(PayloadChange::unknownVersionWarning).toList();
        List<PayloadChange> downgrades = withDirection(changes, Direction.DOWNGRADE);
        Verdict verdict;
        if (!downgrades.isEmpty()) {
            verdict = judgeDowngrade(before, after, downgrades, authorisation);
        } else if (!withDirection(changes, Direction.UPGRADE).isEmpty()) {
            verdict = judgeUpgrade(before, withDirection(changes, Direction.UPGRADE));
        } else if (!unknownWarnings.isEmpty()) {
            verdict = Verdict.allow(Rule.UNKNOWN_VERSION, "payload version unknown; judged as a new payload");
        } else if (!changes.isEmpty()) {
            verdict = Verdict.allow(Rule.SAME_VERSION, "the payload changes but its version does not");
        } else {
            verdict = request.orElse(Verdict.allow(Rule.NO_RELEASE_CHANGE, "no release field changes"));
        }
        boolean verdictIsTheRequest = request.isPresent() && verdict == request.get();
        List<String> requestWarnings = verdictIsTheRequest ? List.of() : request.map(Verdict::warnings).orElse(List.of());
        return verdict.withWarnings(unknownWarnings).withWarnings(requestWarnings);
    }

    private Verdict judgeRequestAnnotations(HostedCluster before, HostedCluster after,
            Supplier<Authorizer.Decision> authorisation) {
        Authorizer.Decision decision = authorisation.get();
        if (!decision.allowed()) {
            return Verdict.deny(Rule.REQUEST_UNAUTHORISED, "only the managed service's SREs may set, change or remove the "
                    + RollbackRequest.PREFIX + "* annotations: " + decision.grounds() + ".");
        }
        RollbackRequest request = RollbackRequest.of(after);
        if (request.toVersion().isEmpty()) {
            return Verdict.allow(Rule.REQUEST_RECORDED, "rollback request withdrawn (" + decision.grounds() + ")");
        }
        if (request.reason().isEmpty()) {
            return reasonMissing();
        }
        if (request.toVersion().equals(RollbackRequest.of(before).toVersion())) {
            return Verdict.allow(Rule.REQUEST_RECORDED, "rollback request amended (" + decision.grounds() + ")");
        }
        Optional<ReleaseVersion> to = ReleaseVersion.parse(request.toVersion().get());
        if (to.isEmpty()) {
            return Verdict.deny(Rule.ROLLBACK_VERSION_MISMATCH, RollbackRequest.TO_VERSION + " is '"
                    + request.toVersion().get() + "', which is not a release version such as 4.18.5.");
        }
        if (before == null) {
            return Verdict.deny(Rule.NOT_PREVIOUS_VERSION, "a new HostedCluster has no previous version to roll back to.");
        }
        // the request is judged against the payload the cluster runs now and the snapshot that would back it
        List<Target> targets = new ArrayList<>();
        for (ReleaseField field : fieldsInUse(before)) {
            PayloadImage current = field.effectiveImage(before).orElseThrow();
            Optional<ReleaseVersion> currentVersion = before.versionOf(current);
            if (currentVersion.isEmpty()) {
                return Verdict.deny(Rule.NOT_PREVIOUS_VERSION, "cannot tell the current version of " + field.path() + " ("
                        + current + "): it is a digest this cluster's version history does not name.");
            }
            targets.add(new Target(field, currentVersion.get(), to.get(),
                    UpdateStep.leadingTo(field.history(before), current, currentVersion)));
        }
        Optional<PayloadImage> release = previousImage(targets, ReleaseField.RELEASE);
        Optional<PayloadImage> controlPlaneRelease = before.controlPlaneReleaseImage().isPresent()
                ? previousImage(targets, ReleaseField.CONTROL_PLANE_RELEASE)
                : Optional.empty();
        Verdict eligible = eligibility(before, targets, release, controlPlaneRelease);
        if (!eligible.allowed()) {
            return eligible;
        }
        return Verdict.allow(Rule.REQUEST_RECORDED, "rollback to " + to.get() + " requested, backed by "
                + eligible.message() + " (" + decision.grounds() + ")").withWarnings(eligible.warnings());
    }

    private Verdict judgeDowngrade(HostedCluster before, HostedCluster after, List<PayloadChange> downgrades,
            Supplier<Authorizer.Decision> authorisation) {
        RollbackRequest request = RollbackRequest.of(after);
        for (PayloadChange downgrade : downgrades) {
            String what = downgrade.describe() + ", an older payload.";
            if (request.toVersion().isEmpty()) {
                return Verdict.deny(Rule.ROLLBACK_NOT_REQUESTED, what + " " + SRE_HINT);
            }
            if (!request.toVersion().get().equals(downgrade.toVersion().get().toString())) {
                return Verdict.deny(Rule.ROLLBACK_VERSION_MISMATCH, what + " The rollback request ("
                        + RollbackRequest.TO_VERSION + ") names " + request.toVersion().get() + ", not "
                        + downgrade.toVersion().get() + ".");
            }
        }
        if (request.reason().isEmpty()) {
            return reasonMissing();
        }
        Authorizer.Decision decision = authorisation.get();
        if (!decision.allowed()) {
            return Verdict.deny(Rule.ROLLBACK_UNAUTHORISED, downgrades.get(0).describe() + ", an older payload, and "
                    + decision.grounds() + ". " + SRE_HINT);
        }
        List<Target> targets = downgrades.stream()
                .map(d -> new Target(d.field(), d.fromVersion().get(), d.toVersion().get(),
                        UpdateStep.leadingTo(d.field().history(before), d.from().get(), d.fromVersion())))
                .toList();
        Verdict eligible = eligibility(before, targets, after.releaseImage(), after.controlPlaneReleaseImage());
        if (!eligible.allowed()) {
            return eligible;
        }
        return Verdict.allow(Rule.ROLLBACK_ADMITTED, "rollback of " + name(before) + " from " + targets.get(0).from()
                + " to " + targets.get(0).to() + " admitted: backed by " + eligible.message() + ", "
                + decision.grounds()).withWarnings(eligible.warnings());
    }

    /**
     * The checks every rollback must pass whoever asks: same minor, one update back, inside the window,
     * a verified snapshot of the target payload taken before the update, no NodePool a minor ahead.
     * An allowed result carries the backing snapshot's description as its message.
     */
    private Verdict eligibility(HostedCluster cluster, List<Target> targets, Optional<PayloadImage> release,
            Optional<PayloadImage> controlPlaneRelease) {
        for (Target target : targets) {
            if (!target.to().sameMinor(target.from())) {
                return Verdict.deny(Rule.Y_STREAM_ROLLBACK, target.field().path() + ": a rollback from "
                        + target.from() + " to " + target.to() + " crosses minor versions; only a z-stream rollback within "
                        + target.from().minorLine() + " is supported.");
            }
        }
        for (Target target : targets) {
            if (target.step().isEmpty()) {
                return Verdict.deny(Rule.NOT_PREVIOUS_VERSION, "the version history of " + target.field().path()
                        + " has no entry for the current version " + target.from() + ", so the version before it is unknown.");
            }
            Optional<ReleaseVersion> previous = target.step().get().previousVersion();
            if (!previous.equals(Optional.of(target.to()))) {
                return Verdict.deny(Rule.NOT_PREVIOUS_VERSION, target.to() + " is not the version "
                        + target.field().path() + " ran before " + target.from() + "; the most recent Completed version before it is "
                        + previous.map(Object::toString).orElse("none") + ". A rollback goes back exactly one update.");
            }
        }
        Instant now = Instant.now();
        for (Target target : targets) {
            UpdateStep step = target.step().get();
            if (!step.startedWithin(config.rollback().window(), now)) {
                return Verdict.deny(Rule.ROLLBACK_WINDOW_EXPIRED, "the update to " + target.from()
                        + " started at " + Optional.ofNullable(step.current().getStartedTime()).orElse("an unknown time")
                        + ", more than the rollback window of " + config.rollback().window().toHours()
                        + "h ago; roll forward instead.");
            }
        }
        Optional<Instant> updateStarted = targets.stream().map(t -> t.step().get().startedAt()).flatMap(Optional::stream)
                .min(Comparator.naturalOrder());
        List<ControlPlaneSnapshot> snapshots = caches.snapshotsOf(cluster.getMetadata().getNamespace(), name(cluster));
        Optional<ControlPlaneSnapshot> backing = SnapshotSelection.newestVerified(snapshots,
                snapshot -> snapshot.isOfPayload(release, controlPlaneRelease), updateStarted);
        if (backing.isEmpty()) {
            return Verdict.deny(Rule.NO_VERIFIED_SNAPSHOT, "no ControlPlaneSnapshot of " + name(cluster)
                    + " is Succeeded and verified for release " + release.map(Object::toString).orElse("(none)")
                    + controlPlaneRelease.map(cp -> " with controlPlaneRelease " + cp).orElse("")
                    + " and completed before the update started at " + updateStarted.map(Timestamps::format).orElse("(unknown)")
                    + ". Snapshots of this cluster: " + describe(snapshots) + ".");
        }
        ReleaseVersion to = targets.get(0).to();
        List<String> warnings = new ArrayList<>();
        for (NodePool pool : caches.nodePoolsOf(cluster.getMetadata().getNamespace(), name(cluster))) {
            Optional<ReleaseVersion> version = pool.version().filter(v -> v.isNewerThan(to));
            if (version.isPresent() && version.get().newerMinorThan(to)) {
                return Verdict.deny(Rule.NODEPOOL_NEWER_MINOR, "NodePool " + pool.getMetadata().getName()
                        + " runs " + version.get() + ", a newer minor than " + to
                        + "; workers may never be a minor ahead of the control plane.");
            }
            version.ifPresent(v -> warnings.add("hcp-rollback: NodePool " + pool.getMetadata().getName() + " stays on " + v
                    + "; workers are not rolled back and will run a newer z-stream than the control plane (" + to + ")"));
        }
        ControlPlaneSnapshot snapshot = backing.get();
        return new Verdict(true, Rule.ROLLBACK_ADMITTED, "snapshot " + snapshot.getMetadata().getName()
                + " (completed " + snapshot.getStatus().getCompletionTime() + ")", warnings);
    }

    private Verdict judgeUpgrade(HostedCluster before, List<PayloadChange> upgrades) {
        String what = upgrades.stream().map(PayloadChange::describe).collect(Collectors.joining("; "));
        UpgradeGateMode mode = config.upgradeGate().mode();
        if (mode == UpgradeGateMode.off) {
            return Verdict.allow(Rule.UPGRADE, what);
        }
        Instant freshAfter = Instant.now().minus(config.upgradeGate().maxSnapshotAge());
        Optional<ControlPlaneSnapshot> fresh = SnapshotSelection.newestVerified(
                caches.snapshotsOf(before.getMetadata().getNamespace(), name(before)),
                snapshot -> snapshot.isOfPayload(before.releaseImage(), before.controlPlaneReleaseImage())
                        && snapshot.completedAt().get().isAfter(freshAfter),
                Optional.empty());
        if (fresh.isPresent()) {
            return Verdict.allow(Rule.UPGRADE, what + "; rollback point: snapshot " + fresh.get().getMetadata().getName());
        }
        String problem = "no verified ControlPlaneSnapshot of the current payload ("
                + upgrades.get(0).fromVersion().get() + ") younger than " + config.upgradeGate().maxSnapshotAge().toHours()
                + "h exists, so this update could not be rolled back; create one with reason PreUpgrade first.";
        if (mode == UpgradeGateMode.enforce) {
            return Verdict.deny(Rule.UPGRADE_GATE, what + ": " + problem);
        }
        return Verdict.allow(Rule.UPGRADE_GATE, what).withWarnings(List.of("hcp-rollback: " + problem));
    }

    private static Verdict reasonMissing() {
        return Verdict.deny(Rule.ROLLBACK_REASON_MISSING, "a rollback request needs a non-blank " + RollbackRequest.REASON
                + " annotation naming the incident.");
    }

    private static List<ReleaseField> fieldsInUse(HostedCluster cluster) {
        return cluster.controlPlaneReleaseImage().isPresent() ? List.of(ReleaseField.values()) : List.of(ReleaseField.RELEASE);
    }

    private static Optional<PayloadImage> previousImage(List<Target> targets, ReleaseField field) {
        return targets.stream().filter(t -> t.field() == field).findFirst()
                .flatMap(Target::step).flatMap(UpdateStep::previousCompleted)
                .flatMap(entry -> PayloadImage.of(entry.getImage()));
    }

    private static List<PayloadChange> withDirection(List<PayloadChange> changes, Direction direction) {
        return changes.stream().filter(c -> c.direction() == direction).toList();
    }

    private static String describe(List<ControlPlaneSnapshot> snapshots) {
        if (snapshots.isEmpty()) {
            return "none";
        }
        return snapshots.stream().limit(5)
                .map(s -> s.getMetadata().getName() + " (" + (s.getStatus() == null ? "no status"
                        : s.getStatus().getPhase() + ", " + s.getStatus().getVersion()
                                + (Boolean.TRUE.equals(s.getStatus().getVerified()) ? ", verified" : ", not verified")) + ")")
                .collect(Collectors.joining(", ")) + (snapshots.size() > 5 ? ", and " + (snapshots.size() - 5) + " more" : "");
    }

    private static String name(HostedCluster cluster) {
        return cluster.getMetadata().getName();
    }

    private static <T> Supplier<T> once(Supplier<T> supplier) {
        return new Supplier<>() {
            private T value;

            @Override
            public T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }
}
