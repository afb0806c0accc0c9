package dev.hcprollback.rollback;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RecordedReplicas;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.Step;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.eligibility.RollbackFloors;
import dev.hcprollback.rollback.etcd.EtcdMembersReader;
import dev.hcprollback.rollback.etcd.EtcdRevisionReader;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.rollback.restore.RestoreSource;
import dev.hcprollback.rollback.steps.Checkpoints;
import dev.hcprollback.rollback.steps.Outcome;
import dev.hcprollback.rollback.steps.PauseStep;
import dev.hcprollback.rollback.steps.Preflight;
import dev.hcprollback.rollback.steps.QuiesceStep;
import dev.hcprollback.rollback.steps.ResumeStep;
import dev.hcprollback.rollback.steps.RevertStep;
import dev.hcprollback.rollback.steps.RollbackRun;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.rollback.steps.RunTools;
import dev.hcprollback.rollback.steps.StageStep;
import dev.hcprollback.rollback.steps.StartEtcdStep;
import dev.hcprollback.rollback.steps.StepAction;
import dev.hcprollback.rollback.steps.StepFailure;
import dev.hcprollback.rollback.steps.SwapStep;
import dev.hcprollback.rollback.steps.VerifyStep;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Drives one ControlPlaneRollback a little further each time it is called, from what its status
 * records and what the cluster shows; it keeps nothing in memory between calls, so a sidecar killed
 * at any point resumes where the record says it was.
 *
 * <p>
 * The procedure: a cancel first ({@link RollbackCancel}), then the plan (with its preflight checklist), then the
 * plan's steps in order, each a small {@link StepAction}: Pause, Stage, Quiesce, Swap, StartEtcd, Revert, Resume,
 * Verify; a success leaves the payload it rolled back from quarantined ({@link QuarantineRecording}). A step is
 * recorded as started (status written) before it acts; a failure before the point of no return (the
 * first swap) is undone, one after it leaves the cluster paused with the next manual step. Waits end
 * with a back-off and a per-step timeout measured from the step's recorded start. Errors of the API
 * server propagate, so that the caller (JOSDK) retries the whole call with its back-off.
 */
public class RollbackDriver {

    private static final Logger LOG = Logger.getLogger(RollbackDriver.class);
    /** {@code status.failureReason} when the HostedCluster is gone. */
    static final String HOSTED_CLUSTER_MISSING = "HostedClusterMissing";
    private static final Map<Step, StepAction> STEPS = new EnumMap<>(Map.of(
            Step.Pause, new PauseStep(),
            Step.Quiesce, new QuiesceStep(),
            Step.Stage, new StageStep(),
            Step.Swap, new SwapStep(),
            Step.StartEtcd, new StartEtcdStep(),
            Step.Revert, new RevertStep(),
            Step.Resume, new ResumeStep(),
            Step.Verify, new VerifyStep()));

    private final KubernetesClient client;
    private final RollbackSettings settings;
    private final Clock clock;
    private final RollbackEvents events;
    private final RollbackMetrics metrics;
    private final Checkpoints checkpoints;
    private final RunTools tools;
    private final RollbackCancel cancels;

    public RollbackDriver(KubernetesClient client, RollbackSettings settings, Clock clock, RestoreSource restoreSource,
            EtcdRevisionReader etcd, EtcdMembersReader etcdMembers, RollbackEvents events, RollbackMetrics metrics,
            Checkpoints checkpoints, Supplier<RollbackFloors> floors) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.events = events;
        this.metrics = metrics;
        this.checkpoints = checkpoints;
        this.cancels = new RollbackCancel(settings, clock, events, checkpoints);
        this.tools = new RunTools(client, settings, clock, restoreSource, etcd, etcdMembers, events, checkpoints,
                rollback -> metrics.observe(rollback, settings), floors);
    }

    /**
     * Moves the rollback on as far as it can without waiting.
     *
     * @return when to look again, or empty when the record is finished (or gone)
     */
    public Optional<Duration> reconcile(ControlPlaneRollback given) {
        ControlPlaneRollback fresh = client.resource(given).get();
        if (fresh == null) {
            metrics.forget(given);
            return Optional.empty();
        }
        metrics.observe(fresh, settings);
        if (fresh.getStatus() == null) {
            fresh.setStatus(new ControlPlaneRollbackStatus());
        }
        RollbackRun run = new RollbackRun(tools, fresh);
        RollbackPhase phase = run.status().getPhase();
        if (phase == RollbackPhase.Succeeded || phase == RollbackPhase.Failed || phase == RollbackPhase.Planned
                || phase == RollbackPhase.Cancelled) {
            return Optional.empty();
        }
        if (run.refreshCluster() == null) {
            return finishWithoutCluster(run);
        }
        if (Boolean.TRUE.equals(run.status().getUndoing())) {
            return undo(run);
        }
        Optional<RollbackCancel.Cancel> cancel = cancels.due(run);
        if (cancel.isPresent()) {
            return cancel(run, cancel.get());
        }
        if (phase == null || phase == RollbackPhase.Pending) {
            Optional<Duration> planned = plan(run);
            if (planned != null) {
                return planned;
            }
        }
        return runSteps(run);
    }

    /**
     * The plan's steps in order, from the first not yet succeeded: each recorded as started before it acts, then
     * completed, failed, or waited on (until its timeout); once the last one completed, the rollback succeeds.
     */
    private Optional<Duration> runSteps(RollbackRun run) {
        for (Step step : run.plan().getSteps().stream().map(Step::valueOf).toList()) {
            Optional<RollbackStep> recorded = run.status().step(step);
            if (recorded.isPresent() && recorded.get().getPhase() == RollbackPhase.Succeeded) {
                continue;
            }
            RollbackStep record = recorded.orElseGet(() -> start(run, step));
            checkpoints.reached("started:" + step);
            Outcome outcome;
            try {
                outcome = STEPS.get(step).act(run);
            } catch (StepFailure failure) {
                return fail(run, step, failure.reason, failure.getMessage());
            }
            if (outcome instanceof Outcome.Wait wait) {
                return waitFor(run, step, record, wait);
            }
            complete(run, step, ((Outcome.Done) outcome).message());
            checkpoints.reached("completed:" + step);
        }
        return succeed(run);
    }

    /** A step waits: the wait written to the message, a back-off; past the step's timeout, the step fails. */
    private Optional<Duration> waitFor(RollbackRun run, Step step, RollbackStep record, Outcome.Wait wait) {
        Duration waited = Duration.between(run.started(record), clock.instant());
        Duration timeout = settings.timeoutOf(step);
        if (waited.compareTo(timeout) > 0) {
            return fail(run, step, step + "Timeout",
                    "waited " + RollbackRun.human(timeout) + " for " + wait.forWhat() + " without seeing it");
        }
        String message = step + ": waiting for " + wait.forWhat();
        if (!message.equals(run.status().getMessage())) {
            run.status().setMessage(message);
            run.persist();
        }
        return Optional.of(settings.backOff(waited));
    }

    /** Records the cancel, then undoes what was done through the one undo a failure before the swap takes. */
    private Optional<Duration> cancel(RollbackRun run, RollbackCancel.Cancel cancel) {
        cancels.record(run, cancel);
        return undo(run);
    }

    // ---------------------------------------------------------------- plan

    /** Writes the plan; a dry run ends here, so does a failed preflight. Returns null to go on with the steps. */
    private Optional<Duration> plan(RollbackRun run) {
        ControlPlaneRollbackStatus status = run.status();
        Optional<ControlPlaneRollback> other = client.resources(ControlPlaneRollback.class).inNamespace(run.ns()).list()
                .getItems().stream()
                .filter(r -> !r.getMetadata().getName().equals(run.rollback().getMetadata().getName()))
                .filter(r -> Objects.equals(r.getSpec().getHostedClusterName(), run.rollback().getSpec().getHostedClusterName()))
                .filter(r -> isRunning(r) || isUnstarted(r) && createdBefore(r, run.rollback()))
                .findFirst();
        if (other.isPresent()) {
            return pending(run, "waiting: rollback " + other.get().getMetadata().getName()
                    + " of the same HostedCluster is " + (isRunning(other.get()) ? "running" : "ahead in line")
                    + " (one rollback per cluster at a time)", settings.maxPollInterval());
        }
        RollbackPlan plan;
        try {
            Optional<RollbackPlan> made = Planner.plan(run);
            if (made.isEmpty()) {
                return pending(run, "preflight: waiting for the probe Job of the restore image "
                        + "(can its etcd tool --bump-revision and --mark-compacted?)", settings.pollInterval());
            }
            plan = made.get();
        } catch (StepFailure failure) {
            return refuse(run, null, failure.reason, failure.getMessage());
        }
        status.setPlan(plan);
        status.setObservedGeneration(run.rollback().getMetadata().getGeneration());
        String summary = Planner.summary(plan);
        List<PreflightCheck> failed = Preflight.failed(plan.getPreflight());
        if (run.rollback().getSpec().isDryRun()) {
            status.setPhase(RollbackPhase.Planned);
            status.setCompletionTime(run.now());
            status.setMessage(summary + (failed.isEmpty() ? "" : " A rollback would be refused now.")
                    + " Dry run: nothing was changed.");
            run.persist();
            events.normal(run.cluster(), run.rollback(), "RollbackPlanned", status.getMessage() + " " + RequestOrigin.of(run.rollback()));
            metrics.finished("Planned", run.rollback().getSpec().getStrategy(), null);
            return Optional.empty();
        }
        if (!failed.isEmpty()) {
            return refuse(run, plan, "PreflightFailed", "preflight failed: " + failed.stream()
                    .map(PreflightCheck::toString).collect(Collectors.joining("; ")));
        }
        Optional<RollbackCancel.Cancel> late = cancels.timedOut(run);
        if (late.isPresent()) {
            return cancel(run, late.get()); // waited in line past cancel-after: nothing was done yet
        }
        status.setPhase(RollbackPhase.Running);
        status.setStartTime(run.now());
        status.setMessage(summary);
        run.persist();
        LOG.infof("rollback %s/%s of cluster %s started: %s", run.ns(), run.rollback().getMetadata().getName(),
                run.cluster().getMetadata().getName(), summary);
        events.normal(run.cluster(), run.rollback(), "RollbackStarted", summary + " Reason: " + run.rollback().getSpec().getReason()
                + ". " + RequestOrigin.of(run.rollback()));
        return null;
    }

    private Optional<Duration> pending(RollbackRun run, String message, Duration again) {
        ControlPlaneRollbackStatus status = run.status();
        if (!message.equals(status.getMessage()) || status.getPhase() != RollbackPhase.Pending) {
            status.setPhase(RollbackPhase.Pending);
            status.setMessage(message);
            run.persist();
        }
        return Optional.of(again);
    }

    /** Refused before anything was touched; the plan (with its checklist) stays in the status when there is one. */
    private Optional<Duration> refuse(RollbackRun run, RollbackPlan plan, String reason, String message) {
        ControlPlaneRollbackStatus status = run.status();
        status.setPlan(plan);
        status.setPhase(RollbackPhase.Failed);
        status.setFailureReason(reason);
        status.setMessage(message + ". Nothing was changed.");
        status.setCompletionTime(run.now());
        run.persist();
        LOG.infof("rollback %s/%s of cluster %s refused (%s): %s", run.ns(), run.rollback().getMetadata().getName(),
                run.cluster().getMetadata().getName(), reason, message);
        events.warning(run.cluster(), run.rollback(), "RollbackRefused", message + ". " + RequestOrigin.of(run.rollback()));
        metrics.finished("Refused", run.rollback().getSpec().getStrategy(), null);
        return Optional.empty();
    }

    private static boolean isRunning(ControlPlaneRollback rollback) {
        return rollback.getStatus() != null && rollback.getStatus().getPhase() == RollbackPhase.Running;
    }

    private static boolean isUnstarted(ControlPlaneRollback rollback) {
        return rollback.getStatus() == null || rollback.getStatus().getPhase() == null
                || rollback.getStatus().getPhase() == RollbackPhase.Pending;
    }

    /** Older by creation time, the name breaking ties: of two unstarted records only the first may start. */
    private static boolean createdBefore(ControlPlaneRollback a, ControlPlaneRollback b) {
        int byTime = Objects.toString(a.getMetadata().getCreationTimestamp(), "")
                .compareTo(Objects.toString(b.getMetadata().getCreationTimestamp(), ""));
        return byTime != 0 ? byTime < 0 : a.getMetadata().getName().compareTo(b.getMetadata().getName()) < 0;
    }

    // ---------------------------------------------------------------- step records

    private RollbackStep start(RollbackRun run, Step step) {
        RollbackStep record = new RollbackStep();
        record.setName(step.name());
        record.setPhase(RollbackPhase.Running);
        record.setStartTime(run.now());
        run.status().getSteps().add(record);
        run.status().setCurrentStep(step.name());
        run.status().setMessage(step + ": started");
        run.persist();
        LOG.infof("rollback of cluster %s: step %s started", run.cluster().getMetadata().getName(), step);
        events.normal(run.cluster(), run.rollback(), "RollbackStepStarted", step + " started");
        return run.status().step(step).orElseThrow();
    }

    private void complete(RollbackRun run, Step step, String message) {
        RollbackStep record = run.status().step(step).orElseThrow();
        record.setPhase(RollbackPhase.Succeeded);
        record.setCompletionTime(run.now());
        record.setMessage(message);
        run.status().setMessage(step + ": " + message);
        run.persist();
        Duration took = Duration.between(run.started(record), clock.instant());
        LOG.infof("rollback of cluster %s: step %s succeeded in %s: %s", run.cluster().getMetadata().getName(), step,
                RollbackRun.human(took), message);
        events.normal(run.cluster(), run.rollback(), "RollbackStepSucceeded", step + " done: " + message);
        metrics.step(step, "Succeeded", took);
    }

    // ---------------------------------------------------------------- endings

    private Optional<Duration> succeed(RollbackRun run) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        annotations.putNull(RollbackRequest.TO_VERSION);
        annotations.putNull(RollbackRequest.REASON);
        annotations.putNull(RollbackRequest.DRY_RUN);
        // a cancel that came past the point of no return was answered by finishing: it goes with the request
        annotations.putNull(RollbackRequest.CANCEL);
        Optional<PayloadQuarantine.Entry> quarantine = QuarantineRecording.of(run);
        boolean unrecorded = quarantine.map(entry -> QuarantineRecording.addTo(annotations, run, entry)).orElse(false);
        RollbackRequest request = RollbackRequest.of(run.cluster());
        if (request.isPresent() || request.cancel().isPresent() || unrecorded) {
            run.patchCluster(patch);
        }
        ControlPlaneRollbackStatus status = run.status();
        status.setPhase(RollbackPhase.Succeeded);
        status.setCurrentStep(null);
        status.setCompletionTime(run.now());
        status.setMessage("Rolled back to " + status.getPlan().getToVersion()
                + (status.getDowntime() == null ? "" : "; API servers were down " + status.getDowntime())
                + "; the request annotations were cleared"
                + quarantine.map(q -> "; payload " + q.describe() + " is quarantined on the cluster").orElse(""));
        run.persist();
        LOG.infof("rollback %s/%s of cluster %s succeeded: %s", run.ns(), run.rollback().getMetadata().getName(),
                run.cluster().getMetadata().getName(), status.getMessage());
        events.normal(run.cluster(), run.rollback(), "RollbackSucceeded", status.getMessage());
        metrics.finished("Succeeded", run.rollback().getSpec().getStrategy(), run.total());
        return Optional.empty();
    }

    private Optional<Duration> fail(RollbackRun run, Step step, String reason, String message) {
        ControlPlaneRollbackStatus status = run.status();
        status.step(step).ifPresent(record -> {
            record.setPhase(RollbackPhase.Failed);
            record.setCompletionTime(run.now());
            record.setMessage(message);
            Duration took = Duration.between(run.started(record), clock.instant());
            LOG.infof("rollback of cluster %s: step %s failed in %s (%s): %s", run.cluster().getMetadata().getName(), step,
                    RollbackRun.human(took), reason, message);
            metrics.step(step, "Failed", took);
        });
        status.setFailureReason(reason);
        status.setCurrentStep(step.name());
        if (!Boolean.TRUE.equals(status.getPointOfNoReturn())) {
            status.setUndoing(true);
            status.setMessage(step + " failed (" + reason + "): " + message + ". Undoing what was done.");
            run.persist();
            checkpoints.reached("undo:started");
            return undo(run);
        }
        status.setPhase(RollbackPhase.Failed);
        status.setCompletionTime(run.now());
        status.setMessage(step + " failed (" + reason + "): " + message + ". " + nextManualStep(run, step));
        run.persist();
        events.warning(run.cluster(), run.rollback(), "RollbackFailed", status.getMessage());
        metrics.finished("Failed", run.rollback().getSpec().getStrategy(), run.total());
        return Optional.empty();
    }

    /** Takes back what was done before etcd's data was touched: replicas, then the pause. Idempotent. */
    private Optional<Duration> undo(RollbackRun run) {
        ControlPlaneRollbackStatus status = run.status();
        status.getRecordedReplicas().stream().filter(r -> RecordedReplicas.STATEFUL_SET.equals(r.getKind()))
                .forEach(r -> run.scaleStatefulSet(r.getName(), r.getReplicas()));
        for (RecordedReplicas writer : run.writers()) {
            run.scaleDeployment(writer.getName(), writer.getReplicas());
        }
        run.unpause();
        boolean cancelled = status.getCancelledBy() != null;
        String failure = status.getMessage() == null ? "" : status.getMessage().replace(" Undoing what was done.", "");
        status.setUndoing(null);
        status.setPhase(cancelled ? RollbackPhase.Cancelled : RollbackPhase.Failed);
        status.setCompletionTime(run.now());
        status.setMessage(failure + " Undone: " + (status.getRecordedReplicas().isEmpty() ? "nothing was scaled"
                : "replicas given back (" + status.getRecordedReplicas() + ")")
                + (Boolean.TRUE.equals(status.getPausedByRollback()) ? ", spec.pausedUntil restored" : "")
                + "; etcd data was not touched. " + (cancelled
                        ? "The request annotations are withdrawn; to roll back after all, request again."
                        : "To retry, remove the rollback annotations of the HostedCluster and request again."));
        run.persist();
        LOG.infof("rollback %s/%s of cluster %s %s: %s", run.ns(), run.rollback().getMetadata().getName(),
                run.cluster().getMetadata().getName(), cancelled ? "cancelled" : "undone", status.getMessage());
        if (cancelled) {
            cancels.ended(run);
        } else {
            events.warning(run.cluster(), run.rollback(), "RollbackUndone", status.getMessage());
        }
        metrics.finished(cancelled ? "Cancelled" : "Failed", run.rollback().getSpec().getStrategy(), run.total());
        return Optional.empty();
    }

    private Optional<Duration> finishWithoutCluster(RollbackRun run) {
        ControlPlaneRollbackStatus status = run.status();
        status.setPhase(RollbackPhase.Failed);
        status.setFailureReason(HOSTED_CLUSTER_MISSING);
        status.setCompletionTime(run.now());
        status.setMessage("HostedCluster " + run.ns() + "/" + run.rollback().getSpec().getHostedClusterName()
                + " does not exist" + (status.getSteps().isEmpty() ? ". Nothing was changed." : "."));
        run.persist();
        metrics.finished("Failed", run.rollback().getSpec().getStrategy(), run.total());
        return Optional.empty();
    }

    /** The exact next manual step after a failure past the point of no return (see docs/runbook.md). */
    private static String nextManualStep(RollbackRun run, Step step) {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        String hc = "kubectl -n " + run.ns() + " patch hostedcluster " + run.cluster().getMetadata().getName() + " --type merge -p ";
        String scaleUp = run.writers().stream()
                .map(w -> "kubectl -n " + ns + " scale deployment/" + w.getName() + " --replicas=" + w.getReplicas())
                .collect(Collectors.joining("; "));
        String unpause = hc + "'{\"spec\":{\"pausedUntil\":null}}'";
        RollbackPlan plan = status.getPlan();
        String revertPatch = hc + "'" + RollbackRun.revertPatch(plan) + "'";
        List<String> swaps = status.getRestoreJobs().stream().filter(j -> j.startsWith("hcp-rollback-swap-")).toList();
        return switch (step) {
            case Swap -> "The HostedCluster stays paused with its API servers and etcd scaled to 0; a member whose swap "
                    + "Job succeeded holds the snapshot, the others their old data and the staged copy in "
                    + RestoreScript.WORK_DIR + ". Next: read the Job logs (kubectl -n " + ns + " logs job/<job>), fix the "
                    + "cause, re-create the failed swap Jobs (kubectl -n " + ns + " get job " + String.join(" ", swaps)
                    + ") as docs/runbook.md 'Swap failed' shows; do not scale etcd up before every member is swapped.";
            case StartEtcd -> "The HostedCluster stays paused; etcd was restored and started but has no quorum or is not "
                    + "the restored cluster. Next: kubectl -n " + ns + " logs etcd-0 -c etcd; once EtcdAvailable=True and "
                    + "the members agree, finish by hand: " + revertPatch + "; " + scaleUp + "; " + unpause
                    + " (docs/runbook.md 'No quorum').";
            case Revert -> "The HostedCluster stays paused with etcd restored and the API servers at 0. Next: as an "
                    + "authorised SRE " + revertPatch + "; then " + scaleUp + "; " + unpause
                    + " (docs/runbook.md 'Revert refused').";
            case Verify -> "Reconciliation is resumed on " + plan.getToVersion() + " but it did not report Completed and "
                    + "Available. Next: kubectl -n " + run.ns() + " describe hostedcluster " + run.cluster().getMetadata().getName()
                    + " and follow docs/runbook.md 'Verify timed out'.";
            default -> "Next: follow docs/runbook.md '" + step + " failed'.";
        };
    }
}
