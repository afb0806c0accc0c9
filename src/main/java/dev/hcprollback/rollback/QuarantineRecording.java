package dev.hcprollback.rollback;

import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.rollback.steps.RollbackRun;

/**
 * The payload quarantine a succeeded rollback leaves on its HostedCluster ({@link PayloadQuarantine}): the payload it
 * took the cluster off, which the gate then refuses to update back to. Written once, in the ending's patch of the
 * cluster's annotations.
 */
final class QuarantineRecording {

    private QuarantineRecording() {
    }

    /**
     * The payload this rollback took the cluster off: the plan's {@code from} release payload, with the digest the
     * cluster's history reports for it; empty without a plan or a payload that parses.
     */
    static Optional<PayloadQuarantine.Entry> of(RollbackRun run) {
        RollbackPlan plan = run.status().getPlan();
        return Optional.ofNullable(plan == null ? null : plan.getFromReleaseImage()).flatMap(PayloadImage::of)
                .map(image -> {
                    PayloadIdentity known = run.cluster().identifyWithHistory(image);
                    Optional<ReleaseVersion> version = Optional.ofNullable(plan.getFromVersion()).flatMap(ReleaseVersion::parse)
                            .or(known::version);
                    return new PayloadQuarantine.Entry(new PayloadIdentity(image, known.digest(), version),
                            run.rollback().getMetadata().getName(), run.now());
                });
    }

    /**
     * Puts {@code entry} into {@code annotations} (a merge patch's) and clears an earlier lift.
     *
     * @return whether the cluster does not carry this rollback's quarantine yet: the patch must be sent. Once it does,
     *         a lift that came after it (a resumed ending) is not undone.
     */
    static boolean addTo(ObjectNode annotations, RollbackRun run, PayloadQuarantine.Entry entry) {
        annotations.put(PayloadQuarantine.ANNOTATION, entry.toAnnotation());
        annotations.putNull(PayloadQuarantine.LIFTED_BY);
        return !PayloadQuarantine.of(run.cluster()).entry().map(e -> e.rollback().equals(entry.rollback())).orElse(false);
    }
}
