package dev.hcprollback.rollback;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.HostedClusterSpec;
import dev.hcprollback.hypershift.KnownPayload;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.Release;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.VersionStatus;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Drives one ControlPlaneRollback a little further each time it is called, from what its status
 * records and what the cluster shows; it keeps nothing in memory between calls, so a sidecar killed
 * at any point resumes where the record says it was.
 *
 * <p>
 * Rules it keeps: a step is recorded as started (status written) before it acts; what an undo
 * needs (replicas, the previous {@code pausedUntil}) is recorded before anything is changed; every
 * action first checks whether it is already done (deterministic Job names, replicas and images
 * compared before a patch), so an action interrupted by a crash is not done twice; a destructive
 * action that failed is never repeated by itself. Waits end with a back-off and a per-step timeout
 * measured from the step's recorded start. Errors of the API server propagate, so that the caller
 * (JOSDK) retries the whole call with its back-off.
 */
public class RollbackDriver {

    private static final Logger LOG = Logger.getLogger(RollbackDriver.class);

    /** The writers of etcd and the operator that would scale them back, in the order they are stopped. */
    public static final List<String> WRITERS = List.of("control-plane-operator", "kube-apiserver", "openshift-apiserver",
            "openshift-oauth-apiserver");
    static final List<String> REQUIRED_WORKLOADS = List.of("kube-apiserver");
    public static final String ETCD = "etcd";

    /** Called at named points of a rollback; tests use it to kill the driver there. */
    public interface Checkpoints {
        Checkpoints NONE = name -> {
        };

        void reached(String name);
    }

    private final KubernetesClient client;
    private final RollbackSettings settings;
    private final Clock clock;
    private final RestoreSource restoreSource;
    private final EtcdRevisionReader etcd;
    private final RollbackEvents events;
    private final RollbackMetrics metrics;
    private final Checkpoints checkpoints;

    public RollbackDriver(KubernetesClient client, RollbackSettings settings, Clock clock, RestoreSource restoreSource,
            EtcdRevisionReader etcd, RollbackEvents events, RollbackMetrics metrics, Checkpoints checkpoints) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.restoreSource = restoreSource;
        this.etcd = etcd;
        this.events = events;
        this.metrics = metrics;
        this.checkpoints = checkpoints;
    }

    /** A step's verdict on one look at the cluster. */
    sealed interface Outcome permits Done, Wait {
    }

    record Done(String message) implements Outcome {
    }

    record Wait(String forWhat) implements Outcome {
    }

    /** A step cannot go on; {@code reason} is a stable code for the status and the runbook. */
    static final class StepFailure extends Exception {
        final String reason;

        StepFailure(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    /** The rollback being driven, re-read and re-written as one call goes along. */
    private final class Run {
        ControlPlaneRollback rollback;
        HostedCluster cluster;

        Run(ControlPlaneRollback rollback) {
            this.rollback = rollback;
        }

        ControlPlaneRollbackStatus status() {
            return rollback.getStatus();
        }

        String ns() {
            return rollback.getMetadata().getNamespace();
        }

        String cpNamespace() {
            return cluster.controlPlaneNamespace();
        }

        /** Writes the status with the resourceVersion read: a concurrent writer gets a conflict, never a silent overwrite. */
        void persist() {
            ControlPlaneRollbackStatus status = rollback.getStatus();
            ControlPlaneRollback updated = client.resource(rollback).updateStatus();
            // keep the one status object the steps hold on to; the server stored exactly it
            updated.setStatus(status);
            rollback = updated;
        }

        HostedCluster refreshCluster() {
            cluster = client.resources(HostedCluster.class).inNamespace(ns())
                    .withName(rollback.getSpec().getHostedClusterName()).get();
            return cluster;
        }
    }

    /**
     * Moves the rollback on as far as it can without waiting.
     *
     * @return when to look again, or empty when the record is finished (or gone)
     */
    public Optional<Duration> reconcile(ControlPlaneRollback given) {
        ControlPlaneRollback fresh = client.resource(given).get();
        if (fresh == null) {
            return Optional.empty();
        }
        if (fresh.getStatus() == null) {
            fresh.setStatus(new ControlPlaneRollbackStatus());
        }
        Run run = new Run(fresh);
        RollbackPhase phase = run.status().getPhase();
        if (phase == RollbackPhase.Succeeded || phase == RollbackPhase.Failed || phase == RollbackPhase.Planned) {
            return Optional.empty();
        }
        if (run.refreshCluster() == null) {
            return finishWithoutCluster(run);
        }
        if (Boolean.TRUE.equals(run.status().getUndoing())) {
            return undo(run);
        }
        if (phase == null || phase == RollbackPhase.Pending) {
            Optional<Duration> planned = plan(run);
            if (planned != null) {
                return planned;
            }
        }
        for (Step step : Step.of(run.rollback.getSpec().getStrategy())) {
            Optional<RollbackStep> recorded = run.status().step(step);
            if (recorded.isPresent() && recorded.get().getPhase() == RollbackPhase.Succeeded) {
                continue;
            }
            RollbackStep record = recorded.orElseGet(() -> start(run, step));
            checkpoints.reached("started:" + step);
            Outcome outcome;
            try {
                outcome = act(run, step);
            } catch (StepFailure failure) {
                return fail(run, step, failure.reason, failure.getMessage());
            }
            if (outcome instanceof Wait wait) {
                Duration waited = Duration.between(started(record), clock.instant());
                Duration timeout = settings.timeoutOf(step);
                if (waited.compareTo(timeout) > 0) {
                    return fail(run, step, step + "Timeout",
                            "waited " + human(timeout) + " for " + wait.forWhat() + " without seeing it");
                }
                String message = step + ": waiting for " + wait.forWhat();
                if (!message.equals(run.status().getMessage())) {
                    run.status().setMessage(message);
                    run.persist();
                }
                return Optional.of(settings.backOff(waited));
            }
            complete(run, step, ((Done) outcome).message());
            checkpoints.reached("completed:" + step);
        }
        return succeed(run);
    }

    // ---------------------------------------------------------------- plan

    /** Writes the plan; a dry run ends here. Returns null to go on with the steps. */
    private Optional<Duration> plan(Run run) {
        ControlPlaneRollbackStatus status = run.status();
        Optional<ControlPlaneRollback> other = client.resources(ControlPlaneRollback.class).inNamespace(run.ns()).list()
                .getItems().stream()
                .filter(r -> !r.getMetadata().getName().equals(run.rollback.getMetadata().getName()))
                .filter(r -> Objects.equals(r.getSpec().getHostedClusterName(), run.rollback.getSpec().getHostedClusterName()))
                .filter(r -> isRunning(r) || isUnstarted(r) && createdBefore(r, run.rollback))
                .findFirst();
        if (other.isPresent()) {
            String message = "waiting: rollback " + other.get().getMetadata().getName()
                    + " of the same HostedCluster is " + (isRunning(other.get()) ? "running" : "ahead in line")
                    + " (one rollback per cluster at a time)";
            if (!message.equals(status.getMessage()) || status.getPhase() != RollbackPhase.Pending) {
                status.setPhase(RollbackPhase.Pending);
                status.setMessage(message);
                run.persist();
            }
            return Optional.of(settings.maxPollInterval());
        }
        RollbackPlan plan;
        try {
            plan = buildPlan(run);
        } catch (StepFailure failure) {
            status.setPhase(RollbackPhase.Failed);
            status.setFailureReason(failure.reason);
            status.setMessage(failure.getMessage() + ". Nothing was changed.");
            status.setCompletionTime(now());
            run.persist();
            events.warning(run.cluster, "RollbackRefused", failure.getMessage() + ". " + RequestOrigin.of(run.rollback));
            metrics.finished("Refused", run.rollback.getSpec().getStrategy(), null);
            return Optional.empty();
        }
        status.setPlan(plan);
        status.setObservedGeneration(run.rollback.getMetadata().getGeneration());
        if (run.rollback.getSpec().isDryRun()) {
            status.setPhase(RollbackPhase.Planned);
            status.setCompletionTime(now());
            status.setMessage(summary(plan) + " Dry run: nothing was changed.");
            run.persist();
            events.normal(run.cluster, "RollbackPlanned", status.getMessage() + " " + RequestOrigin.of(run.rollback));
            metrics.finished("Planned", run.rollback.getSpec().getStrategy(), null);
            return Optional.empty();
        }
        status.setPhase(RollbackPhase.Running);
        status.setStartTime(now());
        status.setMessage(summary(plan));
        run.persist();
        events.normal(run.cluster, "RollbackStarted", summary(plan) + " Reason: " + run.rollback.getSpec().getReason()
                + ". " + RequestOrigin.of(run.rollback));
        return null;
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

    private RollbackPlan buildPlan(Run run) throws StepFailure {
        ControlPlaneRollbackSpec spec = run.rollback.getSpec();
        HostedCluster cluster = run.cluster;
        ControlPlaneSnapshot snapshot = snapshot(run);
        ReleaseVersion target = ReleaseVersion.parse(spec.getToVersion())
                .orElseThrow(() -> new StepFailure("InvalidVersion", "toVersion " + spec.getToVersion() + " is not a version"));
        requireEligible(run, target, snapshot);
        PayloadImage snapshotRelease = PayloadImage.of(snapshot.getStatus().getReleaseImage())
                .orElseThrow(() -> new StepFailure("SnapshotWithoutPayload",
                        "snapshot " + snapshot.getMetadata().getName() + " records no release image"));
        Optional<ReleaseVersion> snapshotVersion = Optional.ofNullable(snapshot.getStatus().getVersion())
                .flatMap(ReleaseVersion::parse).or(() -> cluster.versionOf(snapshotRelease));
        if (!snapshotVersion.equals(Optional.of(target))) {
            throw new StepFailure("SnapshotVersionMismatch", "snapshot " + snapshot.getMetadata().getName() + " is of "
                    + snapshotVersion.map(Object::toString).orElse("an unknown version") + ", not " + target);
        }
        PayloadImage currentRelease = cluster.releaseImage()
                .orElseThrow(() -> new StepFailure("NoRelease", "the HostedCluster has no spec.release.image"));
        Optional<ReleaseVersion> current = cluster.versionOf(currentRelease);
        if (current.equals(Optional.of(target))
                && snapshot.releasePayload().map(cluster.identify(currentRelease)::isSamePayloadAs).orElse(false)) {
            throw new StepFailure("AlreadyAtTarget", "the HostedCluster already runs " + target);
        }
        RollbackPlan plan = new RollbackPlan();
        plan.setFromVersion(current.map(Object::toString).orElse(null));
        plan.setToVersion(target.toString());
        plan.setFromReleaseImage(currentRelease.pullSpec());
        plan.setToReleaseImage(snapshotRelease.pullSpec());
        cluster.controlPlaneReleaseImage().ifPresent(cp -> {
            plan.setFromControlPlaneReleaseImage(cp.pullSpec());
            plan.setToControlPlaneReleaseImage(Optional.ofNullable(snapshot.getStatus().getControlPlaneReleaseImage())
                    .orElse(snapshotRelease.pullSpec()));
        });
        plan.setSnapshot(snapshot.getMetadata().getName());
        plan.setSnapshotLocation(snapshot.getStatus().getLocation());
        plan.setControlPlaneNamespace(cluster.controlPlaneNamespace());
        plan.setSteps(Step.of(spec.getStrategy()).stream().map(Step::name).toList());
        if (spec.getStrategy() != RollbackStrategy.PayloadOnly) {
            requireRunningControlPlane(cluster.controlPlaneNamespace());
            plan.setDataLoss(dataLoss(cluster, snapshot));
        }
        plan.setNodePoolsStayingNewer(client.resources(NodePool.class).inNamespace(run.ns()).list().getItems().stream()
                .filter(pool -> pool.clusterName().filter(cluster.getMetadata().getName()::equals).isPresent())
                .filter(pool -> pool.version().filter(v -> v.isNewerThan(target)).isPresent())
                .map(pool -> new NewerNodePool(pool.getMetadata().getName(), pool.version().get().toString()))
                .toList());
        return plan;
    }

    /**
     * The same eligibility the admission webhook applies to a request (strictly older, same minor, the
     * previous version, inside the window, the named snapshot verified and recorded of this cluster's uid,
     * no NodePool a minor ahead), checked again here whoever created the record and before anything is touched.
     */
    private void requireEligible(Run run, ReleaseVersion target, ControlPlaneSnapshot snapshot) throws StepFailure {
        String written = run.rollback.getSpec().getToVersion();
        if (!target.isSpelledAs(written)) {
            throw new StepFailure("NotEligible", "[to-version-not-canonical] toVersion is '" + written + "'; write it as "
                    + target);
        }
        HostedCluster cluster = run.cluster;
        List<NodePool> pools = client.resources(NodePool.class).inNamespace(run.ns()).list().getItems().stream()
                .filter(pool -> pool.clusterName().filter(cluster.getMetadata().getName()::equals).isPresent()).toList();
        RollbackEligibility.Result result = RollbackEligibility.ofRequest(cluster, target,
                image -> cluster.versionOf(image).or(() -> KnownPayload.versionOf(image, snapshot.knownPayloads())),
                new RollbackEligibility.Evidence(List.of(snapshot), pools, settings.window(), clock.instant()));
        if (!result.eligible()) {
            throw new StepFailure("NotEligible", "[" + result.refusal().get().id() + "] " + result.message());
        }
    }

    /**
     * A control plane with kube-apiserver or etcd at 0 replicas is not one to record replicas of: an
     * earlier rollback may have stopped half-way, and its recorded replicas are the ones to give back.
     */
    private void requireRunningControlPlane(String ns) throws StepFailure {
        Deployment apiServer = client.apps().deployments().inNamespace(ns).withName("kube-apiserver").get();
        StatefulSet etcdSet = client.apps().statefulSets().inNamespace(ns).withName(ETCD).get();
        if (apiServer == null || etcdSet == null) {
            throw new StepFailure("WorkloadMissing", (apiServer == null ? "Deployment " + ns + "/kube-apiserver"
                    : "StatefulSet " + ns + "/etcd") + " does not exist");
        }
        if (Objects.equals(apiServer.getSpec().getReplicas(), 0) || Objects.equals(etcdSet.getSpec().getReplicas(), 0)) {
            throw new StepFailure("ControlPlaneNotRunning", "kube-apiserver or etcd in " + ns + " is scaled to 0: an "
                    + "earlier rollback may have stopped half-way; finish it by hand first (docs/runbook.md)");
        }
    }

    private ControlPlaneSnapshot snapshot(Run run) throws StepFailure {
        String name = run.rollback.getSpec().getSnapshotName();
        if (name == null || name.isBlank()) {
            throw new StepFailure("NoSnapshot", "no verified snapshot of " + run.rollback.getSpec().getToVersion()
                    + " backs this rollback (spec.snapshotName is empty)");
        }
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace(run.ns()).withName(name)
                .get();
        if (snapshot == null) {
            throw new StepFailure("SnapshotMissing", "snapshot " + name + " does not exist");
        }
        if (!snapshot.isVerified()) {
            throw new StepFailure("SnapshotNotVerified", "snapshot " + name + " is not Succeeded and verified");
        }
        if (!snapshot.belongsTo(run.cluster)) {
            throw new StepFailure("SnapshotOfOtherCluster", "snapshot " + name + " is not of HostedCluster "
                    + run.cluster.getMetadata().getName());
        }
        return snapshot;
    }

    private DataLossWindow dataLoss(HostedCluster cluster, ControlPlaneSnapshot snapshot) {
        Long revision = snapshot.getStatus().getEtcdRevision();
        DataLossWindow window;
        if (revision == null) {
            window = new DataLossWindow();
            window.setNote("the snapshot records no etcd revision: the changes since cannot be counted");
        } else {
            try {
                window = etcd.changesSince(cluster.controlPlaneNamespace(), revision);
            } catch (Exception e) {
                LOG.warnf("data-loss window of %s not read: %s", cluster.getMetadata().getName(), e.toString());
                window = new DataLossWindow();
                window.setSnapshotRevision(revision);
                window.setNote("etcd could not be read to count the changes since the snapshot: "
                        + KeyChanges.rootMessage(e));
            }
        }
        window.setSnapshotTime(snapshot.getStatus().getCompletionTime());
        return window;
    }

    private static String summary(RollbackPlan plan) {
        StringBuilder text = new StringBuilder("Roll back ").append(plan.getFromVersion()).append(" -> ")
                .append(plan.getToVersion()).append(" from snapshot ").append(plan.getSnapshot()).append('.');
        DataLossWindow loss = plan.getDataLoss();
        if (loss != null) {
            text.append(" Data-loss window: writes since ").append(loss.getSnapshotTime());
            if (loss.getKeysChanged() != null) {
                text.append(" (revision ").append(loss.getSnapshotRevision()).append(" -> ")
                        .append(loss.getCurrentRevision()).append(", ").append(loss.getKeysChanged())
                        .append(" keys changed: ").append(loss.getKeysChangedByResource().stream().limit(5)
                                .map(KindCount::toString).collect(Collectors.joining(", ")));
                if (loss.getKeysDeleted() != null) {
                    text.append("; ").append(loss.getKeysDeleted()).append(" deleted");
                }
                text.append(")");
            }
            if (loss.getNote() != null) {
                text.append(" (").append(loss.getNote()).append(")");
            }
            text.append('.');
        } else {
            text.append(" PayloadOnly: etcd is kept.");
        }
        if (!plan.getNodePoolsStayingNewer().isEmpty()) {
            text.append(" NodePools staying newer: ").append(plan.getNodePoolsStayingNewer().stream()
                    .map(p -> p.getName() + " (" + p.getVersion() + ")").collect(Collectors.joining(", "))).append('.');
        }
        return text.toString();
    }

    // ---------------------------------------------------------------- steps

    private RollbackStep start(Run run, Step step) {
        RollbackStep record = new RollbackStep();
        record.setName(step.name());
        record.setPhase(RollbackPhase.Running);
        record.setStartTime(now());
        run.status().getSteps().add(record);
        run.status().setCurrentStep(step.name());
        run.status().setMessage(step + ": started");
        run.persist();
        events.normal(run.cluster, "RollbackStep", step + " started");
        return run.status().step(step).orElseThrow();
    }

    private void complete(Run run, Step step, String message) {
        RollbackStep record = run.status().step(step).orElseThrow();
        record.setPhase(RollbackPhase.Succeeded);
        record.setCompletionTime(now());
        record.setMessage(message);
        run.status().setMessage(step + ": " + message);
        run.persist();
        events.normal(run.cluster, "RollbackStep", step + " done: " + message);
        metrics.step(step, "Succeeded", Duration.between(started(record), clock.instant()));
    }

    private Outcome act(Run run, Step step) throws StepFailure {
        return switch (step) {
            case Pause -> pause(run);
            case Quiesce -> quiesce(run);
            case Restore -> restore(run);
            case StartEtcd -> startEtcd(run);
            case Revert -> revert(run);
            case Resume -> resume(run);
            case Verify -> verify(run);
        };
    }

    private Outcome pause(Run run) {
        ControlPlaneRollbackStatus status = run.status();
        if (status.getPausedByRollback() == null) {
            status.setPausedUntilBefore(pausedUntil(run.cluster));
            status.setPausedByRollback(true);
            run.persist();
            checkpoints.reached("recorded:pausedUntil");
        }
        if (!"true".equals(pausedUntil(run.cluster))) {
            patchCluster(run, spec("pausedUntil", "true"));
            checkpoints.reached("patched:pausedUntil");
        }
        if (conditionStatus(run.cluster, "ReconciliationActive").equals("False")) {
            return new Done("reconciliation of the HostedCluster is paused");
        }
        return new Wait("the HostedCluster to report ReconciliationActive=False");
    }

    private Outcome quiesce(Run run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        if (status.getRecordedReplicas().isEmpty()) {
            List<RecordedReplicas> recorded = new ArrayList<>();
            for (String name : WRITERS) {
                Deployment deployment = client.apps().deployments().inNamespace(ns).withName(name).get();
                if (deployment == null) {
                    if (REQUIRED_WORKLOADS.contains(name)) {
                        throw new StepFailure("WorkloadMissing", "Deployment " + ns + "/" + name + " does not exist");
                    }
                    continue;
                }
                recorded.add(new RecordedReplicas(RecordedReplicas.DEPLOYMENT, name,
                        Optional.ofNullable(deployment.getSpec().getReplicas()).orElse(1)));
            }
            StatefulSet etcdSet = client.apps().statefulSets().inNamespace(ns).withName(ETCD).get();
            if (etcdSet == null) {
                throw new StepFailure("WorkloadMissing", "StatefulSet " + ns + "/etcd does not exist");
            }
            int etcdReplicas = Optional.ofNullable(etcdSet.getSpec().getReplicas()).orElse(1);
            if (etcdReplicas < 1) {
                throw new StepFailure("EtcdNotRunning", "StatefulSet " + ns + "/etcd has 0 replicas before the rollback");
            }
            recorded.add(new RecordedReplicas(RecordedReplicas.STATEFUL_SET, ETCD, etcdReplicas));
            status.setRecordedReplicas(recorded);
            run.persist();
            checkpoints.reached("recorded:replicas");
        }
        List<String> running = new ArrayList<>();
        for (RecordedReplicas writer : writers(status)) {
            scaleDeployment(ns, writer.getName(), 0);
            if (podsOf(ns, deploymentSelector(ns, writer.getName())) > 0) {
                running.add(writer.getName());
            }
        }
        checkpoints.reached("scaled:writers");
        if (!running.isEmpty()) {
            return new Wait("the pods of " + String.join(", ", running) + " to go");
        }
        scaleStatefulSet(ns, ETCD, 0);
        checkpoints.reached("scaled:etcd");
        if (podsOf(ns, statefulSetSelector(ns, ETCD)) > 0) {
            return new Wait("the etcd pods to go");
        }
        return new Done("writers and etcd scaled to 0 (recorded " + status.getRecordedReplicas() + ")");
    }

    private Outcome restore(Run run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        int members = etcdReplicas(status);
        StatefulSet etcdSet = client.apps().statefulSets().inNamespace(ns).withName(ETCD).get();
        if (status.getEtcdImage() == null) {
            String image = etcdSet == null ? null : etcdSet.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> ETCD.equals(c.getName())).map(c -> c.getImage()).findFirst().orElse(null);
            if (image == null) {
                throw new StepFailure("EtcdImageUnknown", "StatefulSet " + ns + "/etcd has no container named etcd");
            }
            status.setEtcdImage(image);
            for (int member = 0; member < members; member++) {
                status.getRestoreJobs().add(RollbackNames.restoreJob(run.rollback, member));
            }
            run.persist();
        }
        if (podsOf(ns, statefulSetSelector(ns, ETCD)) > 0) {
            return new Wait("the etcd pods to go before their volumes are restored");
        }
        Map<Integer, Job> jobs = new LinkedHashMap<>();
        for (int member = 0; member < members; member++) {
            jobs.put(member, client.batch().v1().jobs().inNamespace(ns).withName(RollbackNames.restoreJob(run.rollback, member))
                    .get());
        }
        if (jobs.containsValue(null)) {
            if (!Boolean.TRUE.equals(status.getPointOfNoReturn())) {
                // a Job without its volume would wait until the timeout with the cluster down: check first
                List<String> missing = new ArrayList<>();
                for (int member = 0; member < members; member++) {
                    if (client.persistentVolumeClaims().inNamespace(ns).withName("data-etcd-" + member).get() == null) {
                        missing.add("data-etcd-" + member);
                    }
                }
                if (!missing.isEmpty()) {
                    throw new StepFailure("EtcdVolumeMissing", "PersistentVolumeClaim(s) " + String.join(", ", missing)
                            + " of etcd do not exist in " + ns);
                }
            }
            ControlPlaneSnapshot snapshot;
            RestoreSource.Download download;
            try {
                snapshot = snapshot(run);
                download = restoreSource.downloadOf(snapshot, settings.restoreUrlTtl());
            } catch (RestoreSource.RestoreSourceException e) {
                throw new StepFailure("SnapshotUnavailable", "no download URL for the snapshot: " + e.getMessage());
            }
            if (!Boolean.TRUE.equals(status.getPointOfNoReturn())) {
                status.setPointOfNoReturn(true);
                run.persist();
                checkpoints.reached("pointOfNoReturn");
            }
            for (Map.Entry<Integer, Job> entry : jobs.entrySet()) {
                if (entry.getValue() != null) {
                    continue;
                }
                int member = entry.getKey();
                Job job = RestoreJobs.build(run.rollback, ns, member, status.getEtcdImage(),
                        RestoreScript.environment(ns, members, member, download.url(), download.sha256(),
                                settings.bumpRevision()),
                        etcdSet, settings.restoreTimeout().toSeconds());
                try {
                    entry.setValue(client.resource(job).create());
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    entry.setValue(client.resource(job).get());
                }
                events.normal(run.cluster, "RollbackStep", "Restore: created Job " + ns + "/" + job.getMetadata().getName()
                        + " for member " + RestoreScript.memberName(member) + " from snapshot " + snapshot.getMetadata().getName());
                checkpoints.reached("created:" + job.getMetadata().getName());
            }
        }
        List<String> failed = jobs.values().stream().filter(Objects::nonNull).filter(RestoreJobs::failed)
                .map(j -> j.getMetadata().getName()).toList();
        if (!failed.isEmpty()) {
            throw new StepFailure("RestoreJobFailed", "restore Job(s) " + String.join(", ", failed) + " in " + ns + " failed");
        }
        List<String> pending = jobs.values().stream().filter(j -> j == null || !RestoreJobs.succeeded(j))
                .map(j -> j == null ? "?" : j.getMetadata().getName()).toList();
        if (!pending.isEmpty()) {
            return new Wait("restore Job(s) " + String.join(", ", pending) + " to succeed");
        }
        return new Done(members + " member(s) restored from snapshot " + run.rollback.getSpec().getSnapshotName());
    }

    private Outcome startEtcd(Run run) {
        String ns = run.cpNamespace();
        int replicas = etcdReplicas(run.status());
        scaleStatefulSet(ns, ETCD, replicas);
        checkpoints.reached("scaled:etcd-up");
        StatefulSet etcdSet = client.apps().statefulSets().inNamespace(ns).withName(ETCD).get();
        int ready = etcdSet == null || etcdSet.getStatus() == null || etcdSet.getStatus().getReadyReplicas() == null ? 0
                : etcdSet.getStatus().getReadyReplicas();
        // the HostedCluster is paused, so EtcdAvailable alone may be the stale True from before Quiesce:
        // quorum counts only once the StatefulSet itself reports every member ready.
        if (ready >= replicas && conditionStatus(run.cluster, "EtcdAvailable").equals("True")) {
            return new Done("etcd runs " + replicas + " member(s) with quorum");
        }
        return new Wait("etcd quorum (" + ready + "/" + replicas + " members ready, EtcdAvailable="
                + conditionStatus(run.cluster, "EtcdAvailable") + ")");
    }

    private Outcome revert(Run run) throws StepFailure {
        RollbackPlan plan = run.status().getPlan();
        HostedClusterSpec spec = run.cluster.getSpec();
        boolean releaseDone = samePayload(plan.getToReleaseImage(), image(spec.getRelease()));
        boolean controlPlaneDone = plan.getToControlPlaneReleaseImage() == null
                || samePayload(plan.getToControlPlaneReleaseImage(), image(spec.getControlPlaneRelease()));
        if (!releaseDone || !controlPlaneDone) {
            ObjectNode patch = JsonNodeFactory.instance.objectNode();
            ObjectNode specPatch = patch.putObject("spec");
            specPatch.putObject("release").put("image", plan.getToReleaseImage());
            if (plan.getToControlPlaneReleaseImage() != null) {
                specPatch.putObject("controlPlaneRelease").put("image", plan.getToControlPlaneReleaseImage());
            }
            try {
                patchCluster(run, patch);
            } catch (KubernetesClientException e) {
                if (e.getCode() >= 400 && e.getCode() < 500 && e.getCode() != 409) {
                    throw new StepFailure("RevertRejected", "the API server refused the payload patch (" + e.getCode()
                            + "): " + e.getMessage());
                }
                throw e;
            }
            checkpoints.reached("patched:release");
        }
        if (!Boolean.TRUE.equals(run.status().getPointOfNoReturn())) {
            run.status().setPointOfNoReturn(true);
            run.persist();
        }
        return new Done("spec.release.image" + (plan.getToControlPlaneReleaseImage() == null ? "" : " and spec.controlPlaneRelease.image")
                + " set to " + plan.getToVersion());
    }

    private Outcome resume(Run run) {
        String ns = run.cpNamespace();
        for (RecordedReplicas writer : writers(run.status())) {
            scaleDeployment(ns, writer.getName(), writer.getReplicas());
        }
        checkpoints.reached("scaled:writers-up");
        unpause(run);
        return new Done("replicas restored, reconciliation resumed");
    }

    private Outcome verify(Run run) {
        RollbackPlan plan = run.status().getPlan();
        HostedCluster cluster = run.cluster;
        List<String> missing = new ArrayList<>();
        VersionStatus version = cluster.getStatus() == null ? null : cluster.getStatus().getVersion();
        String desired = version == null || version.getDesired() == null ? null : version.getDesired().getImage();
        if (!reports(plan, plan.getToReleaseImage(), version == null ? null : version.getDesired())) {
            missing.add("status.version.desired is " + desired);
        }
        UpdateHistory newest = cluster.versionHistory().isEmpty() ? null : cluster.versionHistory().get(0);
        if (newest == null || !reports(plan, plan.getToReleaseImage(), newest) || !newest.isCompleted()) {
            missing.add(plan.getToVersion() + " is not the newest Completed history entry");
        }
        if (plan.getToControlPlaneReleaseImage() != null && !cluster.controlPlaneVersionHistory().isEmpty()) {
            UpdateHistory cp = cluster.controlPlaneVersionHistory().get(0);
            if (!reports(plan, plan.getToControlPlaneReleaseImage(), cp) || !cp.isCompleted()) {
                missing.add("the control-plane payload is not Completed");
            }
        }
        if (!conditionStatus(cluster, "Available").equals("True")) {
            missing.add("Available is not True");
        }
        if (conditionStatus(cluster, "Degraded").equals("True")) {
            missing.add("Degraded is True");
        }
        if (!missing.isEmpty()) {
            return new Wait(plan.getToVersion() + " to be Completed and Available (" + String.join("; ", missing) + ")");
        }
        return new Done(plan.getToVersion() + " Completed, Available, not Degraded");
    }

    // ---------------------------------------------------------------- endings

    private Optional<Duration> succeed(Run run) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        annotations.putNull(RollbackRequest.TO_VERSION);
        annotations.putNull(RollbackRequest.REASON);
        annotations.putNull(RollbackRequest.DRY_RUN);
        if (RollbackRequest.of(run.cluster).isPresent()) {
            patchCluster(run, patch);
        }
        ControlPlaneRollbackStatus status = run.status();
        status.setPhase(RollbackPhase.Succeeded);
        status.setCurrentStep(null);
        status.setCompletionTime(now());
        status.setMessage("Rolled back to " + status.getPlan().getToVersion() + "; the request annotations were cleared");
        run.persist();
        events.normal(run.cluster, "RollbackSucceeded", status.getMessage());
        metrics.finished("Succeeded", run.rollback.getSpec().getStrategy(), total(status));
        return Optional.empty();
    }

    private Optional<Duration> fail(Run run, Step step, String reason, String message) {
        ControlPlaneRollbackStatus status = run.status();
        status.step(step).ifPresent(record -> {
            record.setPhase(RollbackPhase.Failed);
            record.setCompletionTime(now());
            record.setMessage(message);
            metrics.step(step, "Failed", Duration.between(started(record), clock.instant()));
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
        status.setCompletionTime(now());
        status.setMessage(step + " failed (" + reason + "): " + message + ". " + nextManualStep(run, step));
        run.persist();
        events.warning(run.cluster, "RollbackFailed", status.getMessage());
        metrics.finished("Failed", run.rollback.getSpec().getStrategy(), total(status));
        return Optional.empty();
    }

    /** Takes back what was done before etcd was touched: replicas, then the pause. Idempotent. */
    private Optional<Duration> undo(Run run) {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        status.getRecordedReplicas().stream().filter(r -> RecordedReplicas.STATEFUL_SET.equals(r.getKind()))
                .forEach(r -> scaleStatefulSet(ns, r.getName(), r.getReplicas()));
        for (RecordedReplicas writer : writers(status)) {
            scaleDeployment(ns, writer.getName(), writer.getReplicas());
        }
        unpause(run);
        String failure = status.getMessage() == null ? "" : status.getMessage().replace(" Undoing what was done.", "");
        status.setUndoing(null);
        status.setPhase(RollbackPhase.Failed);
        status.setCompletionTime(now());
        status.setMessage(failure + " Undone: " + (status.getRecordedReplicas().isEmpty() ? "nothing was scaled"
                : "replicas given back (" + status.getRecordedReplicas() + ")")
                + (Boolean.TRUE.equals(status.getPausedByRollback()) ? ", spec.pausedUntil restored" : "")
                + "; etcd data was not touched. To retry, remove the rollback annotations of the HostedCluster and request again.");
        run.persist();
        events.warning(run.cluster, "RollbackFailed", status.getMessage());
        metrics.finished("Failed", run.rollback.getSpec().getStrategy(), total(status));
        return Optional.empty();
    }

    private Optional<Duration> finishWithoutCluster(Run run) {
        ControlPlaneRollbackStatus status = run.status();
        status.setPhase(RollbackPhase.Failed);
        status.setFailureReason("HostedClusterMissing");
        status.setCompletionTime(now());
        status.setMessage("HostedCluster " + run.ns() + "/" + run.rollback.getSpec().getHostedClusterName()
                + " does not exist" + (status.getSteps().isEmpty() ? ". Nothing was changed." : "."));
        run.persist();
        metrics.finished("Failed", run.rollback.getSpec().getStrategy(), total(status));
        return Optional.empty();
    }

    /** The exact next manual step after a failure past the point of no return (see docs/runbook.md). */
    private String nextManualStep(Run run, Step step) {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        String hc = "kubectl -n " + run.ns() + " patch hostedcluster " + run.cluster.getMetadata().getName() + " --type merge -p ";
        String scaleUp = writers(status).stream()
                .map(w -> "kubectl -n " + ns + " scale deployment/" + w.getName() + " --replicas=" + w.getReplicas())
                .collect(Collectors.joining("; "));
        String unpause = hc + "'{\"spec\":{\"pausedUntil\":null}}'";
        RollbackPlan plan = status.getPlan();
        String revertPatch = hc + "'{\"spec\":{\"release\":{\"image\":\"" + plan.getToReleaseImage() + "\"}"
                + (plan.getToControlPlaneReleaseImage() == null ? ""
                        : ",\"controlPlaneRelease\":{\"image\":\"" + plan.getToControlPlaneReleaseImage() + "\"}")
                + "}}'";
        return switch (step) {
            case Restore -> "The HostedCluster stays paused with its API servers and etcd scaled to 0; members may hold "
                    + "old or restored data. Next: read the Job logs (kubectl -n " + ns + " logs job/<job>), fix the cause, "
                    + "delete the restore Jobs (kubectl -n " + ns + " delete job " + String.join(" ", status.getRestoreJobs())
                    + ") and restore every member by hand as docs/runbook.md 'Restore failed' shows; "
                    + "do not scale etcd up before all members are restored.";
            case StartEtcd -> "The HostedCluster stays paused; etcd was restored and started but has no quorum. Next: "
                    + "kubectl -n " + ns + " logs etcd-0 -c etcd; once EtcdAvailable=True finish by hand: " + revertPatch
                    + "; " + scaleUp + "; " + unpause + " (docs/runbook.md 'No quorum').";
            case Revert -> "The HostedCluster stays paused with etcd restored and the API servers at 0. Next: as an "
                    + "authorised SRE " + revertPatch + "; then " + scaleUp + "; " + unpause
                    + " (docs/runbook.md 'Revert refused').";
            case Verify -> "Reconciliation is resumed on " + plan.getToVersion() + " but it did not report Completed and "
                    + "Available. Next: kubectl -n " + run.ns() + " describe hostedcluster " + run.cluster.getMetadata().getName()
                    + " and follow docs/runbook.md 'Verify timed out'.";
            default -> "Next: follow docs/runbook.md '" + step + " failed'.";
        };
    }

    // ---------------------------------------------------------------- helpers

    private void unpause(Run run) {
        ControlPlaneRollbackStatus status = run.status();
        if (!Boolean.TRUE.equals(status.getPausedByRollback())) {
            return;
        }
        String before = status.getPausedUntilBefore();
        if (!Objects.equals(before, pausedUntil(run.cluster))) {
            patchCluster(run, spec("pausedUntil", before));
            checkpoints.reached("patched:unpause");
        }
    }

    private void patchCluster(Run run, ObjectNode patch) {
        run.cluster = client.resources(HostedCluster.class).inNamespace(run.ns())
                .withName(run.cluster.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    private void scaleDeployment(String ns, String name, int replicas) {
        Deployment deployment = client.apps().deployments().inNamespace(ns).withName(name).get();
        if (deployment != null && !Objects.equals(deployment.getSpec().getReplicas(), replicas)) {
            client.apps().deployments().inNamespace(ns).withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
        }
    }

    private void scaleStatefulSet(String ns, String name, int replicas) {
        StatefulSet set = client.apps().statefulSets().inNamespace(ns).withName(name).get();
        if (set != null && !Objects.equals(set.getSpec().getReplicas(), replicas)) {
            client.apps().statefulSets().inNamespace(ns).withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
        }
    }

    private LabelSelector deploymentSelector(String ns, String name) {
        Deployment deployment = client.apps().deployments().inNamespace(ns).withName(name).get();
        return deployment == null ? null : deployment.getSpec().getSelector();
    }

    private LabelSelector statefulSetSelector(String ns, String name) {
        StatefulSet set = client.apps().statefulSets().inNamespace(ns).withName(name).get();
        return set == null ? null : set.getSpec().getSelector();
    }

    private int podsOf(String ns, LabelSelector selector) {
        if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
            return 0;
        }
        return client.pods().inNamespace(ns).withLabels(selector.getMatchLabels()).list().getItems().size();
    }

    private static List<RecordedReplicas> writers(ControlPlaneRollbackStatus status) {
        return status.getRecordedReplicas().stream().filter(r -> RecordedReplicas.DEPLOYMENT.equals(r.getKind())).toList();
    }

    private static int etcdReplicas(ControlPlaneRollbackStatus status) {
        return status.recorded(RecordedReplicas.STATEFUL_SET, ETCD).map(RecordedReplicas::getReplicas).orElse(1);
    }

    private static String pausedUntil(HostedCluster cluster) {
        return cluster.getSpec() == null ? null : cluster.getSpec().getPausedUntil();
    }

    /** The spec names the planned payload: the same pull spec, or the same digest from any repository. */
    private static boolean samePayload(String planned, String current) {
        PayloadImage wanted = new PayloadImage(planned);
        return PayloadImage.of(current).map(image -> image.equals(wanted) || image.sameDigestAs(wanted)).orElse(false);
    }

    /** A status entry reports the planned payload: by digest, else by version (PayloadIdentity). */
    private static boolean reports(RollbackPlan plan, String plannedImage, UpdateHistory entry) {
        PayloadIdentity planned = PayloadIdentity.of(new PayloadImage(plannedImage), ReleaseVersion.parse(plan.getToVersion()));
        return entry != null && entry.payload().map(planned::isSamePayloadAs).orElse(false);
    }

    private static String image(Release release) {
        return release == null ? null : release.getImage();
    }

    private static ObjectNode spec(String field, String value) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        if (value == null) {
            patch.putObject("spec").putNull(field);
        } else {
            patch.putObject("spec").put(field, value);
        }
        return patch;
    }

    private static String conditionStatus(HostedCluster cluster, String type) {
        return cluster.getStatus() == null ? "Unknown"
                : cluster.getStatus().condition(type).map(Condition::getStatus).orElse("Unknown");
    }

    private Instant started(RollbackStep record) {
        return Timestamps.parse(record.getStartTime()).orElse(clock.instant());
    }

    private Duration total(ControlPlaneRollbackStatus status) {
        return Timestamps.parse(status.getStartTime()).map(start -> Duration.between(start, clock.instant())).orElse(null);
    }

    private String now() {
        return Timestamps.format(clock.instant());
    }

    private static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase();
    }
}
