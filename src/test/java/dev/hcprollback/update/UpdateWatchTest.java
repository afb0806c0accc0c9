package dev.hcprollback.update;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.HealthSignal;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.snapshot.Retention;
import dev.hcprollback.testing.CachesCaughtUp;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RequestLog;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.Meter;

/**
 * Updates of one hosted cluster watched for health: the cluster of {@link RollbackWorld} (4.18.6 after
 * 4.18.5) is updated to 4.18.7 in the mock API server, the simulator plays HyperShift (and the
 * conditions a broken update reports), and the watch is called by hand while a hand-moved clock
 * passes thresholds and the soak. No Quarkus: the watch is what the reconciler calls. The watch reads
 * snapshots, rollbacks and records from informer caches, which follow the API server a moment later:
 * each look first waits (with a generous limit) until they show what the test wrote, so that what the
 * look decides never depends on how fast the machine is.
 */
@EnableKubernetesMockClient(crud = true)
class UpdateWatchTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    /** Short enough to read: the soak is one hour, Degraded may last 15 minutes, the window 30 minutes. */
    static final UpdateSettings SETTINGS = new UpdateSettings(Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofHours(2),
            Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofMinutes(15), Duration.ofMinutes(5),
            Duration.ofMinutes(10), 5, Duration.ofMinutes(30));

    /** Generous, for a loaded machine: the waits end as soon as their condition holds. */
    static final Duration LIMIT = Duration.ofSeconds(120);

    final List<String> events = new ArrayList<>();

    /** The sidecar's shared caches over the mock API server: the watch reads clusters at rest from them. */
    static ClusterCaches caches;

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

    /** The world, a verified snapshot of 4.18.6 from before the update (its rollback point), and the update to 4.18.7. */
    private Fixture updatedTo7(String namespace, Map<String, String> annotations) {
        RollbackWorld world = new RollbackWorld(client, server, namespace, "payments");
        world.clusterAnnotations.putAll(annotations);
        world.create();
        Fixture fixture = new Fixture(world, new UpdateWatch(client, caches, SETTINGS, world.clock, recording(), 
                new UpdateMetrics(world.meters, world.clock)));
        fixture.snapshotOf6("payments-4.18.6-point", world.clock.instant().minus(Duration.ofMinutes(30)));
        world.clock.advance(Duration.ofHours(1)); // the update to 4.18.6 leaves the 30-minute window
        fixture.look();
        assertEquals(List.of(), fixture.records(), "an update older than the window gets no record");
        fixture.updateTo("4.18.7");
        return fixture;
    }

    private RollbackEvents recording() {
        return new RollbackEvents() {
            @Override
            public void normal(HostedCluster cluster, HasMetadata record, String reason, String message) {
                events.add(reason + ": " + message);
            }

            @Override
            public void warning(HostedCluster cluster, HasMetadata record, String reason, String message) {
                events.add(reason + ": " + message);
            }
        };
    }

    record Fixture(RollbackWorld world, UpdateWatch watch) {

        void updateTo(String version) {
            patchCluster("{\"spec\":{\"release\":{\"image\":\"" + HostedClusters.tag(version) + "\"}}}");
            world.simulator.tick(); // Partial
        }

        void patchCluster(String mergePatch) {
            client.resources(HostedCluster.class).inNamespace(world.namespace).withName(world.clusterName)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
        }

        /** 4.18.7 degrades the control plane: seen under its threshold, then 16 minutes later past it. */
        ControlPlaneUpdate degradedPastThreshold() {
            world.simulator.reportedConditions.put("Degraded", "True");
            after(Duration.ofMinutes(1));
            return after(Duration.ofMinutes(16));
        }

        /** Moves the clock, lets HyperShift act and the watch look. */
        ControlPlaneUpdate after(Duration elapsed) {
            world.clock.advance(elapsed);
            world.simulator.tick();
            look();
            return newest();
        }

        void look() {
            awaitCachesCaughtUp(caches, world);
            watch.watch(world.cluster());
        }

        List<ControlPlaneUpdate> records() {
            return client.resources(ControlPlaneUpdate.class).inNamespace(world.namespace).list().getItems().stream()
                    .sorted(Comparator.comparing(r -> r.getSpec().getStartTime())).toList();
        }

        ControlPlaneUpdate newest() {
            List<ControlPlaneUpdate> all = records();
            return all.get(all.size() - 1);
        }

        ControlPlaneSnapshot snapshotOf6(String name, Instant completed) {
            ControlPlaneSnapshot snapshot = ManagementCluster.verifiedSnapshot(name, world.clusterName, "4.18.6",
                    HostedClusters.tag("4.18.6"), null, completed);
            snapshot.getMetadata().setNamespace(world.namespace);
            snapshot.getStatus().setSha256(RollbackWorld.SHA256);
            snapshot.getStatus().setObjectKey(world.namespace + "/payments/4.18.6/snap.db");
            return new ManagementCluster(client, null).record(snapshot);
        }

        double gauge(String name, String... tags) {
            Meter meter = world.meters.find(name).tags(tags).meter();
            return meter == null ? Double.NaN : meter.measure().iterator().next().getValue();
        }

        /** The health series of the cluster: exactly one, for the current verdict. */
        Set<String> healthSeries() {
            return world.meters.find(UpdateMetrics.HEALTH).tag(ClusterSeries.NAME, world.clusterName).meters().stream()
                    .map(m -> m.getId().getTag("health")).collect(Collectors.toSet());
        }

        Set<String> heldByUpdates() {
            return records().stream().filter(r -> RollbackPoint.heldBy(r, SETTINGS.window(), world.clock.instant()))
                    .map(r -> r.getStatus().getRollbackPoint()).collect(Collectors.toSet());
        }

        List<ControlPlaneSnapshot> retentionDeletes(Set<String> held) {
            List<ControlPlaneSnapshot> snapshots = client.resources(ControlPlaneSnapshot.class).inNamespace(world.namespace)
                    .list().getItems();
            return Retention.toDelete(world.cluster(), snapshots, List.of(), held, 1, SETTINGS.window(), world.clock.instant());
        }
    }

    /**
     * Waits until {@code caches} hold what the API server holds of the world's snapshots, update records and rollbacks,
     * version for version: a look at a lagging cache would decide on less than the test wrote (and decide again at the
     * next look, which is not what these tests are about).
     */
    static void awaitCachesCaughtUp(ClusterCaches caches, RollbackWorld world) {
        CachesCaughtUp.await(client, caches, world, LIMIT);
    }

    private static Condition condition(ControlPlaneUpdate record, String type) {
        return record.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void anUpdateThatStaysGreenIsHealthyAfterTheSoakAndItsRollbackPointIsKeptUntilThen() {
        Fixture f = updatedTo7("green", Map.of());
        ControlPlaneUpdate record = f.after(Duration.ofMinutes(1));
        assertEquals(1, f.records().size(), "one record for the update");
        assertEquals("payments", record.getSpec().getHostedClusterName());
        assertEquals(f.world().cluster().getMetadata().getUid(), record.getSpec().getHostedClusterUid());
        assertEquals("4.18.6", record.getSpec().getFromVersion());
        assertEquals("4.18.7", record.getSpec().getToVersion());
        assertEquals(HostedClusters.tag("4.18.7"), record.getSpec().getToImage());
        assertEquals(UpdateHealth.Soaking, record.getStatus().getHealth(), record.getStatus().getMessage());
        assertEquals("payments-4.18.6-point", record.getStatus().getRollbackPoint());
        assertNotNull(record.getStatus().getCompletionTime(), "the simulator completed the rollout");
        assertEquals("29m", record.getStatus().getWindowLeft());
        Instant pointCompleted = f.world().clock.instant().minus(Duration.ofMinutes(91));
        assertEquals(pointCompleted.toString(), record.getStatus().getRollbackPointTime(), "when the point completed");
        assertEquals("1h", record.getStatus().getDataLossWindow(), "a restore would throw away 1 h 31 min of writes");
        assertEquals(Set.of("Soaking"), f.healthSeries());
        assertEquals(1.0, f.gauge(UpdateMetrics.POINT, ClusterSeries.NAME, "payments"));

        // a snapshot of 4.18.6 that finished after the update started: retention would keep it and let the point go
        f.snapshotOf6("payments-4.18.6-late", f.world().clock.instant());
        record = f.after(Duration.ofMinutes(45));
        assertEquals(UpdateHealth.Soaking, record.getStatus().getHealth(), "the soak of an hour has not ended");
        assertEquals("closed", record.getStatus().getWindowLeft());
        assertEquals(0.0, f.gauge(UpdateMetrics.WINDOW, ClusterSeries.NAME, "payments"));
        assertEquals(0.0, f.gauge(UpdateMetrics.POINT, ClusterSeries.NAME, "payments"), "no rollback once the window closed");
        assertEquals(List.of("payments-4.18.6-point"), f.retentionDeletes(Set.of()).stream()
                .map(s -> s.getMetadata().getName()).toList(), "without the record's hold, retention deletes the point");
        assertEquals(List.of(), f.retentionDeletes(f.heldByUpdates()), "the record holds its rollback point while it soaks");

        record = f.after(Duration.ofMinutes(16));
        assertEquals(UpdateHealth.Healthy, record.getStatus().getHealth(), record.getStatus().getMessage());
        assertNull(record.getStatus().getWindowLeft(), "a final record has no window left to count down");
        assertNull(record.getStatus().getDataLossWindow());
        assertEquals("True", condition(record, UpdateWatch.SOAKED).getStatus());
        assertEquals(List.of(), record.getStatus().getEvidence());
        assertEquals(Set.of("Healthy"), f.healthSeries(), "the Soaking series is gone");
        assertEquals(Set.of(), f.heldByUpdates(), "Healthy and out of its window: retention may let the point go");
        assertTrue(events.stream().anyMatch(e -> e.startsWith("UpdateHealthy")), events.toString());
    }

    /**
     * After a restart, a cluster whose updates all have a final verdict is looked at from the shared caches
     * alone: a thousand such clusters cost the API server nothing at start-up, and their metrics come back.
     */
    @Test
    void aClusterAtRestIsLookedAtFromTheCachesWithoutAskingTheApiServer() {
        Fixture f = updatedTo7("at-rest", Map.of());
        f.after(Duration.ofMinutes(1));
        f.after(Duration.ofMinutes(45));
        assertEquals(UpdateHealth.Healthy, f.after(Duration.ofMinutes(16)).getStatus().getHealth());

        // the restarted sidecar's caches over a client of their own, so that the log holds what the watch asks and not
        // the caches' lists and watches (which a loaded machine may send at any time)
        KubernetesClient cachesClient = server.createClient();
        ClusterCaches restarted = new ClusterCaches(cachesClient);
        RequestLog log = new RequestLog();
        KubernetesClient watchClient = log.recordingClient(server);
        try {
            restarted.start();
            await().atMost(LIMIT).until(() -> restarted.isSynced(ControlPlaneUpdate.class)
                    && restarted.updatesOf("at-rest", "payments").stream().anyMatch(r -> r.health() == UpdateHealth.Healthy));
            awaitCachesCaughtUp(restarted, f.world());
            RollbackWorld world = f.world();
            HostedCluster cluster = world.cluster();
            UpdateMetrics metrics = new UpdateMetrics(world.meters, world.clock);
            new UpdateWatch(watchClient, restarted, SETTINGS, world.clock, recording(), metrics).watch(cluster);
            assertEquals(List.of(), log.all(), "a cluster at rest asks the API server nothing");
            assertEquals(Set.of("Healthy"), f.healthSeries(), "its verdict is published again");
        } finally {
            restarted.stop();
            cachesClient.close();
            watchClient.close();
        }
    }

    @Test
    void anUpdateThatStaysDegradedIsUnhealthyWithItsEvidenceAndARecommendedRollback() {
        Fixture f = updatedTo7("degraded", Map.of());
        f.world().simulator.reportedConditions.put("Degraded", "True");
        ControlPlaneUpdate record = f.after(Duration.ofMinutes(1));
        Instant degradedSince = f.world().clock.instant();
        assertEquals(UpdateHealth.Soaking, record.getStatus().getHealth(), "under its threshold Degraded only delays the soak");
        assertEquals(List.of("Degraded"), record.getStatus().getEvidence().stream().map(HealthSignal::getName).toList());

        record = f.after(Duration.ofMinutes(16));
        assertEquals(UpdateHealth.Unhealthy, record.getStatus().getHealth(), record.getStatus().getMessage());
        HealthSignal evidence = record.getStatus().getEvidence().get(0);
        assertEquals("Degraded", evidence.getName());
        assertEquals(degradedSince.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(), evidence.getSince());
        assertEquals("15m", evidence.getThreshold());
        Condition recommended = condition(record, UpdateWatch.RECOMMENDED);
        assertEquals("True", recommended.getStatus());
        String command = "kubectl -n degraded annotate hostedcluster payments rollback.hypershift.openshift.io/to-version=4.18.6"
                + " rollback.hypershift.openshift.io/reason=\"update to 4.18.7 Unhealthy: Degraded red past threshold\"";
        assertEquals(command, record.getStatus().getRollbackCommand());
        assertTrue(recommended.getMessage().endsWith(command), recommended.getMessage());
        assertEquals(1, events.stream().filter(e -> e.startsWith("RollbackRecommended") && e.contains(command)).count(),
                events.toString());
        assertEquals(Set.of("Unhealthy"), f.healthSeries());
        assertEquals(1.0, f.gauge(UpdateMetrics.RECOMMENDED, ClusterSeries.NAME, "payments"));
        assertNull(RollbackRequest.of(f.world().cluster()).toVersion().orElse(null), "recommend only: nothing filed");

        // the recommendation is made once, not at every look
        f.after(Duration.ofMinutes(1));
        assertEquals(1, events.stream().filter(e -> e.startsWith("RollbackRecommended")).count());
    }

    @Test
    void withAutoRollbackTheSidecarFilesOneRequestAndTheUpdateEndsRolledBack() {
        Fixture f = updatedTo7("automatic", Map.of(AutoRollback.ANNOTATION, "true"));
        ControlPlaneUpdate record = f.degradedPastThreshold();
        assertEquals(UpdateHealth.Unhealthy, record.getStatus().getHealth());
        RollbackRequest request = RollbackRequest.of(f.world().cluster());
        assertEquals("4.18.6", request.toVersion().orElse(null));
        assertTrue(request.reason().orElse("").startsWith("automatic: Degraded red since "), request.reason().toString());
        assertEquals("Filed", condition(record, UpdateWatch.AUTO_ROLLBACK).getReason());
        assertTrue(condition(record, UpdateWatch.AUTO_ROLLBACK).getMessage().endsWith("restoring snapshot payments-4.18.6-point"
                + " throws away the etcd writes since " + record.getStatus().getRollbackPointTime() + " ("
                + record.getStatus().getDataLossWindow() + ")"), condition(record, UpdateWatch.AUTO_ROLLBACK).getMessage());
        assertEquals(record.getMetadata().getName(), RollbackRequest.autoRollbackFiled(f.world().cluster()).orElse(null));
        assertNotNull(record.getStatus().getAutoRollbackTime());
        assertEquals(1.0, f.world().meters.get("hcp_rollback_auto_rollbacks").counter().count());

        // what the trigger makes of the request: a record, which the driver carries out
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName("payments-to-4-18-6").withNamespace("automatic").build());
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName("payments");
        spec.setToVersion("4.18.6");
        spec.setReason(request.reason().get());
        spec.setSnapshotName("payments-4.18.6-point");
        spec.setStrategy(RollbackStrategy.RestoreEtcd);
        rollback.setSpec(spec);
        // what broke was 4.18.7: back on 4.18.6 the control plane is no longer degraded
        f.world().simulator.reportedConditions.put("Degraded", "False");
        ControlPlaneRollback done = f.world().runToEnd(f.world().driver(), client.resource(rollback).create());
        assertEquals(RollbackPhase.Succeeded, done.getStatus().getPhase(), done.getStatus().getMessage());

        record = f.after(Duration.ofMinutes(1));
        assertEquals(UpdateHealth.RolledBack, record.getStatus().getHealth(), record.getStatus().getMessage());
        assertEquals("payments-to-4-18-6", record.getStatus().getRolledBackBy());
        assertEquals(1, f.records().size(), "the rollback to 4.18.6 is no update of its own");
        assertEquals(1.0, f.world().meters.get("hcp_rollback_auto_rollbacks").counter().count());
    }

    @Test
    void atMostOneAutomaticRollbackPerUpdateAndNeverOverAnSresRequest() {
        Fixture f = updatedTo7("once", Map.of(AutoRollback.ANNOTATION, "true"));
        f.degradedPastThreshold();
        assertTrue(RollbackRequest.of(f.world().cluster()).reason().orElse("").startsWith("automatic: Degraded red since "));

        // the SRE withdraws the request; the update stays Unhealthy, and the sidecar does not file again
        f.patchCluster("{\"metadata\":{\"annotations\":{\"" + RollbackRequest.TO_VERSION + "\":null,\""
                + RollbackRequest.REASON + "\":null}}}");
        ControlPlaneUpdate record = f.after(Duration.ofMinutes(5));
        assertEquals(UpdateHealth.Unhealthy, record.getStatus().getHealth());
        assertFalse(RollbackRequest.of(f.world().cluster()).isPresent(), "no second request for the same update");
        assertEquals(1.0, f.world().meters.get("hcp_rollback_auto_rollbacks").counter().count());

        // nor when the update's record is deleted and made again
        ControlPlaneUpdate deleted = record;
        client.resource(deleted).delete();
        await().atMost(LIMIT).until(() -> client.resource(deleted).get() == null);
        ControlPlaneUpdate again = f.after(Duration.ofMinutes(1));
        assertEquals(record.getMetadata().getName(), again.getMetadata().getName(), "the same update");
        assertFalse(RollbackRequest.of(f.world().cluster()).isPresent(), "no second request for the same update");
        assertEquals("Filed", condition(again, UpdateWatch.AUTO_ROLLBACK).getReason(),
                condition(again, UpdateWatch.AUTO_ROLLBACK).getMessage());
        assertEquals(1.0, f.world().meters.get("hcp_rollback_auto_rollbacks").counter().count());

        Fixture sre = updatedTo7("sre-first", Map.of(AutoRollback.ANNOTATION, "true",
                RollbackRequest.TO_VERSION, "4.18.6", RollbackRequest.REASON, "INC-9: SRE on it"));
        record = sre.degradedPastThreshold();
        assertEquals(UpdateHealth.Unhealthy, record.getStatus().getHealth());
        assertEquals("Blocked", condition(record, UpdateWatch.AUTO_ROLLBACK).getReason());
        assertEquals("INC-9: SRE on it", RollbackRequest.of(sre.world().cluster()).reason().orElse(null),
                "the SRE's request stands as it was");
    }

    @Test
    void aFilingInterruptedAfterItsIntentIsCompletedOnceAndNeverOverAnSreRequestThatCameInBetween() {
        Fixture f = updatedTo7("interrupted", Map.of(AutoRollback.ANNOTATION, "true"));
        ControlPlaneUpdate filed = f.degradedPastThreshold();
        String reason = filed.getStatus().getAutoRollbackReason();

        // as a sidecar stopped between writing its intent and setting the annotations (one patch) leaves it
        f.patchCluster("{\"metadata\":{\"annotations\":{\"" + RollbackRequest.TO_VERSION + "\":null,\""
                + RollbackRequest.REASON + "\":null,\"" + RollbackRequest.AUTO_ROLLBACK_FILED + "\":null}}}");
        ControlPlaneUpdate stopped = client.resource(filed).get();
        stopped.getStatus().getConditions().removeIf(c -> UpdateWatch.AUTO_ROLLBACK.equals(c.getType()));
        stopped.getStatus().getConditions().add(new io.fabric8.kubernetes.api.model.ConditionBuilder()
                .withType(UpdateWatch.AUTO_ROLLBACK).withStatus("False").withReason("Filing").withMessage("filing")
                .withLastTransitionTime(filed.getStatus().getAutoRollbackTime()).build());
        client.resource(stopped).updateStatus();

        ControlPlaneUpdate resumed = f.after(Duration.ofMinutes(1));
        assertEquals("Filed", condition(resumed, UpdateWatch.AUTO_ROLLBACK).getReason());
        assertEquals(reason, RollbackRequest.of(f.world().cluster()).reason().orElse(null), "the one request, filed now");
        assertEquals(filed.getStatus().getAutoRollbackTime(), resumed.getStatus().getAutoRollbackTime());

        // the same interruption, but an SRE's request came in between: it stands
        ControlPlaneUpdate again = client.resource(resumed).get();
        again.getStatus().getConditions().removeIf(c -> UpdateWatch.AUTO_ROLLBACK.equals(c.getType()));
        client.resource(again).updateStatus();
        f.patchCluster("{\"metadata\":{\"annotations\":{\"" + RollbackRequest.REASON + "\":\"INC-10: SRE on it\",\""
                + RollbackRequest.AUTO_ROLLBACK_FILED + "\":null}}}");
        ControlPlaneUpdate blocked = f.after(Duration.ofMinutes(1));
        assertEquals("Blocked", condition(blocked, UpdateWatch.AUTO_ROLLBACK).getReason());
        assertEquals("INC-10: SRE on it", RollbackRequest.of(f.world().cluster()).reason().orElse(null));
    }

    /**
     * A rollback's way back is an entry of the version history too (4.18.7 to 4.18.6): while it rolls out, the record
     * keeps its update's rollback point, the snapshot of 4.18.6 from before the update. Before, the watch took the
     * latest entry for the update and named the newest snapshot of its "previous" payload: 4.18.7, the bad payload.
     */
    @Test
    void duringARollbackTheRecordKeepsThePreUpdateRollbackPointNeverASnapshotOfTheNewVersion() {
        Fixture f = updatedTo7("during", Map.of());
        f.world().simulator.reportedConditions.put("Degraded", "True");
        assertEquals("payments-4.18.6-point", f.after(Duration.ofMinutes(1)).getStatus().getRollbackPoint());
        ControlPlaneSnapshot ofSeven = ManagementCluster.verifiedSnapshot("payments-4.18.7-scheduled", "payments", "4.18.7",
                HostedClusters.tag("4.18.7"), null, f.world().clock.instant());
        ofSeven.getMetadata().setNamespace("during");
        ofSeven.getStatus().setSha256(RollbackWorld.SHA256);
        new ManagementCluster(client, null).record(ofSeven);
        f.after(Duration.ofMinutes(1));

        // the rollback's Revert: the payload back to 4.18.6, which HyperShift rolls out
        f.world().clock.advance(Duration.ofMinutes(1));
        f.updateTo("4.18.6");
        ControlPlaneUpdate during = f.after(Duration.ofMinutes(1));
        assertEquals(1, f.records().size(), "the way back is no update of its own");
        assertEquals("payments-4.18.6-point", during.getStatus().getRollbackPoint(), during.getStatus().getRollbackPointMessage());
        String pointTime = during.getStatus().getRollbackPointTime();

        // the rollback restored that point and ended: the final record names it, with the writes it threw away
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName("payments-to-4-18-6").withNamespace("during").build());
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName("payments");
        spec.setToVersion("4.18.6");
        spec.setReason("INC-11");
        spec.setSnapshotName("payments-4.18.6-point");
        rollback.setSpec(spec);
        rollback = client.resource(rollback).create();
        rollback.setStatus(new dev.hcprollback.api.ControlPlaneRollbackStatus());
        rollback.getStatus().setPhase(RollbackPhase.Succeeded);
        rollback.getStatus().setCompletionTime(f.world().clock.instant().toString());
        client.resource(rollback).updateStatus();
        ControlPlaneUpdate after = f.after(Duration.ofMinutes(1));
        assertEquals(UpdateHealth.RolledBack, after.getStatus().getHealth(), after.getStatus().getMessage());
        assertEquals("payments-4.18.6-point", after.getStatus().getRollbackPoint(), "the point restored");
        assertEquals(pointTime, after.getStatus().getRollbackPointTime());
        // the point completed 30 minutes before the first update left the window, 1 h 4 min before the rollback ended
        assertEquals("1h", after.getStatus().getDataLossWindow(), "the writes the restore threw away");
        assertTrue(after.getStatus().getRollbackPointMessage().startsWith("restored by ControlPlaneRollback payments-to-4-18-6"),
                after.getStatus().getRollbackPointMessage());
        assertNull(after.getStatus().getWindowLeft(), "a final record has no window left");
    }

    @Test
    void aLaterUpdateSupersedesTheRecord() {
        Fixture f = updatedTo7("later", Map.of());
        f.world().simulator.reportedConditions.put("Degraded", "True");
        ControlPlaneUpdate seven = f.after(Duration.ofMinutes(1));
        assertEquals(UpdateHealth.Soaking, seven.getStatus().getHealth());

        f.updateTo("4.18.8");
        ControlPlaneUpdate eight = f.after(Duration.ofMinutes(1));
        assertEquals("4.18.8", eight.getSpec().getToVersion());
        assertEquals("4.18.7", eight.getSpec().getFromVersion());
        ControlPlaneUpdate old = client.resource(seven).get();
        assertEquals(UpdateHealth.Superseded, old.getStatus().getHealth());
        assertEquals(eight.getMetadata().getName(), old.getStatus().getSupersededBy());
        assertEquals(2, f.records().size());
        assertEquals(Set.of("Soaking"), f.healthSeries(), "one series per cluster, for its newest record");
    }
}
