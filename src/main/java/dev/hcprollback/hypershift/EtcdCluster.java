package dev.hcprollback.hypershift;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One etcd cluster of a hosted control plane, as a restore handles it: the default etcd, or one etcd shard (TechPreview
 * EtcdSharding, {@link ManagedEtcd.Shard}). Every step of a rollback iterates over {@link #of(HostedCluster)} instead of
 * asking "is this a shard" itself.
 *
 * <p>The names are HyperShift's (openshift/hypershift at 3ee9615: the etcd StatefulSet asset and
 * control-plane-operator/controllers/hostedcontrolplane/v2/etcd/shard.go, support/etcd/shards.go): StatefulSet
 * {@code etcd} or {@code etcd-<shard>}; its pods, which are also the etcd member names, {@code <statefulSet>-<N>}; their
 * PVCs from the claim template {@code data}, {@code data-<statefulSet>-<N>}; peers behind the discovery Service
 * {@code etcd-discovery} or {@code etcd-discovery-<shard>} at
 * {@code https://<member>.<discovery>.<namespace>.svc:2380}; clients through {@code etcd-client} or
 * {@code etcd-client-<shard>}. No initial-cluster token is set for either, so etcd's default {@code etcd-cluster} holds.
 *
 * @param shard the shard's entry of {@code spec.etcd.managed.shards}; null for the default etcd
 */
public record EtcdCluster(ManagedEtcd.Shard shard) {

    /** The default etcd of every managed control plane: StatefulSet {@code etcd}, on PersistentVolumes. */
    public static final EtcdCluster DEFAULT = new EtcdCluster(null);

    /** The default etcd, then each shard of {@code cluster} in its order. */
    public static List<EtcdCluster> of(HostedCluster cluster) {
        List<EtcdCluster> clusters = new ArrayList<>();
        clusters.add(DEFAULT);
        cluster.etcdShards().forEach(shard -> clusters.add(new EtcdCluster(shard)));
        return List.copyOf(clusters);
    }

    public boolean isDefault() {
        return shard == null;
    }

    /** The shard's name in {@code spec.etcd.managed.shards}; null for the default etcd. */
    public String shardName() {
        return shard == null ? null : shard.name;
    }

    /** {@code etcd} or {@code etcd-<shard>}. */
    public String statefulSet() {
        return shard == null ? ControlPlaneWorkloads.ETCD : shard.statefulSet();
    }

    /** Whether its data lives on PersistentVolumes: a snapshot keeps it and the restore writes it back. */
    public boolean persistent() {
        return shard == null || shard.persistent();
    }

    /** {@code etcd-client} or {@code etcd-client-<shard>}. */
    public String clientService() {
        return shard == null ? "etcd-client" : shard.clientService();
    }

    /** {@code etcd-discovery} or {@code etcd-discovery-<shard>}: the StatefulSet's headless Service, the peers' DNS. */
    public String discoveryService() {
        return shard == null ? "etcd-discovery" : "etcd-discovery-" + shard.name;
    }

    /** Member N's name, which is also its pod's: {@code <statefulSet>-<N>}. */
    public String memberName(int member) {
        return statefulSet() + "-" + member;
    }

    /** Member N's PersistentVolumeClaim (claim template {@code data}): {@code data-<statefulSet>-<N>}. */
    public String claim(int member) {
        return "data-" + memberName(member);
    }

    /** Member N's peer URL inside the control-plane namespace. */
    public String peerUrl(String controlPlaneNamespace, int member) {
        return "https://" + memberName(member) + "." + discoveryService() + "." + controlPlaneNamespace + ".svc:2380";
    }

    /** The members' names, {@code members} of them. */
    public List<String> memberNames(int members) {
        return IntStream.range(0, members).mapToObj(this::memberName).toList();
    }

    /** The peer URLs of {@code members} members, in member order. */
    public List<String> peerUrls(String controlPlaneNamespace, int members) {
        return IntStream.range(0, members).mapToObj(i -> peerUrl(controlPlaneNamespace, i)).toList();
    }

    /** {@code etcd-0=<peer0>,etcd-1=<peer1>,...}: etcd's initial cluster from the peer URLs of each member. */
    public String initialCluster(List<String> peerUrls) {
        return IntStream.range(0, peerUrls.size()).mapToObj(i -> memberName(i) + "=" + peerUrls.get(i))
                .collect(Collectors.joining(","));
    }

    /** The members HyperShift declares: the shard's replicas; for the default etcd unknown here (its StatefulSet's). */
    public int declaredMembers(int defaultEtcdMembers) {
        return shard == null ? defaultEtcdMembers : shard.memberCount();
    }

    /** What its data holds: every resource not routed elsewhere for the default etcd, else the shard's resources. */
    public String holds() {
        return shard == null ? "every resource not routed to a shard" : shard.holds();
    }

    /** How a message names it: {@code etcd}, or {@code etcd shard etcd-events}. */
    public String label() {
        return shard == null ? ControlPlaneWorkloads.ETCD : "etcd shard " + shard.statefulSet();
    }

    /** {@code etcd} or the shard's line ({@link ManagedEtcd.Shard#toString()}). */
    @Override
    public String toString() {
        return shard == null ? ControlPlaneWorkloads.ETCD : shard.toString();
    }
}
