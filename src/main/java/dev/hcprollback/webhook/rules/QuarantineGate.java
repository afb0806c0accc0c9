package dev.hcprollback.webhook.rules;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.webhook.authz.Authorizer;
import dev.hcprollback.webhook.review.AdmissionCall;

/**
 * The payload quarantine's part of the HostedCluster rules ({@link HostedClusterGate}): a payload a rollback took the
 * cluster off is refused while its quarantine holds, and the quarantine's annotations are the sidecar's record, lifted
 * only by an SRE who names themself.
 */
@ApplicationScoped
class QuarantineGate {

    private static final String LIFT_HINT = "To lift it, an SRE holding the " + Authorizer.VERB + " verb sets the annotation "
            + PayloadQuarantine.LIFTED_BY + " to their own user name (docs/runbook.md#lift-a-payload-quarantine).";

    @Inject
    HcpRollbackConfig config;

    @Inject
    PayloadVersions versions;

    /**
     * A change of a release field to the payload a rollback took this cluster off, while its quarantine holds
     * ({@link PayloadQuarantine}: not lifted, and the cluster not on a newer version): refused whoever asks, so that a
     * version controller that only raises the desired version does not force it again. The quarantine as of
     * {@code after} counts (a lift in the same request lifts it; the quarantine itself only the sidecar may write).
     */
    Optional<Verdict> quarantined(HostedCluster before, HostedCluster after, List<PayloadChange> changes) {
        PayloadQuarantine quarantine = PayloadQuarantine.of(after);
        if (before == null || changes.isEmpty() || (quarantine.entry().isEmpty() && quarantine.unreadable().isEmpty())) {
            return Optional.empty();
        }
        Optional<ReleaseVersion> current = before.releaseImage().flatMap(image -> versions.resolve(before, image).version());
        if (!quarantine.holdsAt(current)) {
            return Optional.empty();
        }
        if (quarantine.unreadable().isPresent()) {
            return Optional.of(Verdict.deny(Rule.PAYLOAD_QUARANTINED, quarantine.unreadable().get() + "; no payload change"
                    + " is admitted while it cannot be told which payload is quarantined. " + LIFT_HINT));
        }
        PayloadQuarantine.Entry entry = quarantine.entry().get();
        for (PayloadChange change : changes) {
            Optional<PayloadIdentity> to = change.to().map(image -> PayloadIdentity.of(image, change.toVersion()));
            if (to.isPresent() && quarantine.quarantines(to.get())) {
                return Optional.of(Verdict.deny(Rule.PAYLOAD_QUARANTINED, change.field().path() + " changes to "
                        + change.to().get() + ", the payload " + entry.describe() + " that ControlPlaneRollback "
                        + entry.rollback() + " rolled " + name(before) + " back from" + (entry.since().isEmpty() ? "" : " at "
                                + entry.since()) + ": it is quarantined on this cluster until an SRE lifts the quarantine or"
                        + " a newer payload is chosen. " + LIFT_HINT));
            }
        }
        return Optional.empty();
    }

    /**
     * The quarantine annotations: the quarantine itself is the sidecar's record (set, changed or removed by its
     * service account only); a lift is an SRE's act, recorded by name: {@value PayloadQuarantine#LIFTED_BY} may be set
     * once, to the requester's own user name, by a requester holding the rollback verb, on a cluster with a quarantine,
     * and is removed or changed only by the sidecar (when it records the next quarantine).
     */
    Verdict judgeAnnotations(AdmissionCall call, HostedCluster before, HostedCluster after,
            Supplier<Authorizer.Decision> authorisation) {
        boolean sidecar = config.serviceAccount().equals(call.requester().username());
        Optional<String> oldValue = PayloadQuarantine.annotation(before, PayloadQuarantine.ANNOTATION);
        Optional<String> newValue = PayloadQuarantine.annotation(after, PayloadQuarantine.ANNOTATION);
        Optional<String> oldLift = PayloadQuarantine.annotation(before, PayloadQuarantine.LIFTED_BY);
        Optional<String> newLift = PayloadQuarantine.annotation(after, PayloadQuarantine.LIFTED_BY);
        if (sidecar) {
            return Verdict.allow(Rule.QUARANTINE_RECORDED, newValue.isPresent()
                    ? "payload quarantine recorded: " + PayloadQuarantine.of(after).entry().map(PayloadQuarantine.Entry::describe)
                            .orElse(newValue.get())
                    : "payload quarantine removed by the sidecar");
        }
        if (!oldValue.equals(newValue)) {
            return Verdict.deny(Rule.QUARANTINE_BY_SIDECAR, PayloadQuarantine.ANNOTATION + " is the sidecar's record of the"
                    + " payload a rollback took this cluster off; only the sidecar sets, changes or removes it. " + LIFT_HINT);
        }
        if (oldLift.isPresent()) {
            return Verdict.deny(Rule.QUARANTINE_BY_SIDECAR, PayloadQuarantine.LIFTED_BY + " records who lifted the"
                    + " quarantine (" + oldLift.get() + "); it is not changed or removed but by the sidecar, when a later"
                    + " rollback records a new quarantine.");
        }
        Authorizer.Decision decision = authorisation.get();
        if (!decision.allowed()) {
            return Verdict.deny(Rule.QUARANTINE_LIFT_UNAUTHORISED, "lifting the quarantine of the payload a rollback took this"
                    + " cluster off lets it be forced again, so it needs the " + Authorizer.VERB + " verb, and "
                    + decision.grounds() + ".");
        }
        String requester = call.requester().username();
        if (!newLift.get().equals(requester)) {
            return Verdict.deny(Rule.QUARANTINE_LIFT_INVALID, PayloadQuarantine.LIFTED_BY + " is '" + newLift.get()
                    + "'; it records who lifted the quarantine, so write your own user name: " + requester + ".");
        }
        PayloadQuarantine quarantine = PayloadQuarantine.of(after);
        if (quarantine.entry().isEmpty() && quarantine.unreadable().isEmpty()) {
            return Verdict.deny(Rule.QUARANTINE_LIFT_INVALID, name(after) + " has no payload quarantine to lift.");
        }
        return Verdict.allow(Rule.QUARANTINE_LIFTED, "quarantine of " + quarantine.entry().map(PayloadQuarantine.Entry::describe)
                .orElse("an unreadable payload") + " lifted by " + requester + " (" + decision.grounds() + ")");
    }

    private static String name(HostedCluster cluster) {
        return cluster.getMetadata().getName();
    }
}
