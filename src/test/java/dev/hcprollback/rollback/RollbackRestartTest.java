package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.rollback.steps.FetchImage;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RequestLog;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * The sidecar killed at every point of a rollback where it records progress or acts: a new driver
 * (nothing in memory, only what the API server holds) takes over, the rollback still ends Succeeded,
 * and no write happened twice. A kill is an exception thrown at the N-th checkpoint: the status
 * written before it stays, the rest of that call never runs, as when the process dies.
 */
@EnableKubernetesMockClient(crud = true)
class RollbackRestartTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    static final class Killed extends RuntimeException {
        Killed(String at) {
            super("killed at " + at);
        }
    }

    @Test
    void killedAtEveryCheckpointResumesFromItsStatusAndDoesNothingTwice() {
        RollbackWorld probe = new RollbackWorld(client, server, "probe", "payments").create();
        List<String> checkpoints = new ArrayList<>();
        ControlPlaneRollback probed = probe.runToEnd(probe.driver(checkpoints::add),
                probe.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false));
        assertEquals(RollbackPhase.Succeeded, probed.getStatus().getPhase());
        assertTrue(checkpoints.size() > 20, "checkpoints: " + checkpoints);
        assertTrue(checkpoints.containsAll(List.of("recorded:pausedUntil", "patched:pausedUntil", "recorded:replicas",
                "pointOfNoReturn", "patched:release", "patched:unpause")), checkpoints.toString());
        // a kill between two swaps is among them: after the first swap Job was created, before the second
        int firstSwap = checkpoints.indexOf("created:" + RollbackNames.swapJob(probed, 0));
        assertEquals("created:" + RollbackNames.swapJob(probed, 1), checkpoints.get(firstSwap + 1), checkpoints.toString());

        for (int kill : firstOccurrences(checkpoints, 0)) {
            String at = checkpoints.get(kill);
            RollbackWorld world = new RollbackWorld(client, server, "kill-" + kill, "payments").create();
            ControlPlaneRollback end = runKilledAt(world, kill, at);
            assertEquals(RollbackPhase.Succeeded, RollbackWorld.phase(end), "killed at " + at + ": " + end.getStatus().getMessage());
            assertOnce(world, at);
        }
    }

    @Test
    void killedWhileUndoingAFailureStillEndsUndone() {
        RollbackWorld probe = new RollbackWorld(client, server, "undo-probe", "payments").create();
        probe.simulator.stuckPods.add("openshift-apiserver");
        List<String> checkpoints = new ArrayList<>();
        ControlPlaneRollback probed = probe.runToEnd(probe.driver(checkpoints::add),
                probe.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false));
        assertEquals("QuiesceTimeout", probed.getStatus().getFailureReason());
        int from = checkpoints.indexOf("undo:started");
        assertTrue(from > 0, checkpoints.toString());
        for (int kill : firstOccurrences(checkpoints, from - 1)) {
            String at = checkpoints.get(kill);
            RollbackWorld world = new RollbackWorld(client, server, "undo-kill-" + kill, "payments").create();
            world.simulator.stuckPods.add("openshift-apiserver");
            ControlPlaneRollback end = runKilledAt(world, kill, at);
            ControlPlaneRollbackStatus status = end.getStatus();
            assertEquals(RollbackPhase.Failed, status.getPhase(), "killed at " + at);
            assertEquals("QuiesceTimeout", status.getFailureReason());
            assertNull(status.getUndoing(), "killed at " + at);
            assertTrue(status.getMessage().contains("Undone"), status.getMessage());
            assertNull(world.cluster().getSpec().getPausedUntil(), "killed at " + at);
            RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
            String hc = "/apis/hypershift.openshift.io/v1beta1/namespaces/" + world.namespace + "/hostedclusters/payments";
            assertEquals(1, world.log.count("PATCH", hc::equals, b -> b.contains("\"pausedUntil\":null")), "unpause, killed at " + at);
            for (String writer : RollbackWorld.WRITERS.keySet()) {
                String path = "/apis/apps/v1/namespaces/" + world.controlPlaneNamespace() + "/deployments/" + writer;
                assertEquals(1, world.log.count("PATCH", path::equals, b -> !b.contains("\"replicas\":0")),
                        writer + " given back once, killed at " + at);
            }
        }
    }

    /**
     * The index of the first time each checkpoint is reached (from {@code from} on): a checkpoint
     * reached again while a step waits (the same call, repeated) adds nothing a kill could show.
     */
    private static List<Integer> firstOccurrences(List<String> checkpoints, int from) {
        List<Integer> indices = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = Math.max(0, from); i < checkpoints.size(); i++) {
            if (seen.add(checkpoints.get(i))) {
                indices.add(i);
            }
        }
        return indices;
    }

    /**
     * The fetch image is decided with the plan, where the measure Jobs prove it can be pulled: a leader that takes over
     * before Stage from a sidecar on another image (an upgrade of hcp-rollback mid-rollback) still stages with it.
     */
    @Test
    void aNewLeaderOnAnotherImageStagesWithTheImageThePlanChecked() {
        RollbackWorld world = new RollbackWorld(client, server, "new-image", "payments").create();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        boolean[] killed = { false };
        RollbackDriver first = world.driver(name -> {
            if (name.equals("started:" + Step.Stage) && !killed[0]) {
                killed[0] = true;
                throw new Killed(name);
            }
        });
        try {
            world.runToEnd(first, rollback);
        } catch (Killed expected) {
            // the first sidecar is gone after planning; the next runs another image
        }
        assertTrue(killed[0], "the first driver reached Stage");
        RollbackSettings before = world.settings;
        world.settings = new RollbackSettings(before.pauseTimeout(), before.quiesceTimeout(), before.restoreTimeout(),
                before.etcdQuorumTimeout(), before.verifyTimeout(), before.pollInterval(), before.maxPollInterval(),
                before.restoreUrlTtl(), before.bumpRevision(), before.window(), before.stageWhileServing(),
                FetchImage.fixed("registry.example/hcp-rollback:next", "the next sidecar"), before.cancelAfter());

        ControlPlaneRollback done = world.runToEnd(world.driver(), rollback);

        assertEquals(RollbackPhase.Succeeded, RollbackWorld.phase(done), done.getStatus().getMessage());
        assertEquals(RollbackSettings.DEFAULT_FETCH_IMAGE, done.getStatus().getPlan().getFetchImage());
        for (int member = 0; member < 3; member++) {
            Job stage = client.batch().v1().jobs().inNamespace(world.controlPlaneNamespace())
                    .withName(RollbackNames.stageJob(done, member)).get();
            assertEquals(RollbackSettings.DEFAULT_FETCH_IMAGE,
                    stage.getSpec().getTemplate().getSpec().getInitContainers().get(0).getImage(), "member " + member);
        }
    }

    /** Runs a rollback whose driver dies at its {@code kill}-th checkpoint; a new driver takes over. */
    private static ControlPlaneRollback runKilledAt(RollbackWorld world, int kill, String at) {
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        int[] reached = { 0 };
        RollbackDriver driver = world.driver(name -> {
            if (reached[0]++ == kill) {
                throw new Killed(name);
            }
        });
        boolean restarted = false;
        for (int round = 0; round < 500; round++) {
            world.simulator.tick();
            Optional<Duration> again;
            try {
                again = driver.reconcile(rollback);
            } catch (Killed killed) {
                driver = world.driver(); // a new sidecar: a fresh driver, no memory of the old one
                restarted = true;
                continue;
            }
            if (again.isEmpty()) {
                assertTrue(restarted, "the driver was killed at " + at);
                return world.reload(rollback);
            }
            world.clock.advance(again.get());
        }
        throw new AssertionError("not finished, killed at " + at);
    }

    private static void assertOnce(RollbackWorld world, String at) {
        RequestLog log = world.log;
        String cp = world.controlPlaneNamespace();
        String hc = "/apis/hypershift.openshift.io/v1beta1/namespaces/" + world.namespace + "/hostedclusters/payments";
        assertEquals(1, log.count("PATCH", hc::equals, b -> b.contains("\"pausedUntil\":\"true\"")), "pause, killed at " + at);
        assertEquals(1, log.count("PATCH", hc::equals, b -> b.contains("\"release\"")), "revert, killed at " + at);
        assertEquals(1, log.count("PATCH", hc::equals, b -> b.contains("\"pausedUntil\":null")), "unpause, killed at " + at);
        assertEquals(10, log.count("POST", p -> p.equals("/apis/batch/v1/namespaces/" + cp + "/jobs"), b -> true),
                "the probe, three measure, three stage and three swap Jobs, killed at " + at);
        for (String writer : RollbackWorld.WRITERS.keySet()) {
            String path = "/apis/apps/v1/namespaces/" + cp + "/deployments/" + writer;
            assertEquals(1, log.count("PATCH", path::equals, b -> b.contains("\"replicas\":0")), writer + " down, killed at " + at);
            assertEquals(1, log.count("PATCH", path::equals, b -> !b.contains("\"replicas\":0")), writer + " up, killed at " + at);
        }
        String etcd = "/apis/apps/v1/namespaces/" + cp + "/statefulsets/etcd";
        assertEquals(2, log.count("PATCH", etcd::equals, b -> true), "etcd down and up, killed at " + at);
        ControlPlaneRollback end = world.client.resources(ControlPlaneRollback.class).inNamespace(world.namespace).list()
                .getItems().get(0);
        assertEquals(8, end.getStatus().getSteps().size(), "each step recorded once, killed at " + at);
        end.getStatus().getSteps().forEach(s -> assertEquals(RollbackPhase.Succeeded, s.getPhase()));
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage());
        assertNull(world.cluster().getSpec().getPausedUntil());
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
    }
}
