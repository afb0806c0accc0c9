package dev.hcprollback.webhook.rules;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.config.HcpRollbackConfig.UnknownPayloadMode;
import dev.hcprollback.config.HcpRollbackConfig.UpgradeGateMode;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.eligibility.RollbackEligibility;
import dev.hcprollback.eligibility.SnapshotPayloads;
import dev.hcprollback.eligibility.SnapshotSelection;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateStep;
import dev.hcprollback.webhook.authz.Authorizer;
import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.rules.PayloadChange.Direction;

/**
 * The admission rules for HostedCluster updates: a move to an older payload is admitted only as an
 * authorised, service-led rollback to the previous z-stream, inside the rollback window, backed by a
 * verified snapshot of this cluster taken before the update ({@link RollbackEligibility}, which the
 * rollback controller applies again). Payloads are compared by identity ({@link PayloadIdentity}, their
 * versions found by {@link PayloadVersions}); a payload of unknown version needs the {@code rollback}
 * verb unless configured to warn. The request annotations and the image override annotations are
 * guarded too.
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

    @Inject
    PayloadVersions versions;

    @Inject
    QuarantineGate quarantines;

    public Verdict judge(AdmissionCall call, HostedCluster before, HostedCluster after) {
        if (call.operation() != AdmissionCall.Operation.UPDATE && call.operation() != AdmissionCall.Operation.CREATE) {
            return Verdict.allow(Rule.NOT_AN_UPDATE, call.operation() + " changes no payload");
        }
        Supplier<Authorizer.Decision> authorisation = once(
                () -> authorizer.decide(call.requester(), call.namespace(), after.getMetadata().getName()));

        Optional<Verdict> overrides = imageAnnotationsChanged(before, after)
                ? Optional.of(judgeImageAnnotations(before, after, authorisation))
                : Optional.empty();
        if (overrides.isPresent() && !overrides.get().allowed()) {
            return overrides.get();
        }
        // a new HostedCluster (a restore from backup) has a new uid: a filing it carries names no update of its own
        if (before != null && RollbackRequest.autoRollbackFiledChanged(before, after)
                && !config.serviceAccount().equals(call.requester().username())) {
            return autoRollbackFiledBySidecar(before);
        }
        Optional<Verdict> quarantine = PayloadQuarantine.annotationsChanged(before, after)
                ? Optional.of(quarantines.judgeAnnotations(call, before, after, authorisation))
                : Optional.empty();
        if (quarantine.isPresent() && !quarantine.get().allowed()) {
            return quarantine.get();
        }
        Optional<Verdict> request = RollbackRequest.annotationsChanged(before, after)
                ? Optional.of(judgeRequestAnnotations(call, before, after, authorisation))
                : Optional.empty();
        if (request.isPresent() && !request.get().allowed()) {
            return request.get();
        }
        List<PayloadChange> changes = new ArrayList<>(2);
        for (ReleaseField field : ReleaseField.values()) {
            PayloadChange change = PayloadChange.of(field, before, after, versions::resolve);
            if (change.direction() != Direction.UNCHANGED) {
                changes.add(change);
            }
        }
        Optional<Verdict> quarantined = quarantines.quarantined(before, after, changes);
        if (quarantined.isPresent()) {
            return quarantined.get();
        }
        List<PayloadChange> unknown = withDirection(changes, Direction.UNKNOWN);
        List<String> unknownWarnings = unknown.isEmpty() ? List.of()
                : unknown.stream().map(PayloadChange::unknownVersionWarning).toList();
        List<PayloadChange> downgrades = withDirection(changes, Direction.DOWNGRADE);
        Verdict verdict;
        if (!downgrades.isEmpty()) {
            verdict = judgeDowngrade(call, before, after, downgrades, authorisation);
        } else if (!unknown.isEmpty() && config.upgradeGate().unknownPayload() == UnknownPayloadMode.authorise
                && !authorisation.get().allowed()) {
            return unknownPayloadRefused(unknown.get(0), authorisation.get());
        } else if (!withDirection(changes, Direction.UPGRADE).isEmpty()) {
            verdict = judgeUpgrade(before, withDirection(changes, Direction.UPGRADE));
        } else if (!unknown.isEmpty()) {
            verdict = Verdict.allow(Rule.UNKNOWN_VERSION, "payload version unknown; judged as a new payload"
                    + (config.upgradeGate().unknownPayload() == UnknownPayloadMode.authorise
                            ? " and admitted: " + authorisation.get().grounds()
                            : ""));
        } else if (!changes.isEmpty()) {
            verdict = Verdict.allow(Rule.SAME_VERSION, "the payload changes but its version does not");
        } else {
            verdict = request.or(() -> quarantine).or(() -> overrides).orElse(Verdict.allow(Rule.NO_RELEASE_CHANGE, "no release field changes"));
        }
        boolean verdictIsTheRequest = request.isPresent() && verdict == request.get();
        List<String> requestWarnings = verdictIsTheRequest ? List.of() : request.map(Verdict::warnings).orElse(List.of());
        return verdict.withWarnings(unknownWarnings).withWarnings(requestWarnings);
    }

    /**
     * The record of the sidecar's automatic filing is the sidecar's: removing or changing it would let the sidecar
     * file a second automatic rollback of an update that had one.
     */
    private static Verdict autoRollbackFiledBySidecar(HostedCluster before) {
        return Verdict.deny(Rule.AUTO_ROLLBACK_FILED_BY_SIDECAR, RollbackRequest.AUTO_ROLLBACK_FILED
                + RollbackRequest.autoRollbackFiled(before).map(update -> " (ControlPlaneUpdate " + update + ")").orElse("")
                + " records that hcp-rollback filed the automatic rollback of that update; only hcp-rollback sets, changes"
                + " or removes it, so that an update is rolled back automatically at most once. To stop automatic"
                + " rollbacks of this cluster, set " + RollbackRequest.AUTO_ROLLBACK + " to \"false\".");
    }

    /** A change to a payload nobody can name the version of, by a requester without the rollback verb. */
    private static Verdict unknownPayloadRefused(PayloadChange change, Authorizer.Decision decision) {
        boolean toUnknown = change.toVersion().isEmpty();
        return Verdict.deny(Rule.UNKNOWN_PAYLOAD, change.field().path() + " changes " + (toUnknown ? "to " : "from ")
                + change.unknownImage() + ", whose version hcp-rollback cannot tell: " + change.unknownBecause()
                + ". It could be an older payload, so the change needs the " + Authorizer.VERB + " verb, and "
                + decision.grounds() + ". To proceed, name the payload by a tag that carries its version"
                + " (such as ...:4.18.7-x86_64) or by a digest this cluster's version history or the registry can identify,"
                + " or ask the managed service's SREs, who hold the " + Authorizer.VERB + " verb.");
    }

    private static boolean imageAnnotationsChanged(HostedCluster before, HostedCluster after) {
        Map<String, String> old = before == null ? Map.of() : before.imageAnnotations();
        return !old.equals(after.imageAnnotations());
    }

    private Verdict judgeImageAnnotations(HostedCluster before, HostedCluster after,
            Supplier<Authorizer.Decision> authorisation) {
        Map<String, String> old = before == null ? Map.of() : before.imageAnnotations();
        List<String> changed = HostedCluster.IMAGE_ANNOTATIONS.stream()
                .filter(key -> !Objects.equals(old.get(key), after.imageAnnotations().get(key))).toList();
        Authorizer.Decision decision = authorisation.get();
        if (!decision.allowed()) {
            return Verdict.deny(Rule.IMAGE_OVERRIDE_UNAUTHORISED, "setting, changing or removing "
                    + String.join(" or ", changed) + " swaps control-plane images (possibly for older ones), so it needs the "
                    + Authorizer.VERB + " verb, and " + decision.grounds()
                    + ". These are debugging levers for the managed service's SREs.");
        }
        return Verdict.allow(Rule.IMAGE_OVERRIDE_AUTHORISED, String.join(", ", changed) + " changed ("
                + decision.grounds() + ")");
    }

    private Verdict judgeRequestAnnotations(AdmissionCall call, HostedCluster before, HostedCluster after,
            Supplier<Authorizer.Decision> authorisation) {
        Authorizer.Decision decision = authorisation.get();
        if (!decision.allowed()) {
            return Verdict.deny(Rule.REQUEST_UNAUTHORISED, "only the managed service's SREs may set, change or remove the "
                    + RollbackRequest.PREFIX + "* annotations: " + decision.grounds() + ".");
        }
        RollbackRequest request = RollbackRequest.of(after);
        if (!request.isValid()) {
            return invalidRequest(request);
        }
        RollbackRequest old = RollbackRequest.of(before);
        if (request.cancel().isPresent() && !request.cancel().equals(old.cancel())) {
            return judgeCancel(call, after, request.cancel().get(), decision);
        }
        if (request.cancel().isPresent() && request.toVersion().isPresent() && !request.toVersion().equals(old.toVersion())) {
            return Verdict.deny(Rule.CANCEL_PENDING, RollbackRequest.CANCEL + " is set, so a new rollback request would be"
                    + " withdrawn at once; remove the cancel annotation first, then request again.");
        }
        if (request.toVersion().isEmpty()) {
            return Verdict.allow(Rule.REQUEST_RECORDED, "rollback request withdrawn (" + decision.grounds() + ")");
        }
        if (request.reason().isEmpty()) {
            return reasonMissing();
        }
        String written = request.toVersion().get();
        Optional<ReleaseVersion> to = ReleaseVersion.parse(written);
        if (to.isEmpty()) {
            return Verdict.deny(Rule.ROLLBACK_VERSION_MISMATCH, RollbackRequest.TO_VERSION + " is '"
                    + written + "', which is not a release version such as 4.18.5.");
        }
        if (!to.get().isSpelledAs(written)) {
            return Verdict.deny(Rule.TO_VERSION_NOT_CANONICAL, RollbackRequest.TO_VERSION + " is '" + written
                    + "'; write the version as " + to.get() + " (no 'v', architecture suffix or leading zeros), the one"
                    + " spelling every check and the rollback itself read the same way.");
        }
        if (to.equals(RollbackRequest.of(before).toVersion().flatMap(ReleaseVersion::parse))) {
            return Verdict.allow(Rule.REQUEST_RECORDED, "rollback request amended (" + decision.grounds() + ")");
        }
        if (before == null) {
            return Verdict.deny(Rule.NOT_PREVIOUS_VERSION, "a new HostedCluster has no previous version to roll back to.");
        }
        // the request is judged against the payload the cluster runs now and the snapshot that would back it
        RollbackEligibility.Result eligible = RollbackEligibility.ofRequest(before, to.get(),
                image -> versions.resolve(before, image).version(), evidence(before));
        if (!eligible.eligible()) {
            return refused(eligible);
        }
        return Verdict.allow(Rule.REQUEST_RECORDED, "rollback to " + to.get() + " requested, backed by "
                + eligible.message() + " (" + decision.grounds() + ")").withWarnings(eligible.warnings());
    }

    /**
     * A cancel, set or changed by an authorised requester: it must carry the requester's own user name (so that the
     * record can name who cancelled, as the API server authenticated them), and no unfinished rollback of the cluster
     * may have passed its point of no return, as the cache shows it; one that passes it after this answer ignores the
     * cancel and finishes (the controller says so in its condition {@code CancelIgnored}).
     */
    private Verdict judgeCancel(AdmissionCall call, HostedCluster cluster, String by, Authorizer.Decision decision) {
        String user = call.requester().username();
        if (!by.equals(user)) {
            return Verdict.deny(Rule.CANCEL_NOT_OWN_NAME, RollbackRequest.CANCEL + " is '" + by + "'; it takes exactly"
                    + " your own user name, '" + user + "', which the rollback's record shows as who cancelled.");
        }
        List<dev.hcprollback.api.ControlPlaneRollback> unfinished = caches.rollbacksOf(cluster.getMetadata().getNamespace(),
                name(cluster)).stream().filter(HostedClusterGate::unfinished).toList();
        Optional<dev.hcprollback.api.ControlPlaneRollback> past = unfinished.stream()
                .filter(r -> Boolean.TRUE.equals(r.getStatus().getPointOfNoReturn())).findFirst();
        if (past.isPresent()) {
            String record = past.get().getMetadata().getName();
            return Verdict.deny(Rule.CANCEL_PAST_POINT_OF_NO_RETURN, "rollback " + record + " of " + name(cluster)
                    + " has passed its point of no return (step " + past.get().getStatus().getCurrentStep()
                    + "): etcd's data or the payload may already be changed, so it always finishes and cannot be cancelled."
                    + " Follow it with kubectl -n " + cluster.getMetadata().getNamespace() + " get controlplanerollback "
                    + record + " -w; if it fails, its message names the next manual step (docs/runbook.md).");
        }
        String what = unfinished.isEmpty() ? "no rollback of " + name(cluster) + " is unfinished: the request is withdrawn"
                : "rollback " + unfinished.stream().map(r -> r.getMetadata().getName()).collect(Collectors.joining(", "))
                        + " is cancelled and undone";
        return Verdict.allow(Rule.CANCEL_RECORDED, "cancel by " + user + ": " + what + " (" + decision.grounds() + ")");
    }

    private static boolean unfinished(dev.hcprollback.api.ControlPlaneRollback rollback) {
        RollbackPhase phase = rollback.getStatus() == null ? null : rollback.getStatus().getPhase();
        return phase == null || phase == RollbackPhase.Pending || phase == RollbackPhase.Running;
    }

    private Verdict judgeDowngrade(AdmissionCall call, HostedCluster before, HostedCluster after,
            List<PayloadChange> downgrades, Supplier<Authorizer.Decision> authorisation) {
        RollbackRequest request = RollbackRequest.of(after);
        if (!request.isValid()) {
            return invalidRequest(request);
        }
        for (PayloadChange downgrade : downgrades) {
            String what = downgrade.describe() + ", an older payload.";
            if (request.toVersion().isEmpty()) {
                return Verdict.deny(Rule.ROLLBACK_NOT_REQUESTED, what + " " + SRE_HINT);
            }
            if (!ReleaseVersion.parse(request.toVersion().get()).equals(downgrade.toVersion())) {
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
        List<RollbackEligibility.Target> targets = downgrades.stream()
                .map(d -> new RollbackEligibility.Target(d.field(), d.fromVersion().get(), d.toVersion().get(),
                        UpdateStep.leadingTo(d.field().history(before), d.from().get(), d.fromVersion())))
                .toList();
        Optional<Instant> decided = decidedAt(call, before, targets.get(0).to());
        RollbackEligibility.Result eligible = RollbackEligibility.judge(before, targets, identify(before, after.releaseImage()),
                identify(before, after.controlPlaneReleaseImage()), evidence(before, decided.orElseGet(Instant::now)));
        if (!eligible.eligible()) {
            return refused(eligible);
        }
        return Verdict.allow(Rule.ROLLBACK_ADMITTED, "rollback of " + name(before) + " from " + targets.get(0).from()
                + " to " + targets.get(0).to() + " admitted: backed by " + eligible.message() + ", "
                + decision.grounds() + decided.map(at -> ", as decided at " + Timestamps.format(at)).orElse(""))
                .withWarnings(eligible.warnings());
    }

    private Optional<PayloadIdentity> identify(HostedCluster reporter, Optional<PayloadImage> image) {
        return image.map(i -> PayloadIdentity.of(i, versions.resolve(reporter, i).version()));
    }

    private RollbackEligibility.Evidence evidence(HostedCluster cluster) {
        return evidence(cluster, Instant.now());
    }

    private RollbackEligibility.Evidence evidence(HostedCluster cluster, Instant asOf) {
        String namespace = cluster.getMetadata().getNamespace();
        return new RollbackEligibility.Evidence(caches.snapshotsOf(namespace, name(cluster)),
                caches.nodePoolsOf(namespace, name(cluster)), config.rollback().window(), asOf, caches.rollbackFloors());
    }

    /**
     * For the sidecar's own payload patch of a rollback it decided: when it decided, as the running rollback record the
     * cluster links to says. That moment, not the clock, is what the patch is judged as of, so that a rollback
     * admitted inside its window is not stopped halfway by the window closing (etcd restored, the payload not yet
     * reverted). Only the sidecar writes a record's status (rule rollback-record-status-writer), so nobody else can
     * move the moment; any other requester, record or target is judged by the clock.
     */
    private Optional<Instant> decidedAt(AdmissionCall call, HostedCluster cluster, ReleaseVersion target) {
        if (!config.serviceAccount().equals(call.requester().username())) {
            return Optional.empty();
        }
        String link = Optional.ofNullable(cluster.getMetadata().getAnnotations()).orElse(Map.of())
                .get(RollbackNames.LINK_ANNOTATION);
        if (link == null) {
            return Optional.empty();
        }
        return caches.rollback(cluster.getMetadata().getNamespace(), link)
                .filter(r -> name(cluster).equals(r.getSpec().getHostedClusterName()))
                .filter(r -> ReleaseVersion.parse(r.getSpec().getToVersion()).equals(Optional.of(target)))
                .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == RollbackPhase.Running)
                .map(r -> r.getStatus().getPlan()).map(RollbackPlan::getDecidedAt).flatMap(Timestamps::parse);
    }

    private static Verdict refused(RollbackEligibility.Result result) {
        return Verdict.deny(Rule.of(result.refusal().get()), result.message());
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
                snapshot -> SnapshotPayloads.backs(snapshot, before) && SnapshotPayloads.isOfCurrentPayloadOf(snapshot, before)
                        && snapshot.completedAt().get().isAfter(freshAfter) && RollbackEligibility.restorable(snapshot, before),
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

    /** A flag or strategy spelled otherwise than it accepts: refused, whatever it would have meant. */
    private static Verdict invalidRequest(RollbackRequest request) {
        return Verdict.deny(Rule.REQUEST_ANNOTATION_INVALID, request.invalid().stream()
                .map(RollbackRequest.InvalidValue::describe).collect(Collectors.joining("; "))
                + ". A value hcp-rollback does not take exactly is refused rather than guessed at.");
    }

    private static Verdict reasonMissing() {
        return Verdict.deny(Rule.ROLLBACK_REASON_MISSING, "a rollback request needs a non-blank " + RollbackRequest.REASON
                + " annotation naming the incident.");
    }

    private static List<PayloadChange> withDirection(List<PayloadChange> changes, Direction direction) {
        if (changes.isEmpty()) {
            return List.of(); // the usual update changes no payload: nothing to build
        }
        return changes.stream().filter(c -> c.direction() == direction).toList();
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
