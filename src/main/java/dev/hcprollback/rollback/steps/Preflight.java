package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.eligibility.EncryptionKeyCheck;
import dev.hcprollback.eligibility.EtcdShardCheck;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.NodePool;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.rollback.restore.RestoreSource;
import dev.hcprollback.rollback.restore.fetch.VolumeSpace;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The preflight checklist: everything knowable before the point of no return, checked while the plan
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
     * Checks every item for {@code plan}; {@code volumes} ({@link #volumeCapacity}) and {@code restoreImage}
     * ({@link #restoreImage}) are the answers of Jobs, asked first since they may take a few looks.
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
        checks.add(revertAdmission(run, plan));
        checks.add(hyperShiftAcceptsRevert(run, plan));
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
        List<PreflightCheck> again = List.of(encryptionKey(run, run.snapshot()), revertAdmission(run, plan),
                hyperShiftAcceptsRevert(run, plan), nodePoolSkew(run, plan));
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

    /**
     * Each member's volume of every etcd the restore writes back (the default etcd and each shard on PersistentVolumes,
     * sized by that etcd's own snapshot in the set) must take, beside everything it holds now (etcd's db, and its WAL and snap files,
     * which etcd's reported db size does not count), the downloaded snapshot and the restored copy at once,
     * and keep a margin free for the member's own writes while the stage runs. The figures are what the
     * volume's file system reports, measured on the volume by a measure Job per member ({@link VolumeSpace},
     * the volume read-only, on the serving member's node); the stage Job measures again before it writes.
     * Empty while a measure Job runs. A figure that is missing fails the item, saying which.
     */
    public static Optional<List<PreflightCheck>> volumeCapacity(RollbackRun run, ControlPlaneSnapshot snapshot) {
        List<PreflightCheck> checks = new ArrayList<>();
        FetchImage.Resolved fetch = run.settings.fetchImage().resolve();
        if (!fetch.known()) {
            checks.add(new PreflightCheck(FETCH_IMAGE, false, fetch.unknownBecause() + ": the image of the stage and "
                    + "measure Jobs is unknown; set hcp-rollback.rollback.fetch-image"));
            for (EtcdCluster etcd : run.restoredEtcdClusters()) {
                for (int member = 0; member < run.memberCount(etcd); member++) {
                    checks.add(new PreflightCheck(VOLUME_CAPACITY + etcd.claim(member), false,
                            "not measured: the measure Job's image is unknown (see " + FETCH_IMAGE + ")"));
                }
            }
            return Optional.of(checks);
        }
        boolean measuring = false;
        List<String> ranImage = new ArrayList<>();
        String pullFailure = null;
        for (EtcdCluster etcd : run.restoredEtcdClusters()) {
            SnapshotShard shard;
            try {
                shard = RollbackRun.snapshotShard(snapshot, etcd);
            } catch (StepFailure e) {
                // the etcdShards item says the set is not whole; nothing of this shard to size
                continue;
            }
            Long snapshotBytes = etcdSizeBytes(snapshot, shard);
            for (int member = 0; member < run.memberCount(etcd); member++) {
                String claim = etcd.claim(member);
                String name = VOLUME_CAPACITY + claim;
                if (run.client.persistentVolumeClaims().inNamespace(run.cpNamespace()).withName(claim).get() == null) {
                    checks.add(new PreflightCheck(name, false, "PersistentVolumeClaim " + claim + " does not exist"));
                    continue;
                }
                if (snapshotBytes == null) {
                    checks.add(new PreflightCheck(name, false, "the snapshot records no size as etcd sent it (stored as "
                            + snapshot.getStatus().getCompression() + ", " + (snapshot.getStatus().getSizeBytes() == null
                                    ? "no size at all" : "only its stored size")
                            + "): what the stage writes cannot be sized; take a new snapshot"));
                    continue;
                }
                int m = member;
                String jobName = RollbackNames.measureJob(run.rollback, etcd, member);
                Job job = startedOrFound(run, jobName,
                        () -> RestoreJobs.measure(run.rollback, run.cpNamespace(), etcd, m, fetch.image(), run.statefulSet(etcd)));
                String logs = "kubectl -n " + run.cpNamespace() + " logs job/" + jobName;
                if (job != null && ranTheImage(run, jobName)) {
                    ranImage.add(jobName);
                }
                Optional<String> notPulled = job == null || RestoreJobs.succeeded(job) ? Optional.empty() : pullFailure(run, jobName);
                if (notPulled.isPresent()) {
                    // the kubelet keeps trying until the Job's deadline: no figure comes, and the stage Jobs would wait alike
                    pullFailure = notPulled.get();
                    checks.add(new PreflightCheck(name, false, "not measured: the measure Job " + jobName
                            + " cannot pull its image (see " + FETCH_IMAGE + ")"));
                } else if (job == null || !RestoreJobs.succeeded(job) && !RestoreJobs.failed(job)) {
                    measuring = true;
                } else if (RestoreJobs.failed(job)) {
                    checks.add(new PreflightCheck(name, false, "the volume could not be measured (Job " + jobName + " failed"
                            + terminationMessage(run, jobName).map(text -> ": " + oneLine(text)).orElse("") + "; " + logs
                            + "): its free space is unknown"));
                } else {
                    String report = terminationMessage(run, jobName).orElse(null);
                    VolumeSpace space;
                    try {
                        space = VolumeSpace.parse(report);
                    } catch (IllegalArgumentException e) {
                        checks.add(new PreflightCheck(name, false, "the measure Job " + jobName + " succeeded but its pod reports "
                                + (report == null ? "no figures" : "no usable figures (" + e.getMessage() + ")")
                                + ": the volume's free space is unknown (" + logs + ")"));
                        continue;
                    }
                    if (space.dbBytes() == 0) {
                        // etcd serves from this volume while the plan is made: no db means another layout than the one
                        // the stage and the swap assume, and a margin that cannot be sized
                        checks.add(new PreflightCheck(name, false, "the measure Job " + jobName + " found no etcd db at "
                                + RestoreScript.DATA_DIR + "/" + VolumeSpace.DB + " on the volume (the data dir holds "
                                + mib(space.dataDirBytes()) + "): not the data dir the restore replaces"));
                        continue;
                    }
                    checks.add(new PreflightCheck(name, space.stageNeeds(snapshotBytes) <= space.freeForStage(),
                            space.stageDetail(snapshotBytes) + "; measured by Job " + jobName));
                }
            }
        }
        if (measuring && pullFailure == null) {
            return Optional.empty();
        }
        checks.add(fetchImage(fetch, ranImage, pullFailure));
        return Optional.of(checks);
    }

    /**
     * The stage Jobs' fetch container can run: its image was pulled on the management cluster, by the measure Jobs,
     * which run it on the nodes of the etcd members (where the stage Jobs run too). Refused at once on a pull failure,
     * rather than stalling in Stage with the cluster paused until {@code restore-timeout}.
     */
    private static PreflightCheck fetchImage(FetchImage.Resolved fetch, List<String> ranImage, String pullFailure) {
        String image = fetch.image() + " (from " + fetch.source() + ")";
        if (pullFailure != null) {
            return new PreflightCheck(FETCH_IMAGE, false, image + " cannot be pulled on the management cluster: "
                    + pullFailure + "; the stage Jobs run it: set hcp-rollback.rollback.fetch-image to an image the nodes "
                    + "can pull");
        }
        if (ranImage.isEmpty()) {
            return new PreflightCheck(FETCH_IMAGE, false, image + " is not shown to run on the management cluster: no "
                    + "measure Job ran it (see the " + VOLUME_CAPACITY + " items)");
        }
        return new PreflightCheck(FETCH_IMAGE, true, image + " was pulled and ran beside the etcd members (measure Job(s) "
                + String.join(", ", ranImage) + "); the stage Jobs' fetch container runs it");
    }

    /** Waiting reasons of a container whose image the kubelet cannot pull (it retries with a back-off). */
    static final Set<String> PULL_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "ErrImageNeverPull", "RegistryUnavailable", "SignatureValidationFailed");

    /**
     * Why a preflight Job's pod waits on its image, as the kubelet reports it ({@code pod P on node N: image:
     * reason: message}); empty while no container of it waits for that reason.
     */
    static Optional<String> pullFailure(RollbackRun run, String jobName) {
        for (Pod pod : podsOf(run, jobName)) {
            for (ContainerStatus container : containerStatuses(pod)) {
                ContainerStateWaiting waiting = container.getState() == null ? null : container.getState().getWaiting();
                if (waiting != null && PULL_FAILURES.contains(waiting.getReason())) {
                    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
                    return Optional.of("pod " + pod.getMetadata().getName() + (node == null ? "" : " on node " + node) + ": "
                            + container.getImage() + ": " + waiting.getReason()
                            + (waiting.getMessage() == null || waiting.getMessage().isBlank() ? "" : ": " + oneLine(waiting.getMessage())));
                }
            }
        }
        return Optional.empty();
    }

    /** Whether the measure container of a Job's pod has run (started or ended): its image was pulled. */
    private static boolean ranTheImage(RollbackRun run, String jobName) {
        return podsOf(run, jobName).stream().flatMap(pod -> containerStatuses(pod).stream())
                .anyMatch(c -> RestoreJobs.MEASURE_CONTAINER.equals(c.getName()) && c.getState() != null
                        && (c.getState().getRunning() != null || c.getState().getTerminated() != null));
    }

    private static List<Pod> podsOf(RollbackRun run, String jobName) {
        return run.client.pods().inNamespace(run.cpNamespace()).withLabel(RestoreJobs.JOB_LABEL, jobName).list().getItems();
    }

    private static List<ContainerStatus> containerStatuses(Pod pod) {
        List<ContainerStatus> all = new ArrayList<>();
        if (pod.getStatus() != null) {
            Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).ifPresent(all::addAll);
            Optional.ofNullable(pod.getStatus().getContainerStatuses()).ifPresent(all::addAll);
        }
        return all;
    }

    /**
     * The snapshot's size as etcd sent it: what the stage writes (the download, decoded, and the restored db).
     * Null when unknown: a compressed snapshot taken before that size was recorded.
     */
    static Long etcdSizeBytes(ControlPlaneSnapshot snapshot) {
        return etcdSizeBytes(snapshot, null);
    }

    /** The same of the set's member {@code shard} (null: the default etcd's); a shard is stored as the set is. */
    static Long etcdSizeBytes(ControlPlaneSnapshot snapshot, SnapshotShard shard) {
        Long recorded = shard == null ? snapshot.getStatus().getEtcdSizeBytes() : shard.getEtcdSizeBytes();
        if (recorded != null) {
            return recorded;
        }
        SnapshotCompression compression = snapshot.getStatus().getCompression();
        Long stored = shard == null ? snapshot.getStatus().getSizeBytes() : shard.getSizeBytes();
        return compression == null || compression == SnapshotCompression.none ? stored : null;
    }

    /** The termination message of the (finished) container of a measure Job's pod. */
    private static Optional<String> terminationMessage(RollbackRun run, String jobName) {
        return run.client.pods().inNamespace(run.cpNamespace()).withLabel(RestoreJobs.JOB_LABEL, jobName).list().getItems()
                .stream().filter(pod -> pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null)
                .flatMap(pod -> pod.getStatus().getContainerStatuses().stream())
                .filter(c -> RestoreJobs.MEASURE_CONTAINER.equals(c.getName()) && c.getState() != null
                        && c.getState().getTerminated() != null && c.getState().getTerminated().getMessage() != null
                        && !c.getState().getTerminated().getMessage().isBlank())
                .sorted(java.util.Comparator.comparing(c -> c.getState().getTerminated().getExitCode() == null
                        || c.getState().getTerminated().getExitCode() != 0))
                .map(c -> c.getState().getTerminated().getMessage()).findFirst();
    }

    private static String oneLine(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    /**
     * The Job of a preflight question: found by its name, else created; null when it was just created (its answer
     * is for a later look). A Job created before a crash is found, never created twice.
     */
    private static Job startedOrFound(RollbackRun run, String name, java.util.function.Supplier<Job> job) {
        Job found = run.client.batch().v1().jobs().inNamespace(run.cpNamespace()).withName(name).get();
        if (found != null) {
            return found;
        }
        try {
            run.client.resource(job.get()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        run.reached("created:" + name);
        return null;
    }

    /**
     * The restore image's tool can {@code --bump-revision}/{@code --mark-compacted}: the probe Job of
     * the image answers, once per image (a finished probe is reused); empty while it runs.
     */
    public static Optional<PreflightCheck> restoreImage(RollbackRun run, String image) {
        if (image == null) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, false, "no etcd image is known: the etcd StatefulSet "
                    + "has no container named etcd and the snapshot records none"));
        }
        String name = RollbackNames.probeJob(image);
        Job probe = startedOrFound(run, name,
                () -> RestoreJobs.probe(run.cpNamespace(), image, run.etcdStatefulSet(), run.settings.bumpRevision()));
        if (probe == null) {
            return Optional.empty();
        }
        Optional<String> notPulled = RestoreJobs.succeeded(probe) || RestoreJobs.failed(probe) ? Optional.empty()
                : pullFailure(run, name);
        if (notPulled.isPresent()) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, false, image + " cannot be pulled on the management "
                    + "cluster: " + notPulled.get() + " (probe Job " + name + "; delete it to probe again)"));
        }
        if (RestoreJobs.succeeded(probe)) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, true, image + " can restore with --bump-revision "
                    + run.settings.bumpRevision() + " --mark-compacted (probe Job " + name + ")"));
        }
        if (RestoreJobs.failed(probe)) {
            return Optional.of(new PreflightCheck(RESTORE_IMAGE, false, image + " cannot restore with --bump-revision "
                    + "--mark-compacted, or the probe did not run: kubectl -n " + run.cpNamespace() + " logs job/" + name
                    + " (delete the Job to probe again)"));
        }
        return Optional.empty();
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
     * The revert patch, sent as a server-side dry run ({@code dryRun=All}): it passes the same admission
     * chain (the payload gate included) the real patch will, and changes nothing.
     */
    static PreflightCheck revertAdmission(RollbackRun run, RollbackPlan plan) {
        HostedCluster cluster = run.cluster;
        try {
            run.client.resources(HostedCluster.class).inNamespace(run.ns()).withName(cluster.getMetadata().getName())
                    .dryRun().patch(PatchContext.of(PatchType.JSON_MERGE), RollbackRun.revertPatch(plan).toString());
            return new PreflightCheck(REVERT_ADMISSION, true, "the payload patch to " + plan.getToVersion()
                    + " passes admission (server-side dry run)");
        } catch (KubernetesClientException e) {
            if (!RevertStep.refusal(e)) {
                throw e;
            }
            return new PreflightCheck(REVERT_ADMISSION, false, "the API server refuses the payload patch to "
                    + plan.getToVersion() + " (" + e.getCode() + "): " + RevertStep.reason(e));
        }
    }

    /**
     * The hypershift-operator will roll the reverted payload out: its own check of a release change
     * ({@link ReleaseChangeCheck}), applied to the cluster as the revert patch leaves it ({@code force-upgrade-to}
     * removed, the plan's payload) and its status now. A refusal there would leave the restored cluster on the newer
     * payload's spec with reconciliation blocked; HyperShift's release-image validation (the payload can be looked up,
     * no y-stream downgrade, a minor the operator supports) is not predicted here: the eligibility rules keep the
     * minor, and Verify reports a {@code ValidReleaseImage=False}.
     */
    static PreflightCheck hyperShiftAcceptsRevert(RollbackRun run, RollbackPlan plan) {
        HostedCluster after = run.client.getKubernetesSerialization().clone(run.cluster);
        after.getSpec().setRelease(dev.hcprollback.hypershift.Release.of(plan.getToReleaseImage()));
        if (plan.getToControlPlaneReleaseImage() != null) {
            after.getSpec().setControlPlaneRelease(dev.hcprollback.hypershift.Release.of(plan.getToControlPlaneReleaseImage()));
        }
        String forced = after.getMetadata().getAnnotations() == null ? null
                : after.getMetadata().getAnnotations().remove(ReleaseChangeCheck.FORCE_UPGRADE_TO);
        String upgradeable = run.conditionStatus(ReleaseChangeCheck.UPGRADEABLE);
        String facts = ReleaseChangeCheck.UPGRADEABLE + " is " + upgradeable
                + (forced == null ? "" : "; the revert removes " + ReleaseChangeCheck.FORCE_UPGRADE_TO + " (" + forced
                        + "), which would otherwise refuse it");
        return ReleaseChangeCheck.refusal(after, ReleaseVersion.parse(plan.getToVersion()))
                .map(refusal -> new PreflightCheck(HYPERSHIFT_ACCEPTS_REVERT, false, "the hypershift-operator would refuse "
                        + "the payload change to " + plan.getToVersion() + " (\"" + refusal + "\") and block reconciliation: "
                        + facts))
                .orElseGet(() -> new PreflightCheck(HYPERSHIFT_ACCEPTS_REVERT, true, "the hypershift-operator accepts the "
                        + "payload change to " + plan.getToVersion() + ": " + facts));
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
