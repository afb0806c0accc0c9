package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreScript;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Swap: once every member of every etcd the restore writes back is staged and every etcd is stopped, one Job
 * per member replaces the data dir by its staged copy ({@link RestoreScript#SWAP}). The first swap is the point of no return: the
 * preflight items that can have changed are checked again, and the point is recorded, before any
 * swap Job is created.
 */
public final class SwapStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        List<EtcdCluster> restored = run.restoredEtcdClusters();
        List<String> withPods = run.etcdWithPods();
        if (!withPods.isEmpty()) {
            return new Outcome.Wait("the pods of " + String.join(", ", withPods) + " to go before their data dirs are swapped");
        }
        List<Job> jobs = new ArrayList<>();
        int total = 0;
        for (EtcdCluster etcd : restored) {
            for (int member = 0; member < run.memberCount(etcd); member++) {
                jobs.add(run.client.batch().v1().jobs().inNamespace(ns).withName(RollbackNames.swapJob(run.rollback, etcd, member)).get());
            }
            total += run.memberCount(etcd);
        }
        if (jobs.contains(null)) {
            if (!Boolean.TRUE.equals(status.getPointOfNoReturn())) {
                List<PreflightCheck> failing = Preflight.recheck(run);
                if (!failing.isEmpty()) {
                    run.persist();
                    throw new StepFailure("PreflightFailed", "checked again before the first swap: " + failing.stream()
                            .map(PreflightCheck::toString).collect(Collectors.joining("; ")));
                }
                // the whole set, checked once more: no swap of one etcd without the snapshots of all the others
                for (EtcdCluster etcd : restored) {
                    RollbackRun.snapshotShard(run.snapshot(), etcd);
                }
                status.setPointOfNoReturn(true);
                run.persist();
                run.pointOfNoReturnPassed("the first swap Job may now replace etcd's data");
                run.reached("pointOfNoReturn");
            }
            int index = 0;
            for (EtcdCluster etcd : restored) {
                StatefulSet set = run.statefulSet(etcd);
                int members = run.memberCount(etcd);
                for (int member = 0; member < members; member++, index++) {
                    if (jobs.get(index) != null) {
                        continue;
                    }
                    Job job = RestoreJobs.build(run.rollback, ns, etcd, member, RestoreJobs.Phase.swap, status.getEtcdImage(),
                            null, RestoreScript.environment(etcd, ns, members, member, "", "", run.settings.bumpRevision()),
                            set, false, run.settings.restoreTimeout().toSeconds());
                    jobs.set(index, StageStep.createOrGet(run, job));
                    run.events.normal(run.cluster, run.rollback, "RollbackJobCreated", "Swap: created Job " + ns + "/"
                            + job.getMetadata().getName() + " for member " + etcd.memberName(member));
                    run.reached("created:" + job.getMetadata().getName());
                }
            }
        }
        List<String> failed = jobs.stream().filter(Objects::nonNull).filter(RestoreJobs::failed)
                .map(j -> j.getMetadata().getName()).toList();
        if (!failed.isEmpty()) {
            throw new StepFailure("SwapJobFailed", "swap Job(s) " + String.join(", ", failed) + " in " + ns + " failed");
        }
        List<String> pending = jobs.stream().filter(j -> j == null || !RestoreJobs.succeeded(j))
                .map(j -> j == null ? "?" : j.getMetadata().getName()).toList();
        if (!pending.isEmpty()) {
            return new Outcome.Wait("swap Job(s) " + String.join(", ", pending) + " to succeed");
        }
        return new Outcome.Done(total + " member(s) swapped to the staged copy of snapshot "
                + run.rollback.getSpec().getSnapshotName() + (restored.size() > 1 ? " (" + restored.stream()
                        .map(EtcdCluster::statefulSet).collect(Collectors.joining(", ")) + ")" : ""));
    }
}
