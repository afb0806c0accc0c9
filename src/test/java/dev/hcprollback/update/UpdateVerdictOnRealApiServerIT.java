package dev.hcprollback.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

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
import dev.hcprollback.testing.MutableClock;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.RollbackWorld;
import dev.hcprollback.testing.TestUser;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The verdict on a real API server: a control-plane Deployment short of a replica for two days before the
 * update (its status as the Deployment controller writes it, validated by the server), rolled by the update and
 * stuck as short as before, is reported pre-existing in the record's evidence and baseline (fields the installed
 * CRD must keep), and the update is not Unhealthy however long it stays so.
 */
class UpdateVerdictOnRealApiServerIT {

    private static final String NAMESPACE = "verdict-pre-existing";
    private static final Duration LIMIT = Duration.ofSeconds(120);

    private static RealManagementCluster management;
    private static KubernetesClient admin;
    private static ClusterCaches caches;

    @BeforeAll
    static void start() {
        management = RealManagementCluster.fresh("update-verdict-on-real-api-server", NAMESPACE);
        admin = management.client(TestUser.ADMIN);
        caches = new ClusterCaches(admin);
        caches.start();
    }

    @AfterAll
    static void stop() {
        if (caches != null) {
            caches.stop();
        }
        if (admin != null) {
            admin.close();
        }
        if (management != null) {
            management.close();
        }
    }

    @Test
    void aDeploymentShortOfAReplicaBeforeTheUpdateIsPreExistingAndNeverMakesItUnhealthy() {
        RollbackWorld world = RollbackWorld.onRealApiServer(admin, NAMESPACE, "payments");
        world.create();
        String cp = world.controlPlaneNamespace();
        Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
        // router's third pod could not be scheduled for two days; its rollout completed before that
        Deployment router = admin.resource(new DeploymentBuilder().withNewMetadata().withName("router").withNamespace(cp)
                .endMetadata().withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "router").endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(new IntOrString(0))
                .withMaxUnavailable(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withNewTemplate().withNewMetadata().addToLabels("app", "router").endMetadata().withNewSpec().addNewContainer()
                .withName("router").withImage("quay.io/example/router").endContainer().endSpec().endTemplate().endSpec()
                .build()).create();
        writeStatus(router, 2, 3, "True", "NewReplicaSetAvailable", twoDaysAgo);

        MutableClock clock = new MutableClock(Instant.now());
        UpdateWatch watch = new UpdateWatch(admin, caches, UpdateSettings.defaults(), clock, silent(),
                new UpdateMetrics(new SimpleMeterRegistry(), clock));
        world.simulator.completeRollouts = false;
        admin.resources(HostedCluster.class).inNamespace(NAMESPACE).withName("payments").patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"release\":{\"image\":\"" + HostedClusters.tag("4.18.7")
                        + "\"}}}");
        world.simulator.tick();
        clock.advance(Duration.ofSeconds(5));
        ControlPlaneUpdate first = look(world, watch);
        HealthSignal atStart = routerSignal(first.getStatus().getBaseline());
        assertNotNull(atStart.getPreExisting(), "short at the update's start, by a rollout completed before: " + atStart);
        assertEquals(1, atStart.getMissing());
        assertNotNull(first.getStatus().getBaselineTime());

        // the update rolls router: its new pod cannot be scheduled either, the rollout stops at its progress deadline
        Instant stuck = clock.instant().plus(Duration.ofMinutes(12));
        writeStatus(admin.resource(router).get(), 2, 1, "False", "ProgressDeadlineExceeded", stuck);
        clock.advance(Duration.ofMinutes(45));
        world.simulator.completeRollouts = true;
        world.simulator.tick();
        ControlPlaneUpdate later = look(world, watch);
        HealthSignal now = routerSignal(later.getStatus().getEvidence());
        assertTrue(now.getMessage().contains("ProgressDeadlineExceeded"), now.getMessage());
        assertNotNull(now.getPreExisting(), "as short as before the update: pre-existing, " + now);
        assertNotEquals(UpdateHealth.Unhealthy, later.health(), later.getStatus().getMessage());
        assertTrue(later.getStatus().getMessage().contains("red before the update, not counted: DeploymentUnavailable"
                + " Deployment router"), later.getStatus().getMessage());
        assertEquals(null, later.getStatus().getRollbackCommand(), "no rollback recommended");
    }

    private static ControlPlaneUpdate look(RollbackWorld world, UpdateWatch watch) {
        CachesCaughtUp.await(admin, caches, world, LIMIT);
        watch.watch(world.cluster());
        return admin.resources(ControlPlaneUpdate.class).inNamespace(NAMESPACE).list().getItems().stream()
                .max(Comparator.comparing(r -> r.getSpec().getStartTime())).orElseThrow();
    }

    private static HealthSignal routerSignal(List<HealthSignal> signals) {
        return Optional.ofNullable(signals).orElse(List.of()).stream()
                .filter(s -> "Deployment router".equals(s.getObject())).findFirst()
                .orElseThrow(() -> new AssertionError("no signal of router in " + signals));
    }

    /** The status the Deployment controller writes (no controller runs on this server): counts and conditions. */
    private static void writeStatus(Deployment deployment, int available, int updated, String progressing, String reason,
            Instant since) {
        String at = Timestamps.format(since);
        deployment.setStatus(new DeploymentStatusBuilder().withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(3).withReadyReplicas(available).withAvailableReplicas(available).withUpdatedReplicas(updated)
                .withUnavailableReplicas(3 - available)
                .addToConditions(new DeploymentConditionBuilder().withType("Available").withStatus("True")
                        .withReason("MinimumReplicasAvailable").withLastTransitionTime(at).withLastUpdateTime(at).build())
                .addToConditions(new DeploymentConditionBuilder().withType("Progressing").withStatus(progressing)
                        .withReason(reason).withLastTransitionTime(at).withLastUpdateTime(at).build())
                .build());
        admin.resource(deployment).updateStatus();
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
