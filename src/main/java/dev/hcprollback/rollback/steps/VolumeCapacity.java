package dev.hcprollback.rollback.steps;

import static dev.hcprollback.rollback.steps.Preflight.FETCH_IMAGE;
import static dev.hcprollback.rollback.steps.Preflight.VOLUME_CAPACITY;
import static dev.hcprollback.rollback.steps.Preflight.mib;
import static dev.hcprollback.rollback.steps.PreflightJobs.containerStatuses;
import static dev.hcprollback.rollback.steps.PreflightJobs.oneLine;
import static dev.hcprollback.rollback.steps.PreflightJobs.podsOf;
import static dev.hcprollback.rollback.steps.PreflightJobs.pullFailure;
import static dev.hcprollback.rollback.steps.PreflightJobs.startedOrFound;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.rollback.restore.fetch.VolumeSpace;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * The preflight's volume items ({@code volumeCapacity/<claim>} per member of every restored etcd) and the fetch image
 * item they prove ({@code fetchImage}), from the measure Jobs' answers; and the snapshot's size as etcd sent it, which
 * both the measure and the stage size against.
 */
public final class VolumeCapacity {

    private VolumeCapacity() {
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
    public static Optional<List<PreflightCheck>> check(RollbackRun run, ControlPlaneSnapshot snapshot) {
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

    /**
     * The snapshot's size as etcd sent it, of the set's member {@code shard} (null: the default etcd's; a shard is
     * stored as the set is): what the stage writes (the download, decoded, and the restored db). Null when unknown: a
     * compressed snapshot taken before that size was recorded.
     */
    static Long etcdSizeBytes(ControlPlaneSnapshot snapshot, SnapshotShard shard) {
        Long recorded = shard == null ? snapshot.getStatus().getEtcdSizeBytes() : shard.getEtcdSizeBytes();
        if (recorded != null) {
            return recorded;
        }
        SnapshotCompression compression = snapshot.getStatus().getCompression();
        Long stored = shard == null ? snapshot.getStatus().getSizeBytes() : shard.getSizeBytes();
        return compression == null || compression == SnapshotCompression.none ? stored : null;
    }

    /** Whether the measure container of a Job's pod has run (started or ended): its image was pulled. */
    private static boolean ranTheImage(RollbackRun run, String jobName) {
        return podsOf(run, jobName).stream().flatMap(pod -> containerStatuses(pod).stream())
                .anyMatch(c -> RestoreJobs.MEASURE_CONTAINER.equals(c.getName()) && c.getState() != null
                        && (c.getState().getRunning() != null || c.getState().getTerminated() != null));
    }

    /** The termination message of the (finished) container of a measure Job's pod. */
    private static Optional<String> terminationMessage(RollbackRun run, String jobName) {
        return podsOf(run, jobName).stream().filter(pod -> pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null)
                .flatMap(pod -> pod.getStatus().getContainerStatuses().stream())
                .filter(c -> RestoreJobs.MEASURE_CONTAINER.equals(c.getName()) && c.getState() != null
                        && c.getState().getTerminated() != null && c.getState().getTerminated().getMessage() != null
                        && !c.getState().getTerminated().getMessage().isBlank())
                .sorted(Comparator.comparing(c -> c.getState().getTerminated().getExitCode() == null
                        || c.getState().getTerminated().getExitCode() != 0))
                .map(c -> c.getState().getTerminated().getMessage()).findFirst();
    }
}
