package dev.hcprollback.rollback;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.Step;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.rollback.steps.Checkpoints;
import dev.hcprollback.rollback.steps.RollbackRun;
import dev.hcprollback.rollback.steps.RollbackSettings;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A rollback's cancel: asked for by an SRE (the HostedCluster's cancel annotation, admitted by the webhook for an
 * authorised SRE, whose user name it holds) or automatic, when it has not reached its point of no return within
 * {@code cancelAfter} of its record's creation. Past that point a cancel is ignored, once recorded in the status
 * (condition {@code CancelIgnored}) and an Event: the rollback always finishes. A cancel is written to the record
 * (with the resourceVersion read, so a replica that moved the record on in between wins) before the driver undoes
 * anything; the undo's writes are fenced like every other.
 */
final class RollbackCancel {

    private static final Logger LOG = Logger.getLogger(RollbackCancel.class);
    /** {@code status.failureReason} of a rollback an SRE cancelled. */
    static final String CANCELLED = "Cancelled";
    /** {@code status.failureReason} of a rollback cancelled for not reaching its point of no return in time. */
    static final String CANCEL_TIMEOUT = "CancelTimeout";
    /** {@code status.cancelledBy} of the automatic cancel. */
    static final String CANCELLED_BY_SIDECAR = "hcp-rollback";

    /** Who cancels ({@code status.cancelledBy}), the failure reason, and the message the record and the step get. */
    record Cancel(String by, String reason, String message) {
    }

    private final RollbackSettings settings;
    private final Clock clock;
    private final RollbackEvents events;
    private final Checkpoints checkpoints;

    RollbackCancel(RollbackSettings settings, Clock clock, RollbackEvents events, Checkpoints checkpoints) {
        this.settings = settings;
        this.clock = clock;
        this.events = events;
        this.checkpoints = checkpoints;
    }

    /**
     * The cancel due now for a rollback under way: an SRE's, or the automatic one; none past the point of no return
     * (an SRE's cancel then is recorded as ignored, status written).
     */
    Optional<Cancel> due(RollbackRun run) {
        ControlPlaneRollbackStatus status = run.status();
        Optional<String> by = RollbackRequest.of(run.cluster()).cancel();
        if (Boolean.TRUE.equals(status.getPointOfNoReturn())) {
            by.filter(who -> !who.equals(status.getCancelIgnoredFor())).ifPresent(who -> ignore(run, who));
            return Optional.empty();
        }
        if (by.isPresent()) {
            return Optional.of(new Cancel(by.get(), CANCELLED, "cancelled by " + by.get()));
        }
        // one not planned yet is judged first (a refusal says more than a timeout), and timed out by the planning
        if (status.getPhase() == RollbackPhase.Running) {
            return timedOut(run);
        }
        return Optional.empty();
    }

    /** The automatic cancel, when {@code cancelAfter} passed since the record's creation. */
    Optional<Cancel> timedOut(RollbackRun run) {
        Optional<Instant> created = Timestamps.parse(run.rollback().getMetadata().getCreationTimestamp());
        if (created.isEmpty() || clock.instant().isBefore(created.get().plus(settings.cancelAfter()))) {
            return Optional.empty();
        }
        return Optional.of(new Cancel(CANCELLED_BY_SIDECAR, CANCEL_TIMEOUT, "cancelled automatically: it had not "
                + "reached its point of no return " + RollbackRun.human(settings.cancelAfter()) + " after it was "
                + "requested (hcp-rollback.rollback.cancel-after)"));
    }

    /** Writes the cancel to the record (who, why, the step it ends), ready for the undo. */
    void record(RollbackRun run, Cancel cancel) {
        ControlPlaneRollbackStatus status = run.status();
        status.setCancelledBy(cancel.by());
        status.setFailureReason(cancel.reason());
        String step = status.getCurrentStep();
        if (step != null) {
            status.step(Step.valueOf(step)).filter(record -> record.getPhase() == RollbackPhase.Running).ifPresent(record -> {
                record.setPhase(RollbackPhase.Cancelled);
                record.setCompletionTime(run.now());
                record.setMessage(cancel.message());
            });
        }
        status.setUndoing(true);
        status.setMessage((step == null ? "" : step + ": ") + cancel.message() + ". Undoing what was done.");
        run.persist();
        LOG.infof("rollback %s/%s of cluster %s %s", run.ns(), run.rollback().getMetadata().getName(),
                run.cluster().getMetadata().getName(), cancel.message());
        checkpoints.reached("cancel:started");
    }

    /** After the undo of a cancelled rollback: the request withdrawn, an Event naming who cancelled. */
    void ended(RollbackRun run) {
        withdrawRequest(run);
        events.normal(run.cluster(), run.rollback(), "RollbackCancelled", run.status().getMessage() + " Cancelled by "
                + run.status().getCancelledBy() + ".");
    }

    private void ignore(RollbackRun run, String by) {
        run.status().setCancelIgnoredFor(by);
        run.persist();
        LOG.infof("rollback %s/%s: the cancel by %s came past the point of no return and is ignored", run.ns(),
                run.rollback().getMetadata().getName(), by);
        events.warning(run.cluster(), run.rollback(), "RollbackCancelIgnored", "the cancel by " + by
                + " came after the point of no return: the rollback finishes");
    }

    /**
     * The request annotations (and the cancel) go, so that the trigger files nothing again and a new request starts
     * afresh; the patch is fenced and preconditioned on the cluster as read, and an SRE's edit in between leaves them
     * for the trigger, which withdraws a cancelled request as well.
     */
    private static void withdrawRequest(RollbackRun run) {
        if (RollbackRequest.of(run.cluster()).cancel().isEmpty()) {
            return;
        }
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        RollbackRequest.WITHDRAWN_BY_CANCEL.forEach(annotations::putNull);
        try {
            run.patchCluster(patch);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            LOG.infof("rollback %s/%s: the HostedCluster changed meanwhile; the trigger withdraws the cancelled request",
                    run.ns(), run.rollback().getMetadata().getName());
        }
    }
}
