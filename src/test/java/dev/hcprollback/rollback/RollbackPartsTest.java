package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.rollback.etcd.ResourceKeys;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.testing.HostedClusters;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** The small pure parts: resource of an etcd key, deterministic names, back-off, restore parameters. */
class RollbackPartsTest {

    @Test
    void etcdKeysAreGroupedByResource() {
        assertEquals("pods", ResourceKeys.resourceOf("/kubernetes.io/pods/app/web-0"));
        assertEquals("namespaces", ResourceKeys.resourceOf("/kubernetes.io/namespaces/app"));
        assertEquals("deployments", ResourceKeys.resourceOf("/kubernetes.io/deployments/app/web"));
        assertEquals("hypershift.openshift.io/nodepools",
                ResourceKeys.resourceOf("/kubernetes.io/hypershift.openshift.io/nodepools/clusters/workers"));
        assertEquals("apiextensions.k8s.io/customresourcedefinitions",
                ResourceKeys.resourceOf("/kubernetes.io/apiextensions.k8s.io/customresourcedefinitions/x.example.com"));
        assertEquals("openshift.io:routes", ResourceKeys.resourceOf("/openshift.io/routes/app/web"));
        assertEquals("(other)", ResourceKeys.resourceOf("compact_rev_key"));
    }

    @Test
    void theSameRequestAlwaysNamesTheSameRecordAndAnotherRequestAnother() {
        HostedCluster cluster = HostedClusters.onSixAfterFive("payments").model();
        String name = RollbackNames.forRequest(cluster, "4.18.5", false, "2026-11-20T06:00:00Z", 1);
        assertEquals(name, RollbackNames.forRequest(cluster, "4.18.5", false, "2026-11-20T06:00:00Z", 1));
        assertTrue(name.matches("payments-to-4-18-5-[0-9a-f]{8}"), name);
        assertEquals(name + "-2", RollbackNames.forRequest(cluster, "4.18.5", false, "2026-11-20T06:00:00Z", 2));
        assertTrue(RollbackNames.forRequest(cluster, "4.18.5", true, "2026-11-20T06:00:00Z", 1).contains("-plan-"));
        assertNotEquals(name, RollbackNames.forRequest(cluster, "4.18.5", false, "2026-11-21T06:00:00Z", 1));
        assertNotEquals(name, RollbackNames.forRequest(cluster, "4.18.4", false, "2026-11-20T06:00:00Z", 1));

        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName(name + "-with-a-rather-long-suffix-to-show-the-hash-keeps-it-short")
                .withNamespace("clusters").withUid("4c9e").build());
        String job = RollbackNames.stageJob(rollback, 2);
        assertEquals(job, RollbackNames.stageJob(rollback, 2));
        assertTrue(job.matches("hcp-rollback-stage-[0-9a-f]{10}-etcd-2") && job.length() <= 63, job);
        assertTrue(RollbackNames.swapJob(rollback, 2).matches("hcp-rollback-swap-[0-9a-f]{10}-etcd-2"));
    }

    @Test
    void waitsBackOffFromThePollIntervalToItsMaximum() {
        RollbackSettings settings = RollbackSettings.defaults();
        assertEquals(Duration.ofSeconds(5), settings.backOff(Duration.ZERO));
        assertEquals(Duration.ofSeconds(5), settings.backOff(Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(12), settings.backOff(Duration.ofSeconds(120)));
        assertEquals(Duration.ofSeconds(60), settings.backOff(Duration.ofHours(1)));
        assertEquals(Duration.ofMinutes(60), settings.timeoutOf(Step.Verify));
    }

    @Test
    void restoreParametersNameEveryMemberOfTheControlPlane() {
        var env = RestoreScript.environment("clusters-payments", 3, 1, "https://x/y", "ab", 1000);
        assertEquals("etcd-1", env.get("MEMBER_NAME"));
        assertEquals("https://etcd-1.etcd-discovery.clusters-payments.svc:2380", env.get("PEER_URL"));
        assertEquals("etcd-0=https://etcd-0.etcd-discovery.clusters-payments.svc:2380,"
                + "etcd-1=https://etcd-1.etcd-discovery.clusters-payments.svc:2380,"
                + "etcd-2=https://etcd-2.etcd-discovery.clusters-payments.svc:2380", env.get("INITIAL_CLUSTER"));
        assertEquals("/var/lib/data", env.get("DATA_DIR"));
        assertEquals(List.of("Pause", "Revert", "Resume", "Verify"),
                Step.of(RollbackStrategy.PayloadOnly, true).stream().map(Step::name).toList());
        assertEquals(List.of("Pause", "Quiesce", "Stage", "Swap", "StartEtcd", "Revert", "Resume", "Verify"),
                Step.of(RollbackStrategy.RestoreEtcd, false).stream().map(Step::name).toList());
    }
}
