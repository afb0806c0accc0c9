package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.hypershift.ControlPlaneWorkloads;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.rollback.etcd.KeyChanges;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * StartEtcd: puts every etcd StatefulSet of the control plane (the default one and each shard, {@link EtcdCluster}) on
 * the restore's etcd image (the snapshot's payload's: an update that changed etcd's version is undone too; the
 * control-plane operator is stopped, so nothing changes it back before the payload is reverted), scales each back to
 * its recorded replicas and waits for quorum; then checks, per etcd, that every member reports the same cluster ID,
 * that the members are the expected ones, and that a restored etcd's revision is past its bump and past what clients
 * saw of it before Quiesce.
 */
public final class StartEtcdStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        List<EtcdCluster> clusters = run.etcdClusters();
        for (EtcdCluster etcd : clusters) {
            putOnRestoreImage(run, etcd);
        }
        for (EtcdCluster etcd : clusters) {
            run.scaleStatefulSet(etcd.statefulSet(), run.memberCount(etcd));
        }
        run.reached("scaled:etcd-up");
        List<String> notReady = new ArrayList<>();
        for (EtcdCluster etcd : clusters) {
            StatefulSet set = run.statefulSet(etcd);
            int ready = set == null || set.getStatus() == null || set.getStatus().getReadyReplicas() == null ? 0
                    : set.getStatus().getReadyReplicas();
            if (ready < run.memberCount(etcd)) {
                notReady.add(etcd.statefulSet() + " " + ready + "/" + run.memberCount(etcd));
            }
        }
        // the HostedCluster is paused, so EtcdAvailable alone may be the stale True from before Quiesce:
        // quorum counts only once the StatefulSets themselves report every member ready.
        if (!notReady.isEmpty() || !run.conditionStatus("EtcdAvailable").equals("True")) {
            return new Outcome.Wait("etcd quorum (" + (notReady.isEmpty() ? "every member ready"
                    : String.join(", ", notReady) + " members ready") + ", EtcdAvailable="
                    + run.conditionStatus("EtcdAvailable") + ")");
        }
        List<String> started = new ArrayList<>();
        for (EtcdCluster etcd : clusters) {
            EtcdMembers members;
            try {
                members = run.etcdMembers.read(ns, etcd);
            } catch (Exception e) {
                return new Outcome.Wait(etcd.statefulSet() + "'s members to report their status ("
                        + KeyChanges.rootMessage(e) + ")");
            }
            int replicas = run.memberCount(etcd);
            // past the bump, and past every revision a client saw before the writers stopped; an emptied EmptyDir
            // shard starts afresh, as at any restart of its pods
            long minimum = 0;
            if (etcd.persistent()) {
                Long seen = run.revisionAtQuiesce(etcd);
                minimum = Math.max(run.restoredRevision(etcd), seen == null ? 0 : seen + 1);
            }
            List<String> differences = members.differencesFrom(etcd.memberNames(replicas), minimum);
            if (!differences.isEmpty()) {
                throw new StepFailure("EtcdMismatch", etcd.label() + " started but is not the cluster the snapshot restores: "
                        + String.join("; ", differences));
            }
            EtcdMembers.Member first = members.members().get(0);
            started.add(etcd.statefulSet() + ": " + replicas + " member(s), cluster ID " + Long.toHexString(first.clusterId())
                    + ", revision " + members.highestRevision()
                    + (etcd.persistent() ? " past the bump" : " (EmptyDir, emptied: it held " + etcd.holds() + ")"));
            if (etcd.isDefault()) {
                started.set(started.size() - 1, started.get(started.size() - 1) + " (etcd " + first.version() + ")");
            }
        }
        return new Outcome.Done("etcd runs with quorum on " + status.getEtcdImage() + ": " + String.join("; ", started));
    }

    /**
     * Puts one etcd's StatefulSet on the restore's etcd image, recording the default etcd's image before; fenced, and
     * the patch tests that the StatefulSet is still the one read.
     */
    private static void putOnRestoreImage(RollbackRun run, EtcdCluster etcd) {
        ControlPlaneRollbackStatus status = run.status();
        StatefulSet set = run.statefulSet(etcd);
        List<Container> containers = set == null ? List.of() : set.getSpec().getTemplate().getSpec().getContainers();
        int index = IntStream.range(0, containers.size()).filter(i -> ControlPlaneWorkloads.ETCD.equals(containers.get(i).getName()))
                .findFirst().orElse(-1);
        if (index < 0 || status.getEtcdImage() == null || status.getEtcdImage().equals(containers.get(index).getImage())) {
            return;
        }
        if (etcd.isDefault() && status.getEtcdImageBefore() == null) {
            status.setEtcdImageBefore(containers.get(index).getImage());
            run.persist();
            run.reached("recorded:etcdImage");
        }
        run.fence();
        run.client.apps().statefulSets().inNamespace(run.cpNamespace()).withName(etcd.statefulSet()).patch(
                PatchContext.of(PatchType.JSON),
                "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\""
                        + set.getMetadata().getResourceVersion() + "\"},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/" + index + "/image\",\"value\":\""
                        + status.getEtcdImage() + "\"}]");
        run.reached("patched:" + etcd.statefulSet() + "-image");
    }
}
