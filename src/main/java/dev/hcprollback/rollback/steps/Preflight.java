package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.eligibility.EncryptionKeyCheck;
import dev.hcprollback.eligibility.EtcdShardCheck;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.rollback.restore.RestoreSource;

/**
 * The preflight checklist ({@link VolumeCapacity}, {@link RestoreImageProbe} and {@link RevertAcceptance} hold the
 * heavier items): everything knowable before the point of no return, checked while the plan
 * is made (and shown in it, a dry run included), and the items that can change while the rollback
 * runs checked again right before the first irreversible act. Each item passes or fails with the
 * figures it was decided on; one failed item refuses the rollback before anything is touched.
 */
public final class Preflight {

    private static final Logger LOG = Logger.getLogger(Preflight.class);

    static final String VOLUME_CAPACITY = "volumeCapacity/";
    static final String RESTORE_IMAGE = "restoreImage";
    static final String FETCH_IMAGE = "fetchImage";
    static final String SNAPSHOT_OBJECT = "snapshotObject";
    static final String REVERT_ADMISSION = "revertAdmission";
    static final String REVISION_HEADROOM = "revisionHeadroom";
    static final String REVISION_BUMP = "revisionBump";
    static final String NODE_POOL_SKEW = "nodePoolSkew";
    static final String ENCRYPTION_KEY = "encryptionKey";
    static final String ETCD_SHARDS = "etcdShards";
    static final String HYPERSHIFT_ACCEPTS_REVERT = "hyperShiftAcceptsRevert";

    /** Revisions must stay far below int64's limit: current + bump at most a quarter of it. */
    static final long REVISION_LIMIT = Long.MAX_VALUE / 4;

    private Preflight() {
    }

    /**
     * Checks every item for {@code plan}; {@code volumes} ({@link VolumeCapacity#check}) and {@code restoreImage}
     * ({@link RestoreImageProbe#check}) are the answers of Jobs, asked first since they may take a few looks.
     */
    public static List<PreflightCheck> check(RollbackRun run, RollbackPlan plan, ControlPlaneSnapshot snapshot,
            List<PreflightCheck> volumes, Optional<PreflightCheck> restoreImage) {
        List<PreflightCheck> checks = new ArrayList<>();
        // eligibility (the gate's rules, whoever made the record) was re-checked by the Planner before this list
        if (plan.getDataLoss() != null) {
            EtcdMembers members;
            try {
                members = run.etcdMembers.read(run.cpNamespace());
            } catch (Exception e) {
                LOG.warnf("etcd members of %s not read: %s", run.cpNamespace(), e.toString());
                members = null;
            }
            checks.addAll(volumes);
            restoreImage.ifPresent(checks::add);
            checks.add(snapshotObject(run, snapshot));
            checks.add(revisionHeadroom(run, members, plan.getDataLoss()));
            checks.add(revisionBump(run, members, plan.getDataLoss()));
        }
        checks.add(encryptionKey(run, snapshot));
        etcdShards(run, snapshot).ifPresent(checks::add);
        checks.add(RevertAcceptance.revertAdmission(run, plan));
        checks.add(RevertAcceptance.hyperShiftAcceptsRevert(run, plan));
        checks.add(nodePoolSkew(run, plan));
        String now = run.now();
        checks.forEach(c -> c.setCheckTime(now));
        return checks;
    }

    /**
     * Right before the point of no return: the items that can have changed since the plan (the API server's
     * encryption keys, the admission of the revert, HyperShift's own check of it, the NodePools) are checked again and
     * updated in the plan.
     *
     * @return the items that fail now
     */
    static List<PreflightCheck> recheck(RollbackRun run) throws StepFailure {
        RollbackPlan plan = run.plan();
        List<PreflightCheck> again = List.of(encryptionKey(run, run.snapshot()),
                RevertAcceptance.revertAdmission(run, plan), RevertAcceptance.hyperShiftAcceptsRevert(run, plan),
                nodePoolSkew(run, plan));
        String now = run.now();
        for (PreflightCheck check : again) {
            check.setCheckTime(now);
            plan.getPreflight().removeIf(c -> c.getName().equals(check.getName()));
            plan.getPreflight().add(check);
        }
        return again.stream().filter(c -> !c.passed()).toList();
    }

    public static List<PreflightCheck> failed(List<PreflightCheck> checks) {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    /** The snapshot's object is in the store with the recorded size, and a restore URL can be signed. */
    static PreflightCheck snapshotObject(RollbackRun run, ControlPlaneSnapshot snapshot) {
        try {
            RestoreSource.Download download = run.restoreSource.downloadOf(snapshot, run.settings.restoreUrlTtl());
            long recorded = Optional.ofNullable(snapshot.getStatus().getSizeBytes()).orElse(0L);
            return new PreflightCheck(SNAPSHOT_OBJECT, true, snapshot.getStatus().getObjectKey() + " is in the store"
                    + (download.storedBytes() == null ? " (" + mib(recorded)
                            : " with the recorded size (" + download.storedBytes() + " bytes, " + mib(recorded))
                    + "); its sha256 " + abbreviated(snapshot.getStatus().getSha256())
                    + " is checked by each stage Job's fetch container while it downloads, before anything is restored; "
                    + "a restore URL valid " + RollbackRun.human(run.settings.restoreUrlTtl()) + " was signed");
        } catch (RestoreSource.RestoreSourceException e) {
            return new PreflightCheck(SNAPSHOT_OBJECT, false, e.getMessage());
        }
    }

    /** The bump leaves the revision far below int64's limit. */
    static PreflightCheck revisionHeadroom(RollbackRun run, EtcdMembers members, DataLossWindow window) {
        long bump = run.settings.bumpRevision();
        Long current = members != null ? Long.valueOf(members.highestRevision())
                : window == null ? null : window.getCurrentRevision();
        if (current == null) {
            return new PreflightCheck(REVISION_HEADROOM, false, "etcd's current revision is unknown");
        }
        boolean fits = current <= REVISION_LIMIT - bump;
        return new PreflightCheck(REVISION_HEADROOM, fits, "revision " + current + " + bump " + bump
                + (fits ? " stays below " : " exceeds ") + REVISION_LIMIT + " (a quarter of the int64 limit)");
    }

    /**
     * The bump brings etcd back above every revision written since the snapshot, so that no client's watch or cache
     * takes the restored data for older than what it has seen. Quiesce checks it again once the writers stopped.
     */
    static PreflightCheck revisionBump(RollbackRun run, EtcdMembers members, DataLossWindow window) {
        Long current = members != null ? Long.valueOf(members.highestRevision())
                : window == null ? null : window.getCurrentRevision();
        Long snapshotRevision = window == null ? null : window.getSnapshotRevision();
        if (current == null || snapshotRevision == null) {
            return new PreflightCheck(REVISION_BUMP, false, "etcd's current revision or the snapshot's is unknown");
        }
        long bump = run.settings.bumpRevision();
        long written = current - snapshotRevision;
        boolean enough = bump > written;
        return new PreflightCheck(REVISION_BUMP, enough, "bump " + bump + (enough ? " exceeds" : " does not exceed") + " the "
                + written + " revisions written since the snapshot (" + snapshotRevision + " to " + current + ")"
                + (enough ? "; checked again once the writers stopped"
                        : "; raise hcp-rollback.rollback.bump-revision above " + written));
    }

    /**
     * Every encryption key the snapshot's data may be encrypted with is still configured for the hosted API server
     * ({@link EncryptionKeyCheck}, the same decision as the webhook's and the rollback point's); a KMS key's presence
     * in the KMS itself is not checked.
     */
    static PreflightCheck encryptionKey(RollbackRun run, ControlPlaneSnapshot snapshot) {
        EncryptionKeyCheck.Result result = EncryptionKeyCheck.of(snapshot, run.cluster);
        return new PreflightCheck(ENCRYPTION_KEY, result.readable(), result.detail());
    }

    /**
     * On a cluster with etcd shards (TechPreview EtcdSharding) only: the snapshot holds every PersistentVolume shard
     * ({@link EtcdShardCheck}, the same decision as the webhook's and the rollback point's); the item names each shard
     * and the resources it holds. Shards cannot change after the cluster was created, so this is not checked again.
     */
    static Optional<PreflightCheck> etcdShards(RollbackRun run, ControlPlaneSnapshot snapshot) {
        if (run.cluster.etcdShards().isEmpty()) {
            return Optional.empty();
        }
        EtcdShardCheck.Result result = EtcdShardCheck.of(snapshot, run.cluster);
        return Optional.of(new PreflightCheck(ETCD_SHARDS, result.covered(), result.detail()));
    }

    /** Workers are not rolled back: no NodePool may run a newer minor than the target control plane. */
    static PreflightCheck nodePoolSkew(RollbackRun run, RollbackPlan plan) {
        ReleaseVersion target = ReleaseVersion.parse(plan.getToVersion()).orElseThrow();
        List<NodePool> pools = run.client.resources(NodePool.class).inNamespace(run.ns()).list().getItems().stream()
                .filter(pool -> pool.clusterName().filter(run.cluster.getMetadata().getName()::equals).isPresent())
                .toList();
        List<String> newerMinor = pools.stream().filter(p -> p.version().filter(v -> v.newerMinorThan(target)).isPresent())
                .map(p -> p.getMetadata().getName() + " (" + p.version().get() + ")").toList();
        if (!newerMinor.isEmpty()) {
            return new PreflightCheck(NODE_POOL_SKEW, false, "NodePool(s) " + String.join(", ", newerMinor)
                    + " run a newer minor than " + target + ": workers may not be newer than the control plane");
        }
        String newer = plan.getNodePoolsStayingNewer().stream().map(p -> p.getName() + " (" + p.getVersion() + ")")
                .collect(Collectors.joining(", "));
        return new PreflightCheck(NODE_POOL_SKEW, true, pools.size() + " NodePool(s) within " + target.minorLine()
                + (newer.isEmpty() ? "" : "; staying newer by a z-stream, as planned: " + newer));
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String abbreviated(String sha256) {
        return sha256 == null ? "unknown" : sha256.substring(0, Math.min(12, sha256.length()));
    }
}
