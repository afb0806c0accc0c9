package dev.hcprollback.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.KubeApiServer;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The packaged sidecar installed before HyperShift, on a real API server of the test's own (the shared one has
 * HyperShift's CRDs): the install applied as shipped, HyperShift's CRDs not yet. The sidecar must stay up, unready,
 * say once which CRDs are missing and how to install them, and start its controllers when they appear; before, it
 * exited within a second with about 20 ERROR lines and the pod crash-looped.
 */
class MissingCrdsOnRealApiServerIT {

    private static final Path DIR = Path.of("target", "missing-crds-on-real-api-server");
    private static final Duration LIMIT = Duration.ofSeconds(180);
    private static final String MISSING = "hostedclusters.hypershift.openshift.io";

    @Test
    void withoutHyperShiftsCrdsTheSidecarWaitsUnreadySaysSoOnceAndStartsWhenTheyAreApplied() throws Exception {
        TestTools.deleteRecursively(DIR);
        try (KubeApiServer server = KubeApiServer.start(DIR.resolve("kube-apiserver").toAbsolutePath());
                RealManagementCluster management = RealManagementCluster.withoutHyperShift(server, DIR);
                KubernetesClient admin = server.client(TestUser.ADMIN)) {
            management.createNamespace("crds-later");
            // look often, so that a message repeated per look would show many times while the test waits
            SidecarProcess sidecar = management.launchSidecar("sidecar",
                    Map.of("hcp-rollback.prerequisites.crd-poll-interval", "200ms"));

            String unready = Awaitility.await("readiness names the missing CRDs").atMost(LIMIT)
                    .pollInterval(Duration.ofMillis(250)).until(() -> readiness(sidecar), body -> body.contains(MISSING));
            assertTrue(unready.replaceAll("\\s", "").contains("\"status\":\"DOWN\""), unready);
            assertTrue(unready.contains("nodepools.hypershift.openshift.io"), unready);
            // a few more looks, still up and unready
            for (int look = 0; look < 3; look++) {
                Thread.sleep(500);
                assertTrue(readiness(sidecar).contains(MISSING));
            }

            Install.applyHyperShiftCrds(server);
            sidecar.awaitReady(LIMIT);

            // the controllers run: the snapshot controller judges a snapshot of a cluster that does not exist
            ControlPlaneSnapshot snapshot = new ControlPlaneSnapshot();
            snapshot.getMetadata().setName("of-nobody");
            snapshot.getMetadata().setNamespace("crds-later");
            ControlPlaneSnapshotSpec spec = new ControlPlaneSnapshotSpec();
            spec.setHostedClusterName("nobody");
            spec.setReason(SnapshotReason.Manual);
            snapshot.setSpec(spec);
            admin.resource(snapshot).create();
            ControlPlaneSnapshot judged = Awaitility.await("the snapshot controller answers").atMost(LIMIT)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> admin.resources(ControlPlaneSnapshot.class).inNamespace("crds-later").withName("of-nobody").get(),
                            s -> s.getStatus() != null && s.getStatus().getPhase() == SnapshotPhase.Failed);
            assertTrue(judged.getStatus().getMessage().contains("HostedCluster crds-later/nobody not found"),
                    judged.getStatus().getMessage());

            List<String> log = Files.readAllLines(sidecar.log());
            List<String> saying = log.stream().filter(line -> line.contains(MISSING)).toList();
            assertEquals(1, saying.size(), "one line names the missing CRDs:\n" + String.join("\n", log));
            assertTrue(saying.get(0).contains("WARN") && saying.get(0).contains("nodepools.hypershift.openshift.io")
                    && saying.get(0).contains("install HyperShift"), saying.get(0));
            assertEquals(List.of(), log.stream().filter(line -> line.contains(" ERROR ")).toList(),
                    "no ERROR line:\n" + String.join("\n", log));
        }
    }

    /** The readiness answer of a sidecar that must still run; empty while it does not listen yet. */
    private static String readiness(SidecarProcess sidecar) throws InterruptedException {
        assertTrue(sidecar.isAlive(), "the sidecar still runs; its log:\n" + sidecar.logTail(40));
        try {
            return sidecar.readiness();
        } catch (java.io.IOException notListening) {
            return "";
        }
    }
}
