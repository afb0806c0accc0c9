package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.api.Step;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.rollback.restore.RestoreSource;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Stage: one Job per member of every etcd the restore writes back (the default etcd and each shard on
 * PersistentVolumes, {@link EtcdCluster}) downloads that etcd's own snapshot of the set onto the member's volume and checks its SHA-256 (a
 * first container in the sidecar's own image, which measures the volume's free space before it writes and
 * again before the restore: {@link dev.hcprollback.rollback.restore.fetch.FetchSnapshot.Room}), then restores it into a scratch directory beside the
 * live data, which it never touches ({@link RestoreScript#STAGE}, in the etcd image). Any failure here is undone automatically: nothing was touched.
 * Runs while the control plane still serves when the plan says so (each Job on its member's node).
 */
public final class StageStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        List<EtcdCluster> restored = run.restoredEtcdClusters();
        boolean serving = run.plan().getSteps().indexOf(Step.Stage.name()) < run.plan().getSteps().indexOf(Step.Quiesce.name());
        if (status.getEtcdImage() == null) {
            if (run.plan().getEtcdImage() == null) {
                throw new StepFailure("EtcdImageUnknown", "StatefulSet " + ns + "/etcd has no container named etcd");
            }
            status.setEtcdImage(run.plan().getEtcdImage());
            for (EtcdCluster etcd : restored) {
                for (int member = 0; member < run.memberCount(etcd); member++) {
                    status.getRestoreJobs().add(RollbackNames.stageJob(run.rollback, etcd, member));
                }
            }
            for (EtcdCluster etcd : restored) {
                for (int member = 0; member < run.memberCount(etcd); member++) {
                    status.getRestoreJobs().add(RollbackNames.swapJob(run.rollback, etcd, member));
                }
            }
            run.persist();
        }
        if (!serving) {
            List<String> withPods = run.etcdWithPods();
            if (!withPods.isEmpty()) {
                return new Outcome.Wait("the pods of " + String.join(", ", withPods) + " to go before their volumes are staged");
            }
        }
        List<Job> jobs = new ArrayList<>();
        int total = 0;
        for (EtcdCluster etcd : restored) {
            jobs.addAll(stage(run, etcd, serving));
            total += run.memberCount(etcd);
        }
        List<String> failed = jobs.stream().filter(Objects::nonNull).filter(RestoreJobs::failed)
                .map(j -> j.getMetadata().getName()).toList();
        if (!failed.isEmpty()) {
            throw new StepFailure("StageJobFailed", "stage Job(s) " + String.join(", ", failed) + " in " + ns
                    + " failed (kubectl -n " + ns + " logs job/" + failed.get(0) + " -c " + RestoreJobs.FETCH_CONTAINER
                    + ", then -c " + RestoreJobs.CONTAINER + "); staging never writes the data dir");
        }
        List<String> pending = jobs.stream().filter(j -> j == null || !RestoreJobs.succeeded(j))
                .map(j -> j == null ? "?" : j.getMetadata().getName()).toList();
        if (!pending.isEmpty()) {
            return new Outcome.Wait("stage Job(s) " + String.join(", ", pending) + " to succeed");
        }
        return new Outcome.Done(total + " member(s) staged from snapshot " + run.rollback.getSpec().getSnapshotName()
                + (restored.size() > 1 ? " (" + restored.size() + " etcd clusters: "
                        + restored.stream().map(EtcdCluster::statefulSet).collect(Collectors.joining(", ")) + ", each from"
                        + " its own snapshot in the set)" : "")
                + " with " + status.getEtcdImage() + (serving ? ", while the control plane served" : ""));
    }

    /**
     * The stage Jobs of one etcd cluster's members, found or created (from its own member of the snapshot set); a
     * null entry for a Job not there yet.
     */
    private static List<Job> stage(RollbackRun run, EtcdCluster etcd, boolean serving) throws StepFailure {
        String ns = run.cpNamespace();
        int members = run.memberCount(etcd);
        List<Job> jobs = new ArrayList<>();
        for (int member = 0; member < members; member++) {
            jobs.add(run.client.batch().v1().jobs().inNamespace(ns).withName(RollbackNames.stageJob(run.rollback, etcd, member)).get());
        }
        if (!jobs.contains(null)) {
            return jobs;
        }
        List<String> missing = new ArrayList<>();
        for (int member = 0; member < members; member++) {
            if (run.client.persistentVolumeClaims().inNamespace(ns).withName(etcd.claim(member)).get() == null) {
                missing.add(etcd.claim(member));
            }
        }
        if (!missing.isEmpty()) {
            throw new StepFailure("EtcdVolumeMissing", "PersistentVolumeClaim(s) " + String.join(", ", missing)
                    + " of " + etcd.statefulSet() + " do not exist in " + ns);
        }
        ControlPlaneSnapshot snapshot = run.snapshot();
        SnapshotShard shard = RollbackRun.snapshotShard(snapshot, etcd);
        String what = shard == null ? "snapshot " + snapshot.getMetadata().getName()
                : "etcd shard " + shard.getName() + " of snapshot " + snapshot.getMetadata().getName();
        RestoreSource.Download download;
        try {
            download = shard == null ? run.restoreSource.downloadOf(snapshot, run.settings.restoreUrlTtl())
                    : run.restoreSource.downloadOf(snapshot, shard, run.settings.restoreUrlTtl());
        } catch (RestoreSource.RestoreSourceException e) {
            throw new StepFailure("SnapshotUnavailable", "no download URL for the " + what + ": " + e.getMessage());
        }
        Long snapshotBytes = VolumeCapacity.etcdSizeBytes(snapshot, shard);
        if (snapshotBytes == null) {
            throw new StepFailure("SnapshotUnavailable", what
                    + " records no size as etcd sent it: the stage Jobs cannot check the volumes' free space");
        }
        String fetchImage = fetchImage(run);
        StatefulSet set = run.statefulSet(etcd);
        ControlPlaneRollbackStatus status = run.status();
        for (int member = 0; member < members; member++) {
            if (jobs.get(member) != null) {
                continue;
            }
            Job job = RestoreJobs.build(run.rollback, ns, etcd, member, RestoreJobs.Phase.stage, status.getEtcdImage(),
                    fetchImage,
                    RestoreScript.environment(etcd, ns, members, member, download.url(), download.sha256(),
                            download.compression(), snapshotBytes, run.settings.bumpRevision()),
                    set, serving, run.settings.restoreTimeout().toSeconds());
            jobs.set(member, createOrGet(run, job));
            run.events.normal(run.cluster, run.rollback, "RollbackJobCreated", "Stage: created Job " + ns + "/"
                    + job.getMetadata().getName() + " for member " + etcd.memberName(member) + " from " + what);
            run.reached("created:" + job.getMetadata().getName());
        }
        return jobs;
    }

    /** A Job created before a crash is found by its name, never created twice. */
    static Job createOrGet(RollbackRun run, Job job) {
        try {
            run.fence();
            return run.client.resource(job).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return run.client.resource(job).get();
        }
    }

    /** The image the plan decided on (what the preflight saw pulled); resolved now only for a plan that names none. */
    private static String fetchImage(RollbackRun run) throws StepFailure {
        if (run.plan().getFetchImage() != null) {
            return run.plan().getFetchImage();
        }
        FetchImage.Resolved fetch = run.settings.fetchImage().resolve();
        if (!fetch.known()) {
            throw new StepFailure("FetchImageUnknown", fetch.unknownBecause() + ": the stage Jobs' image is unknown; "
                    + "set hcp-rollback.rollback.fetch-image");
        }
        return fetch.image();
    }
}
