package dev.hcprollback.eligibility;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ManagedEtcd;

/**
 * Whether a snapshot holds all of a cluster's etcd: with EtcdSharding (TechPreview) the API server keeps the
 * resources routed to a shard in that shard's own etcd ({@link ManagedEtcd}), so a rollback point is one snapshot
 * set, the default etcd and every shard on PersistentVolumes taken at the same pre-update moment (the snapshot
 * controller records them on {@code status.shards}). Restoring the default etcd alone would leave the shards' data newer
 * than the rest (events, leases or pods of a state that never existed): only a complete set, every member verified,
 * backs a rollback, and the restore then writes every shard from its own snapshot in the set. EmptyDir shards need no
 * snapshot: their data is lost with any restart, and a rollback empties them. The one decision behind the webhook, the
 * plan's preflight item, the rollback point, the update records and the upgrade gate.
 */
public final class EtcdShardCheck {

    private EtcdShardCheck() {
    }

    /**
     * @param covered whether a restore of the snapshot would give the cluster back all of its etcd: true without etcd
     *        shards on PersistentVolumes, or with them when the set is complete
     * @param complete whether the snapshot holds, verified, every PersistentVolume shard of the cluster (its set is
     *        whole), as {@code status.shards} records them
     * @param missing the PersistentVolume shards it lacks (empty when complete)
     * @param detail one sentence: what the cluster's shards hold and what the snapshot has of them
     */
    public record Result(boolean covered, boolean complete, List<ManagedEtcd.Shard> missing, String detail) {
    }

    public static boolean covers(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        return of(snapshot, cluster).covered();
    }

    public static Result of(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        List<ManagedEtcd.Shard> shards = cluster.etcdShards();
        String name = "snapshot " + snapshot.getMetadata().getName();
        if (shards.isEmpty()) {
            return new Result(true, true, List.of(), "the HostedCluster has no etcd shards; " + name + " holds its one etcd");
        }
        List<ManagedEtcd.Shard> persistent = shards.stream().filter(ManagedEtcd.Shard::persistent).toList();
        Set<String> held = heldShards(snapshot);
        List<ManagedEtcd.Shard> missing = persistent.stream().filter(s -> !held.contains(s.name)).toList();
        String emptyDir = shards.stream().filter(s -> !s.persistent()).map(Object::toString)
                .collect(Collectors.joining(", "));
        String emptied = emptyDir.isEmpty() ? "" : "; the EmptyDir shards " + emptyDir + " need none (a rollback empties them)";
        if (persistent.isEmpty()) {
            return new Result(true, true, List.of(), name + " holds the default etcd" + emptied);
        }
        if (missing.isEmpty()) {
            return new Result(true, true, List.of(), name + " holds every shard (the default etcd and "
                    + describe(persistent) + ", each verified); a rollback restores each from its own snapshot in the set"
                    + emptied);
        }
        String has = held.isEmpty() ? name + " holds the default etcd only, not the etcd shards "
                : name + " lacks the etcd shards ";
        return new Result(false, false, missing, has + describe(missing)
                + ": a restore of it would leave their data newer than the rest"
                + (held.isEmpty() ? " (taken before hcp-rollback snapshotted etcd shards, or of another shard layout)"
                        : " (its set was taken of another shard layout)")
                + emptied);
    }

    /** The names of the shards {@code snapshot} holds verified ({@code status.shards}). */
    private static Set<String> heldShards(ControlPlaneSnapshot snapshot) {
        List<SnapshotShard> recorded = snapshot.getStatus() == null ? null : snapshot.getStatus().getShards();
        return recorded == null ? Set.of() : recorded.stream().filter(s -> Boolean.TRUE.equals(s.getVerified()))
                .map(SnapshotShard::getName).filter(Objects::nonNull).collect(Collectors.toSet());
    }

    static String describe(List<ManagedEtcd.Shard> shards) {
        return shards.stream().map(Object::toString).collect(Collectors.joining(", "));
    }
}
