package dev.hcprollback.eligibility;

import java.util.List;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ManagedEtcd;

/**
 * Whether a snapshot holds all of a cluster's etcd: with EtcdSharding (TechPreview) the API server keeps the
 * resources routed to a shard in that shard's own etcd ({@link ManagedEtcd}), so a rollback point is one snapshot
 * set, the default etcd and every shard on PersistentVolumes taken at the same pre-update moment. Restoring the default
 * etcd alone would leave the shards' data newer than the rest (events, leases or pods of a state that never
 * existed). EmptyDir shards need no snapshot: their data is lost with any restart, and a rollback empties them. The one
 * decision behind the webhook, the plan's preflight item, the rollback point, the update records and the upgrade gate.
 */
public final class EtcdShardCheck {

    private EtcdShardCheck() {
    }

    /**
     * @param covered whether the snapshot holds every PersistentVolume shard of the cluster
     * @param missing the shards it lacks (empty when covered)
     * @param detail one sentence: what the cluster's shards hold and what the snapshot has of them
     */
    public record Result(boolean covered, List<ManagedEtcd.Shard> missing, String detail) {
    }

    public static boolean covers(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        return of(snapshot, cluster).covered();
    }

    public static Result of(ControlPlaneSnapshot snapshot, HostedCluster cluster) {
        List<ManagedEtcd.Shard> shards = cluster.etcdShards();
        String name = "snapshot " + snapshot.getMetadata().getName();
        if (shards.isEmpty()) {
            return new Result(true, List.of(), "the HostedCluster has no etcd shards; " + name + " holds its one etcd");
        }
        List<ManagedEtcd.Shard> missing = shards.stream().filter(ManagedEtcd.Shard::persistent).toList();
        String emptyDir = shards.stream().filter(s -> !s.persistent()).map(Object::toString)
                .collect(Collectors.joining(", "));
        String emptied = emptyDir.isEmpty() ? "" : "; the EmptyDir shards " + emptyDir + " need none (a rollback empties them)";
        if (missing.isEmpty()) {
            return new Result(true, List.of(), name + " holds the default etcd" + emptied);
        }
        return new Result(false, missing, name + " holds the default etcd only, not the etcd shards "
                + describe(missing) + ": a restore of it would leave their data newer than the rest"
                + " (hcp-rollback does not snapshot etcd shards yet)" + emptied);
    }

    static String describe(List<ManagedEtcd.Shard> shards) {
        return shards.stream().map(Object::toString).collect(Collectors.joining(", "));
    }
}
