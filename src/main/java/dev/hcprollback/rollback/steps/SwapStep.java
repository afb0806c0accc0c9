package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreScript;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Swap: once every member is staged and etcd is stopped, one Job per member replaces the data dir by
 * its staged copy ({@link RestoreScript#SWAP}). The first swap is the point of no return: the
 * preflight items that can have changed are checked again, and the point is recorded, before any
 * swap Job is created.
 */
public final class SwapStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        int members = run.memberCount();
        if (run.podsOfEtcd() > 0) {
            return new Outcome.Wait("the etcd pods to go before their data dirs are swapped");
        }
        List<Job> jobs = new ArrayList<>();
        for (int member = 0; member < members; member++) {
            jobs.add(run.client.batch().v1().jobs().inNamespace(ns).withName(RollbackNames.swapJob(run.rollback, member)).get());
        }
        if (jobs.contains(null)) {
            if (!Boolean.TRUE.equals(status.getPointOfNoReturn())) {
                List<PreflightCheck> failing = Preflight.recheck(run);
                if (!failing.isEmpty()) {
                    run.persist();
                    throw new StepFailure("PreflightFailed", "checked again before the first swap: " + failing.stream()
                            .map(PreflightCheck::toString).collect(Collectors.joining("; ")));
                }
                status.setPointOfNoReturn(true);
                run.persist();
                run.pointOfNoReturnPassed("the first swap Job may now replace etcd's data");
                run.reached("pointOfNoReturn");
            }
            StatefulSet etcdSet = run.etcdStatefulSet();
            for (int member = 0; member < members; member++) {
                if (jobs.get(member) != null) {
                    continue;
                }
                Job job = RestoreJobs.build(run.rollback, ns, member, RestoreJobs.Phase.swap, status.getEtcdImage(), null,
                        RestoreScript.environment(ns, members, member, "", "", run.settings.bumpRevision()), etcdSet,
                        false, run.settings.restoreTimeout().toSeconds());
                jobs.set(member, StageStep.createOrGet(run, job));
                run.events.normal(run.cluster, run.rollback, "RollbackJobCreated", "Swap: created Job " + ns + "/" + job.getMetadata().getName()
                        + " for member " + RestoreScript.memberName(member));
                run.reached("created:" + job.getMetadata().getName());
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
        return new Outcome.Done(members + " member(s) swapped to the staged copy of snapshot "
                + run.rollback.getSpec().getSnapshotName());
    }
}
