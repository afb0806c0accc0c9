package dev.hcprollback.rollback;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.KindCount;
import dev.hcprollback.api.NewerNodePool;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.eligibility.RollbackEligibility;
import dev.hcprollback.eligibility.SnapshotPayloads;
import dev.hcprollback.hypershift.ControlPlaneWorkloads;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.KnownPayload;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.rollback.etcd.KeyChanges;
import dev.hcprollback.rollback.steps.FetchImage;
import dev.hcprollback.rollback.steps.Preflight;
import dev.hcprollback.rollback.steps.RestoreImageProbe;
import dev.hcprollback.rollback.steps.RollbackRun;
import dev.hcprollback.rollback.steps.VolumeCapacity;
import dev.hcprollback.rollback.steps.StepFailure;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * The plan of a rollback, made before anything is touched: what it takes back to what, from which
 * snapshot, the data-loss window, the steps and the downtime they mean, and the preflight checklist.
 * Refusals that no preflight could fix (no snapshot, wrong version) are thrown as {@link StepFailure}.
 */
final class Planner {

    private static final Logger LOG = Logger.getLogger(Planner.class);

    private Planner() {
    }

    /**
     * The same eligibility the admission webhook applies to a request (strictly older, same minor, the
     * previous version, not below the rollback floor, inside the window, the named snapshot verified and recorded of this cluster's uid,
     * no NodePool a minor ahead), checked again here whoever created the record and before anything is touched.
     */
    private static void requireEligible(RollbackRun run, ReleaseVersion target, ControlPlaneSnapshot snapshot,
            java.time.Instant decidedAt) throws StepFailure {
        String written = run.rollback().getSpec().getToVersion();
        if (!target.isSpelledAs(written)) {
            throw new StepFailure("NotEligible", "[to-version-not-canonical] toVersion is '" + written + "'; write it as "
                    + target);
        }
        HostedCluster cluster = run.cluster();
        List<NodePool> pools = nodePoolsOf(run);
        RollbackEligibility.Result result = RollbackEligibility.ofRequest(cluster, target,
                image -> cluster.versionOf(image).or(() -> KnownPayload.versionOf(image, SnapshotPayloads.knownPayloads(snapshot))),
                new RollbackEligibility.Evidence(List.of(snapshot), pools, run.settings().window(), decidedAt, run.floors()));
        // a key gone and a missing etcd shard are checked last and shown as the preflight items encryptionKey and
        // etcdShards, which refuse the plan too
        if (!result.eligible() && result.refusal().get() != RollbackEligibility.Refusal.ENCRYPTION_KEY_GONE
                && result.refusal().get() != RollbackEligibility.Refusal.ETCD_SHARD_NOT_SNAPSHOTTED) {
            throw new StepFailure("NotEligible", "[" + result.refusal().get().id() + "] " + result.message());
        }
    }

    private static List<NodePool> nodePoolsOf(RollbackRun run) {
        return run.client().resources(NodePool.class).inNamespace(run.ns()).list().getItems().stream()
                .filter(pool -> pool.clusterName().filter(run.cluster().getMetadata().getName()::equals).isPresent()).toList();
    }

    /** The plan, or empty while the probe of the restore image or a measure of a volume still runs. */
    static Optional<RollbackPlan> plan(RollbackRun run) throws StepFailure {
        ControlPlaneRollbackSpec spec = run.rollback().getSpec();
        HostedCluster cluster = run.cluster();
        ControlPlaneSnapshot snapshot = run.snapshot();
        ReleaseVersion target = ReleaseVersion.parse(spec.getToVersion())
                .orElseThrow(() -> new StepFailure("InvalidVersion", "toVersion " + spec.getToVersion() + " is not a version"));
        java.time.Instant decidedAt = run.clock().instant();
        requireEligible(run, target, snapshot, decidedAt);
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
                && SnapshotPayloads.releasePayload(snapshot).map(cluster.identify(currentRelease)::isSamePayloadAs).orElse(false)) {
            throw new StepFailure("AlreadyAtTarget", "the HostedCluster already runs " + target);
        }
        RollbackPlan plan = new RollbackPlan();
        plan.setFromVersion(current.map(Object::toString).orElse(null));
        plan.setToVersion(target.toString());
        plan.setDecidedAt(dev.hcprollback.hypershift.Timestamps.format(decidedAt));
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
        List<Step> steps = Step.of(spec.getStrategy(), run.settings().stageWhileServing());
        plan.setSteps(steps.stream().map(Step::name).toList());
        plan.setNodePoolsStayingNewer(nodePoolsOf(run).stream()
                .filter(pool -> pool.version().filter(v -> v.isNewerThan(target)).isPresent())
                .map(pool -> new NewerNodePool(pool.getMetadata().getName(), pool.version().get().toString()))
                .toList());
        Optional<PreflightCheck> restoreImage = Optional.empty();
        List<PreflightCheck> volumes = List.of();
        if (spec.getStrategy() != RollbackStrategy.PayloadOnly) {
            StatefulSet etcdSet = requireRunningControlPlane(run);
            plan.setFromEtcdImage(etcdSet.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> ControlPlaneWorkloads.ETCD.equals(c.getName())).map(c -> c.getImage()).findFirst().orElse(null));
            plan.setEtcdImage(Optional.ofNullable(snapshot.getStatus().getEtcdImage()).orElse(plan.getFromEtcdImage()));
            // decided here, with the measure Jobs that prove it can be pulled: Stage must not resolve it again
            FetchImage.Resolved fetch = run.settings().fetchImage().resolve();
            plan.setFetchImage(fetch.known() ? fetch.image() : null);
            plan.setExpectedDowntime(steps.indexOf(Step.Stage) < steps.indexOf(Step.Quiesce)
                    ? "API servers down from Quiesce to Resume (quiesce, swap, start of etcd, revert): minutes, whatever "
                            + "etcd's size; download, check and restore of the snapshot run before, while the control plane serves"
                    : "API servers down from Quiesce to Resume, including the download, check and restore of the snapshot "
                            + "on every member (staging while serving is off)");
            // the Jobs first, side by side: while they run, nothing else of the plan is read again
            restoreImage = RestoreImageProbe.check(run, plan.getEtcdImage());
            Optional<List<PreflightCheck>> measured = VolumeCapacity.check(run, snapshot);
            if (restoreImage.isEmpty() || measured.isEmpty()) {
                return Optional.empty();
            }
            volumes = measured.get();
            plan.setDataLoss(dataLoss(run, snapshot));
        } else {
            plan.setExpectedDowntime("none: PayloadOnly keeps etcd and the API servers running");
        }
        plan.setPreflight(Preflight.check(run, plan, snapshot, volumes, restoreImage));
        return Optional.of(plan);
    }

    /**
     * A control plane with kube-apiserver or etcd at 0 replicas is not one to record replicas of: an
     * earlier rollback may have stopped half-way, and its recorded replicas are the ones to give back.
     */
    private static StatefulSet requireRunningControlPlane(RollbackRun run) throws StepFailure {
        String ns = run.cpNamespace();
        Deployment apiServer = run.client().apps().deployments().inNamespace(ns).withName("kube-apiserver").get();
        StatefulSet etcdSet = run.etcdStatefulSet();
        if (apiServer == null || etcdSet == null) {
            throw new StepFailure("WorkloadMissing", (apiServer == null ? "Deployment " + ns + "/kube-apiserver"
                    : "StatefulSet " + ns + "/etcd") + " does not exist");
        }
        if (Objects.equals(apiServer.getSpec().getReplicas(), 0) || Objects.equals(etcdSet.getSpec().getReplicas(), 0)) {
            throw new StepFailure("ControlPlaneNotRunning", "kube-apiserver or etcd in " + ns + " is scaled to 0: an "
                    + "earlier rollback may have stopped half-way; finish it by hand first (docs/runbook.md)");
        }
        return etcdSet;
    }

    private static DataLossWindow dataLoss(RollbackRun run, ControlPlaneSnapshot snapshot) {
        HostedCluster cluster = run.cluster();
        Long revision = snapshot.getStatus().getEtcdRevision();
        DataLossWindow window;
        if (revision == null) {
            window = new DataLossWindow();
            window.setNote("the snapshot records no etcd revision: the changes since cannot be counted");
        } else {
            try {
                window = run.etcd().changesSince(cluster.controlPlaneNamespace(), revision);
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

    /** One paragraph for {@code status.message}: what, from where, what is lost, what stays newer, what fails. */
    static String summary(RollbackPlan plan) {
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
            if (plan.getFromEtcdImage() != null && !plan.getFromEtcdImage().equals(plan.getEtcdImage())) {
                text.append(" etcd goes back to the snapshot's image ").append(plan.getEtcdImage()).append('.');
            }
        } else {
            text.append(" PayloadOnly: etcd is kept.");
        }
        if (!plan.getNodePoolsStayingNewer().isEmpty()) {
            text.append(" NodePools staying newer: ").append(plan.getNodePoolsStayingNewer().stream()
                    .map(p -> p.getName() + " (" + p.getVersion() + ")").collect(Collectors.joining(", "))).append('.');
        }
        List<PreflightCheck> failed = Preflight.failed(plan.getPreflight());
        if (failed.isEmpty()) {
            text.append(" Preflight: all ").append(plan.getPreflight().size()).append(" items pass.");
        } else {
            text.append(" Preflight failed: ").append(failed.stream().map(PreflightCheck::toString)
                    .collect(Collectors.joining("; "))).append('.');
        }
        return text.toString();
    }
}
