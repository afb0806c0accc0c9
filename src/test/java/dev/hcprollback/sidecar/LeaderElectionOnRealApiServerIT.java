package dev.hcprollback.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.AdmissionGate;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.KubeApiServer;
import dev.hcprollback.testing.LocalHostedCluster;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.RollbackWorld;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatorLoop;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Two packaged sidecars with leader election on (the prod profile), as two replicas of the Deployment, on a real API
 * server: a real Lease in the sidecar's namespace, taken and renewed under the shipped Role, with the API server's
 * optimistic concurrency deciding who holds it. Each scenario starts its own pair (replica {@code a} first, so that it
 * leads) with a Lease of its own, and a payload-only rollback of a cluster on 4.18.6, requested by an SRE through the
 * admission chain; the rollback stops in its Pause step, since HyperShift (the simulator, as
 * {@link TestUser#HYPERSHIFT_OPERATOR}) does not answer until the scenario lets it. Then the leader is stopped: with
 * SIGTERM (it must hand the Lease back and exit), or with SIGSTOP past its Lease, between two looks of the waiting
 * step or inside the step (an {@link AdmissionGate} holds its first record write until it is frozen); the standby
 * must finish the rollback without redoing a step, and a frozen leader, once thawed, must change nothing and exit.
 * Each replica's user agent is its field manager, so that the managed fields tell which one wrote.
 *
 * <p>The webhooks are routed to the standby: it is the replica that lives through every scenario, and a fail-closed
 * webhook needs a running sidecar. The controllers that would write besides the rollback (scheduled snapshots, the
 * update watch) are off, so that every write to the cluster's objects after the hand-over is the rollback's.
 * Payload-only, because what is tested is who acts, not etcd's restore ({@code RollbackOnRealApiServerIT} runs that).
 * Every wait is on a condition with a generous limit: nothing here measures time.
 */
class LeaderElectionOnRealApiServerIT {

    private static final Path DIR = Path.of("target", "leader-election-on-real-api-server");
    private static final String BUCKET = "hcp-rollback-leader-election";
    private static final Duration LIMIT = Duration.ofSeconds(240);
    /** Short enough that a standby takes over within the test, long enough for a busy machine to renew in time. */
    private static final Duration SHORT_LEASE = Duration.ofSeconds(20);
    private static final Duration SHORT_RENEW_DEADLINE = Duration.ofSeconds(15);

    private static S3Server s3;
    private static KubernetesClient admin;
    private static KubernetesClient hyperShift;

    @BeforeAll
    static void start() {
        TestTools.deleteRecursively(DIR);
        s3 = new S3Server();
        s3.createBucket(BUCKET);
        admin = KubeApiServer.shared().client(TestUser.ADMIN);
        hyperShift = KubeApiServer.shared().client(TestUser.HYPERSHIFT_OPERATOR);
    }

    @AfterAll
    static void stop() {
        TestTools.closeAll(s3, hyperShift, admin);
    }

    @Test
    void aLeaderStoppedMidRollbackExitsHandsOverAndTheStandbyFinishesWithoutRedoingAStep() throws Exception {
        // a long Lease: the hand-over must not wait for it to expire, and a busy machine must not cost the leader its Lease
        try (Replicas replicas = Replicas.start("handover", Duration.ofSeconds(60), Duration.ofSeconds(50))) {
            replicas.requestRollback();
            replicas.awaitPauseWaiting();

            replicas.leader.terminate();
            OptionalInt exit = replicas.leader.awaitExit(LIMIT);
            assertTrue(exit.isPresent(), "the leader exits after SIGTERM; its log:\n" + replicas.leader.logTail(40));
            assertTrue(Files.readString(replicas.leader.log()).contains("released Lease " + Install.NAMESPACE + "/"
                    + replicas.lease), "the leader hands its Lease back before it exits:\n" + replicas.leader.logTail(40));
            replicas.awaitHolder(replicas.standbyIdentity());

            ControlPlaneRollback done = replicas.hyperShiftAnswersAndTheRollbackEnds();
            assertRolledBackOnce(replicas, done);
            assertTrue(Files.readString(replicas.standby.log()).contains("leading: holds Lease " + Install.NAMESPACE + "/"
                    + replicas.lease + " as " + replicas.standbyIdentity()), replicas.standby.logTail(40));
        }
    }

    @Test
    void aLeaderFrozenPastItsLeaseWhileItsRollbackWaitsChangesNothingWhenItWakesAndExits() throws Exception {
        try (Replicas replicas = Replicas.start("frozen-waiting", SHORT_LEASE, SHORT_RENEW_DEADLINE)) {
            replicas.requestRollback();
            replicas.awaitPauseWaiting();

            replicas.leader.freeze();
            HostedCluster settled = standbyFinishesWhileTheLeaderIsFrozen(replicas);
            assertTheWokenLeaderChangesNothingAndExits(replicas, settled);
        }
    }

    /**
     * The leader is frozen inside its Pause step: it has recorded spec.pausedUntil's value as it read it and not yet
     * patched the HostedCluster (an admission gate holds that record write until the leader is frozen, then lets it
     * pass, so the leader sees the answer only when it wakes). Before the steps' writes were fenced, the woken leader
     * patched the HostedCluster's {@code spec.pausedUntil} to {@code "true"} after the standby had finished, leaving the
     * cluster paused under a Succeeded rollback; now its patch finds the record moved on and goes nowhere.
     */
    @Test
    void aLeaderFrozenPastItsLeaseInsideItsPauseStepChangesNothingWhenItWakes() throws Exception {
        // The stall begins inside the record write: with the client's default 10 s request timeout that write fails on
        // waking and ends the step there. A leader stalled just after the write's answer (no request in flight, as in
        // a long GC pause) has no timeout to stop it; a request timeout longer than the stall puts the test there.
        try (Replicas replicas = Replicas.start("frozen-inside", SHORT_LEASE, SHORT_RENEW_DEADLINE,
                Map.of("quarkus.kubernetes-client.request-timeout", "120s"));
                AdmissionGate gate = AdmissionGate.install(KubeApiServer.shared(), DIR.resolve("frozen-inside-gate"),
                        "leader-election-it-pause-record", "rollback.hypershift.openshift.io", "v1alpha1",
                        "controlplanerollbacks/status", "UPDATE", "request.namespace == 'frozen-inside'"
                                + " && has(object.status.pausedByRollback)"
                                + " && !(has(oldObject.status) && has(oldObject.status.pausedByRollback))")) {
            replicas.requestRollback();
            assertTrue(gate.awaitHeld(LIMIT), "the leader's Pause step records pausedUntil before it patches it");

            replicas.leader.freeze();
            gate.open();
            HostedCluster settled = standbyFinishesWhileTheLeaderIsFrozen(replicas);
            assertTheWokenLeaderChangesNothingAndExits(replicas, settled);
        }
    }

    /**
     * Past the frozen leader's Lease the standby takes it, HyperShift answers, and the standby runs the rollback to
     * its end from the record; then HyperShift is quiet and the request settled: what changes from here on is the old
     * leader's doing. Returns the HostedCluster as it is then.
     */
    private static HostedCluster standbyFinishesWhileTheLeaderIsFrozen(Replicas replicas) throws Exception {
        replicas.awaitHolder(replicas.standbyIdentity());
        ControlPlaneRollback done = replicas.hyperShiftAnswersAndTheRollbackEnds();
        assertRolledBackOnce(replicas, done);
        assertTrue(managers(done).contains(RealManagementCluster.userAgent(replicas.standbyIdentity())),
                "the standby wrote the record's last steps: " + managers(done));
        return replicas.awaitRequestSettled();
    }

    /** Thawed, the old leader finds its Lease gone and exits, and no object it could write has changed. */
    private static void assertTheWokenLeaderChangesNothingAndExits(Replicas replicas, HostedCluster settled)
            throws Exception {
        Map<String, HasMetadata> before = replicas.objects();
        replicas.leader.thaw();
        OptionalInt exit = replicas.leader.awaitExit(LIMIT);
        assertTrue(exit.isPresent(), "the old leader, awake without its Lease, exits; its log:\n"
                + replicas.leader.logTail(60));
        Map<String, HasMetadata> after = replicas.objects();
        assertEquals(versions(before), versions(after), "nothing written once the old leader woke up:\n"
                + changes(before, after) + "\nits log:\n" + replicas.leader.logTail(60));
        assertEquals(replicas.standbyIdentity(), replicas.holder(), "the Lease stays with the replica that took it");
        HostedCluster cluster = replicas.world.cluster();
        assertNull(cluster.getSpec().getPausedUntil(), "not paused again");
        assertEquals(settled.getMetadata().getResourceVersion(), cluster.getMetadata().getResourceVersion());
    }

    /** The rollback ran to Succeeded, each step of its plan recorded once and in order, and the payload is back. */
    private static void assertRolledBackOnce(Replicas replicas, ControlPlaneRollback done) {
        assertEquals(RollbackPhase.Succeeded, done.getStatus().getPhase(), done.getStatus().getMessage());
        List<String> steps = done.getStatus().getSteps().stream().map(RollbackStep::getName).toList();
        assertEquals(List.of("Pause", "Revert", "Resume", "Verify"), done.getStatus().getPlan().getSteps(), "payload-only");
        assertEquals(done.getStatus().getPlan().getSteps(), steps, "each step of the plan recorded once, in order");
        done.getStatus().getSteps().forEach(s -> assertEquals(RollbackPhase.Succeeded, s.getPhase(), s.getName()));
        assertEquals(HostedClusters.tag("4.18.5"), replicas.world.cluster().getSpec().getRelease().getImage());
    }

    /** The field managers of an object's writes: each is the writer's user agent (one per replica). */
    private static List<String> managers(HasMetadata object) {
        return object.getMetadata().getManagedFields().stream().map(f -> f.getManager()).distinct().toList();
    }

    private static Map<String, String> versions(Map<String, HasMetadata> objects) {
        Map<String, String> versions = new LinkedHashMap<>();
        objects.forEach((name, object) -> versions.put(name, object.getMetadata().getResourceVersion()));
        return versions;
    }

    /** What changed, with who wrote it: each write's field manager is the writer's user agent. */
    private static String changes(Map<String, HasMetadata> before, Map<String, HasMetadata> after) {
        return after.entrySet().stream()
                .filter(e -> !before.containsKey(e.getKey()) || !before.get(e.getKey()).getMetadata().getResourceVersion()
                        .equals(e.getValue().getMetadata().getResourceVersion()))
                .map(e -> e.getKey() + " (managed fields: " + admin.getKubernetesSerialization()
                        .asJson(e.getValue().getMetadata().getManagedFields()) + ")\nbefore: "
                        + admin.getKubernetesSerialization().asJson(before.get(e.getKey())) + "\nafter: "
                        + admin.getKubernetesSerialization().asJson(e.getValue()))
                .collect(Collectors.joining("\n"));
    }

    /** The two replicas of one scenario, their Lease, their management cluster and the cluster they roll back. */
    private static final class Replicas implements AutoCloseable {

        final String scenario;
        final String namespace;
        final String lease;
        final RealManagementCluster management;
        final RollbackWorld world;
        final SidecarProcess leader;
        final SidecarProcess standby;

        private Replicas(String scenario, RealManagementCluster management, RollbackWorld world, SidecarProcess leader,
                SidecarProcess standby) {
            this.scenario = scenario;
            this.namespace = world.namespace;
            this.lease = "hcp-rollback-leader-" + scenario;
            this.management = management;
            this.world = world;
            this.leader = leader;
            this.standby = standby;
        }

        /**
         * The cluster and its verified snapshot first (written by HyperShift's and the snapshot controller's stand-ins
         * before any webhook guards them), then replica {@code a}, which takes the Lease, then the standby {@code b}.
         */
        static Replicas start(String scenario, Duration leaseDuration, Duration renewDeadline) throws Exception {
            return start(scenario, leaseDuration, renewDeadline, Map.of());
        }

        /** With settings of both replicas besides the scenario's own. */
        static Replicas start(String scenario, Duration leaseDuration, Duration renewDeadline, Map<String, String> extra)
                throws Exception {
            RealManagementCluster management = RealManagementCluster.start(DIR.resolve(scenario));
            try {
                management.createNamespace(scenario);
                RollbackWorld world = RollbackWorld.onRealApiServer(hyperShift, scenario, "payments").create();
                String lease = "hcp-rollback-leader-" + scenario;
                SidecarProcess leader = management.startSidecar(scenario + "-a",
                        config(scenario + "-a", lease, leaseDuration, renewDeadline, extra));
                awaitHolder(lease, scenario + "-a", leader);
                SidecarProcess standby = management.startSidecar(scenario + "-b",
                        config(scenario + "-b", lease, leaseDuration, renewDeadline, extra));
                management.routeWebhooksTo(standby);
                return new Replicas(scenario, management, world, leader, standby);
            } catch (Exception | AssertionError e) {
                management.close();
                throw e;
            }
        }

        private static Map<String, String> config(String identity, String lease, Duration leaseDuration,
                Duration renewDeadline, Map<String, String> extra) {
            Map<String, String> config = new LinkedHashMap<>(s3.sidecarConfig(BUCKET));
            config.put("hcp-rollback.rollback.leader-election.identity", identity);
            config.put("hcp-rollback.rollback.leader-election.lease-name", lease);
            config.put("hcp-rollback.rollback.leader-election.lease-duration", leaseDuration.toSeconds() + "s");
            config.put("hcp-rollback.rollback.leader-election.renew-deadline", renewDeadline.toSeconds() + "s");
            config.put("hcp-rollback.rollback.poll-interval", "300ms");
            config.put("hcp-rollback.rollback.max-poll-interval", "1s");
            config.put("hcp-rollback.snapshot.schedule-enabled", "false");
            config.put("hcp-rollback.update.enabled", "false");
            config.put("hcp-rollback.registry.enabled", "false");
            config.putAll(extra);
            return config;
        }

        String standbyIdentity() {
            return scenario + "-b";
        }

        /** An SRE asks for a payload-only rollback to 4.18.5, through the admission chain. */
        void requestRollback() {
            try (KubernetesClient sre = management.client(TestUser.SRE)) {
                sre.resources(HostedCluster.class).inNamespace(namespace).withName(world.clusterName)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), LocalHostedCluster.requestPatch("4.18.5",
                                "INC-4714: " + scenario, Map.of(RollbackRequest.STRATEGY, RollbackStrategy.PayloadOnly.name())));
            }
        }

        /**
         * The leader has planned the rollback, paused the HostedCluster and recorded that it waits for HyperShift
         * (which does not answer yet): between two looks, no write of the step under way.
         */
        void awaitPauseWaiting() throws Exception {
            await("the leader's rollback waits in Pause for HyperShift", () -> rollback()
                    .filter(r -> r.getStatus() != null && r.getStatus().step(Step.Pause)
                            .filter(pause -> pause.getPhase() == RollbackPhase.Running).isPresent())
                    .filter(r -> r.getStatus().getMessage() != null && r.getStatus().getMessage().startsWith("Pause: waiting"))
                    .filter(r -> "true".equals(world.cluster().getSpec().getPausedUntil())));
        }

        /** HyperShift answers from now on; waits until the rollback ends, and stops HyperShift again. */
        ControlPlaneRollback hyperShiftAnswersAndTheRollbackEnds() throws Exception {
            try (SimulatorLoop hyperShiftRuns = world.simulatorLoop(100).start()) {
                return await("the rollback ends", () -> rollback().filter(r -> r.getStatus() != null
                        && (r.getStatus().getPhase() == RollbackPhase.Succeeded || r.getStatus().getPhase() == RollbackPhase.Failed)));
            }
        }

        /** The request annotations cleared and the link moved to last-rollback: the trigger has nothing left to do. */
        HostedCluster awaitRequestSettled() throws Exception {
            return await("the request settled", () -> Optional.of(world.cluster()).filter(c -> {
                Map<String, String> annotations = c.getMetadata().getAnnotations();
                return !annotations.containsKey(RollbackRequest.TO_VERSION) && !annotations.containsKey(RollbackNames.LINK_ANNOTATION)
                        && annotations.containsKey(RollbackNames.LAST_ANNOTATION);
            }));
        }

        /** Every object of the cluster a replica could write, by kind and name, as the API server has it now. */
        Map<String, HasMetadata> objects() {
            Map<String, HasMetadata> objects = new LinkedHashMap<>();
            String controlPlane = world.controlPlaneNamespace();
            List<HasMetadata> all = new java.util.ArrayList<>();
            all.add(world.cluster());
            all.addAll(admin.resources(ControlPlaneRollback.class).inNamespace(namespace).list().getItems());
            all.addAll(admin.resources(dev.hcprollback.api.ControlPlaneSnapshot.class).inNamespace(namespace).list()
                    .getItems());
            all.addAll(admin.apps().deployments().inNamespace(controlPlane).list().getItems());
            all.addAll(admin.apps().statefulSets().inNamespace(controlPlane).list().getItems());
            all.addAll(admin.batch().v1().jobs().inNamespace(controlPlane).list().getItems());
            all.addAll(admin.network().v1().networkPolicies().inNamespace(controlPlane).list().getItems());
            all.forEach(o -> objects.put(o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(), o));
            return objects;
        }

        Optional<ControlPlaneRollback> rollback() {
            List<ControlPlaneRollback> rollbacks = admin.resources(ControlPlaneRollback.class).inNamespace(namespace).list()
                    .getItems();
            assertTrue(rollbacks.size() <= 1, "one record for the request: " + rollbacks.size());
            return rollbacks.stream().findFirst();
        }

        String holder() {
            Lease held = admin.resources(Lease.class).inNamespace(Install.NAMESPACE).withName(lease).get();
            return held == null || held.getSpec() == null ? null : held.getSpec().getHolderIdentity();
        }

        void awaitHolder(String identity) throws Exception {
            awaitHolder(lease, identity, standby);
        }

        private static void awaitHolder(String lease, String identity, SidecarProcess watched) throws Exception {
            await(identity + " holds Lease " + lease, () -> Optional.ofNullable(
                    admin.resources(Lease.class).inNamespace(Install.NAMESPACE).withName(lease).get())
                    .filter(l -> identity.equals(l.getSpec().getHolderIdentity())), watched);
        }

        private <T> T await(String what, Callable<Optional<T>> found) throws Exception {
            return await(what, found, standby);
        }

        private static <T> T await(String what, Callable<Optional<T>> found, SidecarProcess watched) throws Exception {
            try {
                return Awaitility.await(what).atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                        .until(found, Optional::isPresent).orElseThrow();
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(what + ": not seen within " + LIMIT.toSeconds() + " s; the log of "
                        + watched.log() + " ends:\n" + watched.logTail(40), e);
            }
        }

        /** Both replicas stop, the webhooks go, and what the scenario left in its namespaces is deleted. */
        @Override
        public void close() {
            management.close();
        }
    }
}
