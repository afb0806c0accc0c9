package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RecordedReplicas;
import dev.hcprollback.hypershift.ControlPlaneWorkloads;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.rollback.etcd.KeyChanges;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * Quiesce: records the replicas of the writers of etcd (and of the operator that would scale them
 * back) and of every etcd of the control plane (the default one and each shard, {@link EtcdCluster}), then scales the
 * writers to 0 and, once their pods are gone, reads the revision of each etcd the restore writes back (the last any
 * client can have seen) and refuses to go on when its restored revision would not be above it; then scales every etcd
 * to 0 (an EmptyDir shard's data goes with its pods). Everything here is undone on failure: the data is untouched.
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
            for (EtcdCluster etcd : run.etcdClusters()) {
                StatefulSet set = run.statefulSet(etcd);
                if (set == null) {
                    throw new StepFailure("WorkloadMissing", "StatefulSet " + ns + "/" + etcd.statefulSet() + " does not exist");
                }
                int replicas = Optional.ofNullable(set.getSpec().getReplicas()).orElse(1);
                if (replicas < 1) {
                    throw new StepFailure("EtcdNotRunning", "StatefulSet " + ns + "/" + etcd.statefulSet()
                            + " has 0 replicas before the rollback");
                }
                recorded.add(new RecordedReplicas(RecordedReplicas.STATEFUL_SET, etcd.statefulSet(), replicas));
            }
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
        for (EtcdCluster etcd : run.restoredEtcdClusters()) {
            if (run.revisionAtQuiesce(etcd) == null) {
                Optional<Outcome> waiting = recordRevision(run, etcd);
                if (waiting.isPresent()) {
                    return waiting.get();
                }
            }
        }
        for (EtcdCluster etcd : run.restoredEtcdClusters()) {
            long restored = run.restoredRevision(etcd);
            long seen = run.revisionAtQuiesce(etcd);
            if (restored <= seen) {
                throw new StepFailure("BumpTooSmall", etcd.label() + " reached revision " + seen
                        + " before its writers stopped, and the restore would bring it back at " + restored
                        + " (the snapshot's revision + bump " + run.settings.bumpRevision() + "): clients would take the restored"
                        + " data for older than what they have seen. Raise hcp-rollback.rollback.bump-revision above "
                        + (seen - (restored - run.settings.bumpRevision())) + " and request again");
            }
        }
        // every etcd, EmptyDir shards too: theirs is emptied with their pods, and a restored etcd must not meet them
        for (EtcdCluster etcd : run.etcdClusters()) {
            run.scaleStatefulSet(etcd.statefulSet(), 0);
        }
        run.reached("scaled:etcd");
        List<String> withPods = run.etcdWithPods();
        if (!withPods.isEmpty()) {
            return new Outcome.Wait("the pods of " + String.join(", ", withPods) + " to go");
        }
        return new Outcome.Done("writers and etcd scaled to 0 (recorded " + status.getRecordedReplicas()
                + "; etcd's revision " + status.getRevisionAtQuiesce() + " when its writers stopped, restored at "
                + run.restoredRevision() + shards(run) + ")");
    }

    /** {@code ; etcd-events at 500, restored at 10500}, each shard on PersistentVolumes. */
    private static String shards(RollbackRun run) throws StepFailure {
        StringBuilder text = new StringBuilder();
        for (EtcdCluster etcd : run.restoredEtcdClusters()) {
            if (!etcd.isDefault()) {
                text.append("; ").append(etcd.statefulSet()).append(" at ").append(run.revisionAtQuiesce(etcd))
                        .append(", restored at ").append(run.restoredRevision(etcd));
            }
        }
        return text.toString();
    }

    /** Reads and records one etcd's revision now that nothing writes; a wait while it does not answer. */
    private static Optional<Outcome> recordRevision(RollbackRun run, EtcdCluster etcd) {
        long revision;
        try {
            revision = run.etcdMembers.read(run.cpNamespace(), etcd).highestRevision();
        } catch (Exception e) {
            return Optional.of(new Outcome.Wait(etcd.label() + "'s revision now that its writers stopped ("
                    + KeyChanges.rootMessage(e) + ")"));
        }
        if (etcd.isDefault()) {
            run.status().setRevisionAtQuiesce(revision);
        } else {
            Map<String, Long> shards = run.status().getShardRevisionsAtQuiesce() == null ? new TreeMap<>()
                    : new TreeMap<>(run.status().getShardRevisionsAtQuiesce());
            shards.put(etcd.shardName(), revision);
            run.status().setShardRevisionsAtQuiesce(shards);
        }
        run.persist();
        run.reached("recorded:revisionAtQuiesce" + (etcd.isDefault() ? "" : ":" + etcd.shardName()));
        return Optional.empty();
    }
}
