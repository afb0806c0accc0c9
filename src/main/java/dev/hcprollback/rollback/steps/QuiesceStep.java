package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RecordedReplicas;
import dev.hcprollback.hypershift.ControlPlaneWorkloads;
import dev.hcprollback.rollback.etcd.KeyChanges;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * Quiesce: records the replicas of the writers of etcd (and of the operator that would scale them
 * back) and of etcd, then scales the writers to 0 and, once their pods are gone, reads etcd's revision (the last
 * any client can have seen) and refuses to go on when the restored revision would not be above it; then scales
 * etcd to 0. Everything here is undone on failure: the data is untouched.
 */
public final class QuiesceStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        if (status.getRecordedReplicas().isEmpty()) {
            List<RecordedReplicas> recorded = new ArrayList<>();
            for (String name : ControlPlaneWorkloads.WRITERS) {
                Deployment deployment = run.client.apps().deployments().inNamespace(ns).withName(name).get();
                if (deployment == null) {
                    if (ControlPlaneWorkloads.REQUIRED_WORKLOADS.contains(name)) {
                        throw new StepFailure("WorkloadMissing", "Deployment " + ns + "/" + name + " does not exist");
                    }
                    continue;
                }
                recorded.add(new RecordedReplicas(RecordedReplicas.DEPLOYMENT, name,
                        Optional.ofNullable(deployment.getSpec().getReplicas()).orElse(1)));
            }
            StatefulSet etcdSet = run.etcdStatefulSet();
            if (etcdSet == null) {
                throw new StepFailure("WorkloadMissing", "StatefulSet " + ns + "/etcd does not exist");
            }
            int etcdReplicas = Optional.ofNullable(etcdSet.getSpec().getReplicas()).orElse(1);
            if (etcdReplicas < 1) {
                throw new StepFailure("EtcdNotRunning", "StatefulSet " + ns + "/etcd has 0 replicas before the rollback");
            }
            recorded.add(new RecordedReplicas(RecordedReplicas.STATEFUL_SET, ControlPlaneWorkloads.ETCD, etcdReplicas));
            status.setRecordedReplicas(recorded);
            run.persist();
            run.reached("recorded:replicas");
        }
        List<String> running = new ArrayList<>();
        for (RecordedReplicas writer : run.writers()) {
            run.scaleDeployment(writer.getName(), 0);
            if (run.podsOfDeployment(writer.getName()) > 0) {
                running.add(writer.getName());
            }
        }
        run.reached("scaled:writers");
        if (!running.isEmpty()) {
            return new Outcome.Wait("the pods of " + String.join(", ", running) + " to go");
        }
        if (status.getRevisionAtQuiesce() == null) {
            Optional<Outcome> waiting = recordRevision(run);
            if (waiting.isPresent()) {
                return waiting.get();
            }
        }
        long restored = run.restoredRevision();
        if (restored <= status.getRevisionAtQuiesce()) {
            throw new StepFailure("BumpTooSmall", "etcd reached revision " + status.getRevisionAtQuiesce()
                    + " before its writers stopped, and the restore would bring it back at " + restored
                    + " (the snapshot's revision + bump " + run.settings.bumpRevision() + "): clients would take the restored"
                    + " data for older than what they have seen. Raise hcp-rollback.rollback.bump-revision above "
                    + (status.getRevisionAtQuiesce() - (restored - run.settings.bumpRevision())) + " and request again");
        }
        run.scaleStatefulSet(ControlPlaneWorkloads.ETCD, 0);
        run.reached("scaled:etcd");
        if (run.podsOfEtcd() > 0) {
            return new Outcome.Wait("the etcd pods to go");
        }
        return new Outcome.Done("writers and etcd scaled to 0 (recorded " + status.getRecordedReplicas()
                + "; etcd's revision " + status.getRevisionAtQuiesce() + " when its writers stopped, restored at "
                + run.restoredRevision() + ")");
    }

    /** Reads and records etcd's revision now that nothing writes; a wait while etcd does not answer. */
    private static Optional<Outcome> recordRevision(RollbackRun run) {
        try {
            run.status().setRevisionAtQuiesce(run.etcdMembers.read(run.cpNamespace()).highestRevision());
        } catch (Exception e) {
            return Optional.of(new Outcome.Wait("etcd's revision now that its writers stopped ("
                    + KeyChanges.rootMessage(e) + ")"));
        }
        run.persist();
        run.reached("recorded:revisionAtQuiesce");
        return Optional.empty();
    }
}
