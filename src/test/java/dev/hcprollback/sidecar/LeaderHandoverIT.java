package dev.hcprollback.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.rollback.ControlPlaneRollback;
import dev.hcprollback.rollback.RollbackPhase;
import dev.hcprollback.rollback.RollbackRequest;
import dev.hcprollback.rollback.RollbackStep;
import dev.hcprollback.rollback.RollbackStrategy;
import dev.hcprollback.rollback.Step;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RollbackWorld;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;
import dev.hcprollback.testing.TestTools;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Two packaged sidecars with leader election on (the prod profile), as two replicas of the Deployment,
 * against the in-process API server, which keeps their Lease as a real one would (CRUD with optimistic
 * locking). The leader gets SIGTERM while a rollback waits in its Pause step (HyperShift, played by the
 * simulator, does not answer until the handover is done); it must exit, hand the Lease back, and leave the
 * rollback to the standby, which finishes it from its record without redoing a step. The rollback is
 * payload-only: a RestoreEtcd rollback's preflight reads every etcd member, which this test has none of
 * (the rollback tests and the demo run that path on real etcd). Every wait is on a condition, with
 * generous limits: nothing here measures time.
 */
class LeaderHandoverIT {

    private static final String BUCKET = "hcp-rollback-handover";
    private static final String LEASE_NAMESPACE = "hcp-rollback";
    private static final String LEASE = "hcp-rollback-leader";
    private static final Duration LIMIT = Duration.ofSeconds(240);

    /** Under target/, not a temporary directory: the sidecars' logs stay for a look after a failed run. */
    private final Path dir = Path.of("target", "leader-handover");

    @Test
    void aLeaderStoppedMidRollbackExitsHandsOverAndTheStandbyFinishesWithoutRedoingAStep() throws Exception {
        TestTools.deleteRecursively(dir);
        try (S3Server s3 = new S3Server(); SimulatedManagementCluster management = SimulatedManagementCluster.start(dir)) {
            s3.createBucket(BUCKET);
            KubernetesClient client = management.client();
            RollbackWorld world = new RollbackWorld(client, management.server(), "clusters", "payments");
            // the snapshot's object, where its record says it is: the restore's download URL is pre-signed for it
            s3.client().putObject(b -> b.bucket(BUCKET).key("clusters/payments/4.18.5/snap.db"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("etcd snapshot"));
            world.clusterAnnotations.put(RollbackRequest.TO_VERSION, "4.18.5");
            world.clusterAnnotations.put(RollbackRequest.REASON, "INC-4714: handover test");
            world.clusterAnnotations.put(RollbackRequest.STRATEGY, RollbackStrategy.PayloadOnly.name());
            // the world, its verified snapshot and the request exist before any sidecar runs: a sidecar that saw
            // the snapshot between its creation and its status would take it for a snapshot request of its own
            world.create();
            SidecarProcess leader = management.startSidecar("sidecar-a", config(s3, "sidecar-a"));
            awaitHolder(client, "sidecar-a");
            SidecarProcess standby = management.startSidecar("sidecar-b", config(s3, "sidecar-b"));

            Thread hyperShift = simulate(world);
            try {
                try {
                    Awaitility.await("the leader's rollback waits in Pause for HyperShift").atMost(LIMIT)
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> step(world, Step.Pause).filter(s -> s.getPhase() == RollbackPhase.Running).isPresent());
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("the rollback did not reach its Pause step: " + rollback(world).map(r -> client
                            .getKubernetesSerialization().asJson(r.getStatus())).orElse("no rollback") + "\nHostedCluster: "
                            + client.getKubernetesSerialization().asJson(world.cluster()), e);
                }

                leader.terminate();
                OptionalInt exit = leader.awaitExit(LIMIT);
                assertTrue(exit.isPresent(), "the leader exits after SIGTERM; its log:\n" + tail(leader));
                assertTrue(Files.readString(leader.log()).contains("released Lease " + LEASE_NAMESPACE + "/" + LEASE),
                        "the leader hands its Lease back before it exits:\n" + tail(leader));
                awaitHolder(client, "sidecar-b");

                hyperShift.start();
                Awaitility.await("the standby finishes the rollback").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                        .until(() -> rollback(world).map(RollbackWorld::phase)
                                .filter(p -> p == RollbackPhase.Succeeded || p == RollbackPhase.Failed).isPresent());
            } finally {
                hyperShift.interrupt();
                hyperShift.join();
            }

            ControlPlaneRollback done = rollback(world).orElseThrow();
            assertEquals(RollbackPhase.Succeeded, done.getStatus().getPhase(), done.getStatus().getMessage());
            List<String> steps = done.getStatus().getSteps().stream().map(RollbackStep::getName).toList();
            assertEquals(done.getStatus().getPlan().getSteps(), steps, "each step of the plan recorded once, in order");
            done.getStatus().getSteps().forEach(s -> assertEquals(RollbackPhase.Succeeded, s.getPhase(), s.getName()));
            assertEquals(List.of("Pause", "Revert", "Resume", "Verify"), steps, "a payload-only rollback");
            HostedCluster cluster = world.cluster();
            assertEquals(HostedClusters.tag("4.18.5"), cluster.getSpec().getRelease().getImage());
            assertTrue(Files.readString(standby.log()).contains("leading: holds Lease " + LEASE_NAMESPACE + "/" + LEASE
                    + " as sidecar-b"), tail(standby));
        }
    }

    private static Map<String, String> config(S3Server s3, String identity) {
        Map<String, String> config = new LinkedHashMap<>(s3.sidecarConfig(BUCKET));
        config.put("hcp-rollback.rollback.leader-election.identity", identity);
        // a busy build machine can stall the in-process API server for seconds: a leader must not lose its Lease
        // to that (it would exit, as it should); the handover itself does not wait for the Lease to expire
        config.put("hcp-rollback.rollback.leader-election.lease-duration", "90s");
        config.put("hcp-rollback.rollback.leader-election.renew-deadline", "80s");
        config.put("hcp-rollback.rollback.poll-interval", "300ms");
        config.put("hcp-rollback.rollback.max-poll-interval", "1s");
        return config;
    }

    private static void awaitHolder(KubernetesClient client, String identity) {
        Awaitility.await(identity + " holds the Lease").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Lease lease = client.resources(Lease.class).inNamespace(LEASE_NAMESPACE).withName(LEASE).get();
                    return lease != null && identity.equals(lease.getSpec().getHolderIdentity());
                });
    }

    private static Optional<ControlPlaneRollback> rollback(RollbackWorld world) {
        List<ControlPlaneRollback> rollbacks = world.client.resources(ControlPlaneRollback.class)
                .inNamespace(world.namespace).list().getItems();
        assertTrue(rollbacks.size() <= 1, "one record for the request: " + rollbacks.size());
        return rollbacks.stream().findFirst();
    }

    private static Optional<RollbackStep> step(RollbackWorld world, Step step) {
        return rollback(world).map(r -> r.getStatus() == null || r.getStatus().getSteps() == null ? null
                : r.getStatus().getSteps().stream().filter(s -> step.name().equals(s.getName())).findFirst().orElse(null));
    }

    private static Thread simulate(RollbackWorld world) {
        return world.simulatorThread(100);
    }

    private static String tail(SidecarProcess sidecar) throws java.io.IOException {
        List<String> lines = Files.readAllLines(sidecar.log());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
