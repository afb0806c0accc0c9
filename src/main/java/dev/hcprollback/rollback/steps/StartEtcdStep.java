package dev.hcprollback.rollback.steps;

import java.util.List;
import java.util.stream.IntStream;

import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.hypershift.ControlPlaneWorkloads;
import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.rollback.etcd.KeyChanges;
import dev.hcprollback.rollback.restore.RestoreScript;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * StartEtcd: puts the etcd StatefulSet on the restore's etcd image (the snapshot's payload's: an
 * update that changed etcd's version is undone too; the control-plane operator is stopped, so
 * nothing changes it back before the payload is reverted), scales etcd back and waits for quorum;
 * then checks that every member reports the same cluster ID, that the members are the expected ones,
 * and that the revision is past the bump.
 */
public final class StartEtcdStep implements StepAction {

    @Override
    public Outcome act(RollbackRun run) throws StepFailure {
        ControlPlaneRollbackStatus status = run.status();
        String ns = run.cpNamespace();
        int replicas = run.memberCount();
        StatefulSet etcdSet = run.etcdStatefulSet();
        List<Container> containers = etcdSet == null ? List.of() : etcdSet.getSpec().getTemplate().getSpec().getContainers();
        int index = IntStream.range(0, containers.size()).filter(i -> ControlPlaneWorkloads.ETCD.equals(containers.get(i).getName()))
                .findFirst().orElse(-1);
        if (index >= 0 && status.getEtcdImage() != null && !status.getEtcdImage().equals(containers.get(index).getImage())) {
            if (status.getEtcdImageBefore() == null) {
                status.setEtcdImageBefore(containers.get(index).getImage());
                run.persist();
                run.reached("recorded:etcdImage");
            }
            // the index is the one read: fenced, and the patch tests that the StatefulSet is still the one read
            run.fence();
            run.client.apps().statefulSets().inNamespace(ns).withName(ControlPlaneWorkloads.ETCD).patch(PatchContext.of(PatchType.JSON),
                    "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\""
                            + etcdSet.getMetadata().getResourceVersion() + "\"},"
                            + "{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/" + index + "/image\",\"value\":\""
                            + status.getEtcdImage() + "\"}]");
            run.reached("patched:etcd-image");
        }
        run.scaleStatefulSet(ControlPlaneWorkloads.ETCD, replicas);
        run.reached("scaled:etcd-up");
        etcdSet = run.etcdStatefulSet();
        int ready = etcdSet == null || etcdSet.getStatus() == null || etcdSet.getStatus().getReadyReplicas() == null ? 0
                : etcdSet.getStatus().getReadyReplicas();
        // the HostedCluster is paused, so EtcdAvailable alone may be the stale True from before Quiesce:
        // quorum counts only once the StatefulSet itself reports every member ready.
        if (ready < replicas || !run.conditionStatus("EtcdAvailable").equals("True")) {
            return new Outcome.Wait("etcd quorum (" + ready + "/" + replicas + " members ready, EtcdAvailable="
                    + run.conditionStatus("EtcdAvailable") + ")");
        }
        EtcdMembers members;
        try {
            members = run.etcdMembers.read(ns);
        } catch (Exception e) {
            return new Outcome.Wait("etcd's members to report their status (" + KeyChanges.rootMessage(e) + ")");
        }
        List<String> expected = IntStream.range(0, replicas).mapToObj(RestoreScript::memberName).toList();
        // past the bump, and past every revision a client saw before the writers stopped
        long minimum = Math.max(run.restoredRevision(),
                status.getRevisionAtQuiesce() == null ? 0 : status.getRevisionAtQuiesce() + 1);
        List<String> differences = members.differencesFrom(expected, minimum);
        if (!differences.isEmpty()) {
            throw new StepFailure("EtcdMismatch", "etcd started but is not the cluster the snapshot restores: "
                    + String.join("; ", differences));
        }
        EtcdMembers.Member first = members.members().get(0);
        return new Outcome.Done("etcd runs " + replicas + " member(s) with quorum on " + status.getEtcdImage()
                + " (etcd " + first.version() + "), cluster ID " + Long.toHexString(first.clusterId()) + ", revision "
                + members.highestRevision() + " past the bump");
    }
}
