package dev.hcprollback.update;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.HealthSignal;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.testing.CachesCaughtUp;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The update watch measured on recorded update timelines (src/test/resources/update-timelines): each is
 * replayed minute by minute on a fake clock through the mock API server (HostedCluster conditions and
 * version history, the control-plane Deployments' replica counts and conditions, the new pods' restarts),
 * the watch looks once a minute with the default settings, and its verdicts are compared with what the
 * update really was. Writes the confusion table to target/update-timelines/confusion.md (docs/update-health.md
 * shows it); fails when a healthy timeline is judged Unhealthy or a bad one is never judged Unhealthy.
 */
@EnableKubernetesMockClient(crud = true)
class UpdateTimelinesReplayTest {

    static KubernetesClient client;
    static KubernetesMockServer server;
    static ClusterCaches caches;

    static final Duration LIMIT = Duration.ofSeconds(120);

    static final List<String> TIMELINES = List.of(
            "z-stream-normal", "z-stream-slow", "pre-existing-degraded", "pre-existing-short-deployment",
            "flapping-operators", "available-blip",
            "crashloop-kube-apiserver", "etcd-unavailable", "cluster-version-failing", "crashloop-on-degraded-cluster",
            // odd but valid cases
            "pre-existing-stuck-deployment", "single-replica-control-plane", "sidecar-clock-ahead",
            "pre-existing-short-crashloops", "pre-existing-short-gets-worse", "sidecar-restart-mid-update",
            "record-recreated-mid-update", "flapping-settles-red", "single-replica-down", "never-completes",
            "sidecar-clock-behind");

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
        caches = new ClusterCaches(client);
        caches.start();
    }

    @AfterAll
    static void stopCaches() {
        caches.stop();
    }

    /** What the watch made of one timeline. */
    record Outcome(Timeline timeline, Optional<Integer> firstRed, Optional<Integer> unhealthy, Optional<Integer> inconclusive,
            UpdateHealth last, List<String> preExisting) {

        boolean falseUnhealthy() {
            return timeline.healthy() && unhealthy.isPresent();
        }

        boolean missed() {
            return !timeline.healthy() && unhealthy.isEmpty();
        }
    }

    /**
     * Timelines replayed side by side: each has its own namespace, world, clock and watch, and a replay mostly waits
     * on the mock server's answers and the caches' catch-up, so four at once cut the test's time without changing
     * what each sees.
     */
    static final int REPLAYS_AT_ONCE = 4;

    @Test
    void healthyTimelinesAreNeverUnhealthyAndBadOnesAreCaught() throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(REPLAYS_AT_ONCE);
        try {
            List<java.util.concurrent.Future<Outcome>> replays = new ArrayList<>();
            for (String name : TIMELINES) {
                replays.add(pool.submit(() -> replay(Timeline.load(name))));
            }
            for (java.util.concurrent.Future<Outcome> replay : replays) {
                outcomes.add(replay.get(10, java.util.concurrent.TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
        String table = table(outcomes);
        Path out = Path.of("target", "update-timelines", "confusion.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println(table);
        assertEquals(List.of(), outcomes.stream().filter(Outcome::falseUnhealthy).map(o -> o.timeline().name()).toList(),
                "healthy timelines judged Unhealthy:\n" + table);
        assertEquals(List.of(), outcomes.stream().filter(Outcome::missed).map(o -> o.timeline().name()).toList(),
                "bad timelines never judged Unhealthy:\n" + table);
    }

    private Outcome replay(Timeline timeline) {
        String namespace = "replay-" + timeline.name();
        RollbackWorld world = new RollbackWorld(client, server, namespace, "payments");
        List<Integer> before = timeline.steps().stream().map(Timeline.Step::at).filter(at -> at < 0).distinct().sorted()
                .toList();
        // the update starts now by the wall clock, which the mock API server stamps new pods with: a pod the timeline
        // creates after the start is one of the update's; the cluster's install is a day older (out of the window)
        Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        moveTo(world, start.minus(Duration.ofHours(25)).plus(Duration.ofMinutes(before.isEmpty() ? 0 : before.get(0))));
        world.create();
        java.time.Clock sidecarClock = java.time.Clock.offset(world.clock,
                Duration.ofMinutes(Optional.ofNullable(timeline.sidecarClockAhead()).orElse(0)));
        UpdateWatch watch = new UpdateWatch(client, caches, UpdateSettings.defaults(), sidecarClock, silent(),
                new UpdateMetrics(new SimpleMeterRegistry(), sidecarClock));
        world.simulator.completeRollouts = false;
        Replayer replayer = new Replayer(world);
        for (int at : before) {
            moveTo(world, start.plus(Duration.ofMinutes(at)));
            timeline.stepsAt(at).forEach(replayer::apply);
        }
        Optional<Integer> firstRed = Optional.empty();
        Optional<Integer> unhealthy = Optional.empty();
        Optional<Integer> inconclusive = Optional.empty();
        UpdateHealth last = UpdateHealth.Soaking;
        List<String> preExisting = new ArrayList<>();
        boolean watching = true;
        for (int minute = 0; minute <= timeline.end(); minute++) {
            moveTo(world, start.plus(Duration.ofMinutes(minute)));
            List<Timeline.Step> steps = timeline.stepsAt(minute);
            steps.forEach(replayer::apply);
            replayer.tick();
            for (Timeline.Step step : steps) {
                watching = Optional.ofNullable(step.watching()).orElse(watching);
                if (step.deleteRecord()) {
                    newest(world).ifPresent(r -> client.resource(r).delete());
                }
            }
            if (!watching) {
                continue;
            }
            CachesCaughtUp.await(client, caches, world, LIMIT);
            watch.watch(world.cluster());
            Optional<ControlPlaneUpdate> record = newest(world);
            if (record.isEmpty() || record.get().getStatus() == null) {
                continue;
            }
            last = record.get().health();
            List<HealthSignal> evidence = record.get().getStatus().getEvidence();
            if (firstRed.isEmpty() && evidence.stream().anyMatch(s -> s.getPreExisting() == null)) {
                firstRed = Optional.of(minute);
            }
            evidence.stream().filter(s -> s.getPreExisting() != null).map(s -> s.getName()
                    + (s.getObject() == null ? "" : " " + s.getObject())).filter(s -> !preExisting.contains(s))
                    .forEach(preExisting::add);
            if (last == UpdateHealth.Unhealthy && unhealthy.isEmpty()) {
                unhealthy = Optional.of(minute);
            }
            if (last == UpdateHealth.Inconclusive && inconclusive.isEmpty()) {
                inconclusive = Optional.of(minute);
            }
        }
        return new Outcome(timeline, firstRed, unhealthy, inconclusive, last, preExisting);
    }

    private static void moveTo(RollbackWorld world, Instant at) {
        world.clock.advance(Duration.between(world.clock.instant(), at));
    }

    private static Optional<ControlPlaneUpdate> newest(RollbackWorld world) {
        return client.resources(ControlPlaneUpdate.class).inNamespace(world.namespace).list().getItems().stream()
                .max(java.util.Comparator.comparing(r -> r.getSpec().getStartTime()));
    }

    /** Plays a timeline's steps into the mock API server; keeps each Deployment's state across steps. */
    private static final class Replayer {

        private final RollbackWorld world;
        private final Map<String, Timeline.DeploymentState> deployments = new TreeMap<>();
        private final Map<String, Timeline.PodState> pods = new TreeMap<>();
        private final Map<String, String> reasons = new HashMap<>();

        Replayer(RollbackWorld world) {
            this.world = world;
        }

        void apply(Timeline.Step step) {
            step.conditions().forEach((type, value) -> {
                if ("EtcdAvailable".equals(type)) {
                    // the simulator reports EtcdAvailable from etcd's quorum at every round: etcd loses it
                    world.simulator.etcdBecomesReady = "True".equals(value);
                } else {
                    world.simulator.reportedConditions.put(type, value);
                }
            });
            step.deployments().forEach((name, state) -> deployments.put(name, state.over(deployments.get(name))));
            pods.putAll(step.pods());
            if (step.complete()) {
                world.simulator.completeRollouts = true;
            }
            if (step.update()) {
                client.resources(HostedCluster.class).inNamespace(world.namespace).withName(world.clusterName)
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"spec\":{\"release\":{\"image\":\"" + HostedClusters.tag("4.18.7") + "\"}}}");
            }
            tick();
        }

        /** HyperShift's round, then what the timeline says of the Deployments and pods (the simulator leaves those). */
        void tick() {
            world.simulator.tick();
            String cp = world.controlPlaneNamespace();
            deployments.forEach((name, state) -> writeDeployment(cp, name, state));
            pods.forEach((name, state) -> writePod(cp, name, state));
        }

        private void writeDeployment(String cp, String name, Timeline.DeploymentState state) {
            String now = Timestamps.format(world.clock.instant());
            Deployment deployment = client.apps().deployments().inNamespace(cp).withName(name).get();
            int replicas = Optional.ofNullable(state.replicas()).orElse(3);
            if (deployment == null || !Integer.valueOf(replicas).equals(deployment.getSpec().getReplicas())
                    || deployment.getSpec().getStrategy() == null) {
                deployment = client.resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder(
                        deployment == null ? new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder().withNewMetadata()
                                .withName(name).withNamespace(cp).endMetadata().withNewSpec().withNewSelector()
                                .addToMatchLabels("app", name).endSelector().withNewTemplate().withNewMetadata()
                                .addToLabels("app", name).endMetadata().withNewSpec().addNewContainer().withName(name)
                                .withImage("quay.io/example/" + name).endContainer().endSpec().endTemplate().endSpec().build()
                                : deployment)
                        .editSpec().withReplicas(replicas).withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                        // HyperShift's for more than one replica: support/config/deployment.go, DeploymentConfig.ApplyTo
                        .withMaxSurge(new IntOrString(replicas > 1 ? 0 : 1))
                        .withMaxUnavailable(new IntOrString(Optional.ofNullable(state.maxUnavailable()).orElse(replicas > 1 ? 1 : 0)))
                        .endRollingUpdate().endStrategy().endSpec().build()).createOr(existing -> existing.update());
            }
            int available = Optional.ofNullable(state.available()).orElse(replicas);
            String reason = Optional.ofNullable(state.progressing()).orElse("NewReplicaSetAvailable");
            String progressingStatus = "ProgressDeadlineExceeded".equals(reason) ? "False" : "True";
            String availableStatus = available >= replicas - Math.min(1, replicas - 1) && available > 0 ? "True" : "False";
            String key = name + "/" + reason + "/" + available;
            boolean changed = !key.equals(reasons.put(name, key));
            var old = Optional.ofNullable(deployment.getStatus()).map(s -> s.getConditions()).orElse(List.of());
            String progressingSince = old.stream().filter(c -> "Progressing".equals(c.getType())
                    && progressingStatus.equals(c.getStatus()) && reason.equals(c.getReason())).findFirst()
                    .map(c -> c.getLastTransitionTime()).orElse(now);
            String progressingUpdated = old.stream().filter(c -> "Progressing".equals(c.getType())
                    && progressingStatus.equals(c.getStatus()) && reason.equals(c.getReason())).findFirst()
                    .map(c -> changed && "ReplicaSetUpdated".equals(reason) ? now : c.getLastUpdateTime()).orElse(now);
            String availableSince = old.stream().filter(c -> "Available".equals(c.getType())
                    && availableStatus.equals(c.getStatus())).findFirst().map(c -> c.getLastTransitionTime()).orElse(now);
            deployment.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(available)
                    .withAvailableReplicas(available).withUpdatedReplicas(Optional.ofNullable(state.updated()).orElse(replicas))
                    .withObservedGeneration(deployment.getMetadata().getGeneration())
                    .addToConditions(new DeploymentConditionBuilder().withType("Available").withStatus(availableStatus)
                            .withReason("True".equals(availableStatus) ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable")
                            .withLastTransitionTime(availableSince).withLastUpdateTime(availableSince).build())
                    .addToConditions(new DeploymentConditionBuilder().withType("Progressing").withStatus(progressingStatus)
                            .withReason(reason).withLastTransitionTime(progressingSince).withLastUpdateTime(progressingUpdated)
                            .build())
                    .build());
            client.resource(deployment).updateStatus();
        }

        private void writePod(String cp, String name, Timeline.PodState state) {
            Pod pod = client.pods().inNamespace(cp).withName(name).get();
            if (pod == null) {
                pod = client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(cp)
                        // a label no Deployment of the simulator selects: it must not count or delete the pod
                        .addToLabels("app", "replayed-" + name)
                        .withCreationTimestamp(Timestamps.format(world.clock.instant())).endMetadata()
                        .withNewSpec().addNewContainer().withName("main").withImage("quay.io/example/new").endContainer()
                        .endSpec().build()).create();
            }
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                    .addToContainerStatuses(new ContainerStatusBuilder().withName("main").withReady(state.ready())
                            .withRestartCount(state.restarts()).withImage("quay.io/example/new").build())
                    .build());
            client.resource(pod).updateStatus();
        }
    }

    private static String table(List<Outcome> outcomes) {
        StringBuilder out = new StringBuilder();
        out.append("| timeline | the update was | verdict (first Unhealthy, minute) | first Inconclusive | last verdict | first red"
                + " signal of the update | time from it to Unhealthy | pre-existing, not counted |\n");
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Outcome o : outcomes) {
            out.append("| `").append(o.timeline().name()).append("` | ").append(o.timeline().expect()).append(" | ")
                    .append(o.unhealthy().map(m -> "**Unhealthy** at " + m).orElse("never Unhealthy")).append(" | ")
                    .append(o.inconclusive().map(m -> "at " + m).orElse("-")).append(" | ").append(o.last()).append(" | ")
                    .append(o.firstRed().map(m -> "at " + m).orElse("-")).append(" | ")
                    .append(o.unhealthy().flatMap(u -> o.firstRed().map(r -> (u - r) + " min")).orElse("-")).append(" | ")
                    .append(o.preExisting().isEmpty() ? "-" : String.join(", ", o.preExisting())).append(" |\n");
        }
        long healthy = outcomes.stream().filter(o -> o.timeline().healthy()).count();
        long bad = outcomes.size() - healthy;
        out.append("\nHealthy timelines: ").append(healthy).append(", judged Unhealthy: ")
                .append(outcomes.stream().filter(Outcome::falseUnhealthy).count()).append(". Bad timelines: ").append(bad)
                .append(", missed: ").append(outcomes.stream().filter(Outcome::missed).count()).append(".\n");
        return out.toString();
    }

    private static RollbackEvents silent() {
        return new RollbackEvents() {
            @Override
            public void normal(HostedCluster cluster, HasMetadata record, String reason, String message) {
            }

            @Override
            public void warning(HostedCluster cluster, HasMetadata record, String reason, String message) {
            }
        };
    }
}
