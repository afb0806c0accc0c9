package dev.hcprollback.rollback.steps;

import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.eligibility.RollbackFloors;
import dev.hcprollback.rollback.etcd.EtcdMembersReader;
import dev.hcprollback.rollback.etcd.EtcdRevisionReader;
import dev.hcprollback.rollback.restore.RestoreSource;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What every run of a rollback works with, the same for all rollbacks the driver moves on.
 *
 * @param statusWritten told of each status the run wrote (the driver keeps its metrics with it)
 * @param floors the rollback floors as the sidecar's cache holds them now, read by the plan
 */
public record RunTools(KubernetesClient client, RollbackSettings settings, Clock clock, RestoreSource restoreSource,
        EtcdRevisionReader etcd, EtcdMembersReader etcdMembers, RollbackEvents events, Checkpoints checkpoints,
        Consumer<ControlPlaneRollback> statusWritten, Supplier<RollbackFloors> floors) {
}
