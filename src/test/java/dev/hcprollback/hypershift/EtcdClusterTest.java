package dev.hcprollback.hypershift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.testing.HostedClusters;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** The names of the etcd clusters of a control plane, as HyperShift's StatefulSet asset and shard component make them. */
class EtcdClusterTest {

    private static final String CP = "clusters-payments";

    @Test
    void theDefaultEtcdKeepsItsNames() {
        EtcdCluster etcd = EtcdCluster.DEFAULT;
        assertEquals("etcd", etcd.statefulSet());
        assertEquals("etcd-2", etcd.memberName(2));
        assertEquals("data-etcd-2", etcd.claim(2));
        assertEquals("etcd-client", etcd.clientService());
        assertEquals("https://etcd-1.etcd-discovery.clusters-payments.svc:2380", etcd.peerUrl(CP, 1));
        assertEquals("etcd-0=https://etcd-0.etcd-discovery.clusters-payments.svc:2380,"
                + "etcd-1=https://etcd-1.etcd-discovery.clusters-payments.svc:2380", etcd.initialCluster(etcd.peerUrls(CP, 2)));
        assertTrue(etcd.persistent());
        assertEquals("etcd", etcd.label());
    }

    @Test
    void aShardHasItsOwnStatefulSetMembersVolumesAndPeers() {
        HostedCluster cluster = HostedClusters.onSixAfterFive("payments").withEtcdShards(
                HostedClusters.shard("events", 3, "PersistentVolume", "/events"),
                HostedClusters.shard("scratch", 1, "EmptyDir", "/pods")).model();

        List<EtcdCluster> all = EtcdCluster.of(cluster);

        assertEquals(List.of("etcd", "etcd-events", "etcd-scratch"), all.stream().map(EtcdCluster::statefulSet).toList());
        EtcdCluster events = all.get(1);
        assertEquals("events", events.shardName());
        assertEquals("etcd shard etcd-events", events.label());
        assertEquals(List.of("etcd-events-0", "etcd-events-1", "etcd-events-2"), events.memberNames(events.declaredMembers(0)));
        assertEquals("data-etcd-events-1", events.claim(1));
        assertEquals("etcd-client-events", events.clientService());
        assertEquals("etcd-discovery-events", events.discoveryService());
        assertEquals("https://etcd-events-2.etcd-discovery-events.clusters-payments.svc:2380", events.peerUrl(CP, 2));
        assertTrue(events.initialCluster(events.peerUrls(CP, 3)).startsWith(
                "etcd-events-0=https://etcd-events-0.etcd-discovery-events.clusters-payments.svc:2380,etcd-events-1="));
        assertTrue(events.persistent());
        EtcdCluster scratch = all.get(2);
        assertFalse(scratch.persistent());
        assertEquals("pods", scratch.holds());
    }

    /** Job names carry the member's name while they fit a label value; a long shard name is cut and hashed instead. */
    @Test
    void jobNamesOfEveryMemberFitALabelAndNeverCollide() {
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName("payments-to-4-18-5-abc").withNamespace("clusters")
                .withUid("7f1c").build());
        HostedCluster cluster = HostedClusters.onSixAfterFive("payments").withEtcdShards(
                HostedClusters.shard("events", 1, null, "/events"),
                HostedClusters.shard("a".repeat(47) + "1", 3, null, "/pods"),
                HostedClusters.shard("a".repeat(47) + "2", 3, null, "/configmaps")).model();
        List<EtcdCluster> all = EtcdCluster.of(cluster);

        assertEquals(RollbackNames.stageJob(rollback, 0), RollbackNames.stageJob(rollback, EtcdCluster.DEFAULT, 0));
        assertTrue(RollbackNames.measureJob(rollback, all.get(1), 0).endsWith("-etcd-events-0"));
        String one = RollbackNames.measureJob(rollback, all.get(2), 2);
        String two = RollbackNames.measureJob(rollback, all.get(3), 2);
        assertEquals(63, one.length(), one);
        assertTrue(one.endsWith("-2"), one);
        assertNotEquals(one, two);
        for (EtcdCluster etcd : all) {
            for (int member = 0; member < 3; member++) {
                for (String name : List.of(RollbackNames.stageJob(rollback, etcd, member),
                        RollbackNames.swapJob(rollback, etcd, member), RollbackNames.measureJob(rollback, etcd, member))) {
                    assertTrue(name.length() <= 63 && name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), name);
                }
            }
        }
    }
}
