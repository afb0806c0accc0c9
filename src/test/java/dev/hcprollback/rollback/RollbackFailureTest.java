package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.PreflightCheck;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreSource;
import dev.hcprollback.rollback.restore.StoreRestoreSource;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.HyperShiftSimulator;
import dev.hcprollback.testing.RollbackCrds;
import dev.hcprollback.testing.RollbackWorld;
import dev.hcprollback.testing.S3Server;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.Gauge;

/**
 * Every failure class ends in the state docs/runbook.md documents: before etcd is touched the
 * rollback undoes what it did (replicas back, unpaused); after, it leaves the cluster paused and
 * names the next manual step. Timeouts are reached by moving the test's clock, never by sleeping.
 */
@EnableKubernetesMockClient(crud = true)
class RollbackFailureTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @BeforeAll
    static void crds() {
        RollbackCrds.install(client);
    }

    private RollbackWorld world(String namespace) {
        return new RollbackWorld(client, server, namespace, "payments").create();
    }

    private static ControlPlaneRollback run(RollbackWorld world, RollbackStrategy strategy) {
        return world.runToEnd(world.driver(), world.requestRollback("payments-to-4-18-5", strategy, false));
    }

    /** Undone: every workload at its recorded replicas, the pause taken back, no swap Job (the data was never touched). */
    private static void assertUndone(RollbackWorld world, ControlPlaneRollback rollback, String reason) {
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals(reason, status.getFailureReason());
        assertTrue(status.getMessage().contains("Undone"), status.getMessage());
        assertFailureShown(world, false, "undone: nothing is left changed");
        assertTrue(status.getMessage().contains("etcd data was not touched"), status.getMessage());
        assertNull(status.getUndoing());
        HostedCluster cluster = world.cluster();
        assertNull(cluster.getSpec().getPausedUntil());
        assertEquals(HostedClusters.tag("4.18.6"), cluster.getSpec().getRelease().getImage());
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        assertEquals(3, world.etcdReplicas());
        assertTrue(client.batch().v1().jobs().inNamespace(world.controlPlaneNamespace())
                .withLabel(RestoreJobs.PHASE_LABEL, "swap").list().getItems().isEmpty());
        assertFalse(Boolean.TRUE.equals(status.getPointOfNoReturn()));
    }

    /** Left paused, failed, with the next manual step in the message. */
    private static void assertLeftPaused(RollbackWorld world, ControlPlaneRollback rollback, String reason, String nextStep) {
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals(reason, status.getFailureReason());
        assertEquals("true", world.cluster().getSpec().getPausedUntil(), status.getMessage() + " / " + status.getSteps().stream().map(s -> s.getName() + ":" + s.getPhase() + ":" + s.getMessage()).toList());
        assertTrue(status.getMessage().contains(nextStep), status.getMessage());
        assertTrue(status.getMessage().contains("docs/runbook.md"), status.getMessage());
        assertFailureShown(world, true, "left paused: the SRE must finish by hand");
    }

    @Test
    void pauseNeverReportedIsUndone() {
        RollbackWorld world = world("f-pause");
        world.simulator.honourPause = false;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "PauseTimeout");
        assertEquals(0, world.log.count("PATCH", p -> p.contains("/deployments/"), b -> true));
    }

    @Test
    void podsThatDoNotGoAreUndone() {
        RollbackWorld world = world("f-quiesce");
        world.simulator.stuckPods.add("kube-apiserver");
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "QuiesceTimeout");
        assertTrue(rollback.getStatus().getMessage().contains("kube-apiserver"), rollback.getStatus().getMessage());
    }

    /**
     * Refused in the plan (the preflight), with nothing touched: no step, no write, no Job but the probe and the
     * measures of the volumes (which mount them read-only).
     */
    private static void assertRefusedInThePlan(RollbackWorld world, ControlPlaneRollback rollback, String item) {
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase(), status.getMessage());
        assertEquals("PreflightFailed", status.getFailureReason());
        assertTrue(status.getMessage().endsWith("Nothing was changed."), status.getMessage());
        assertTrue(status.getPlan().getPreflight().stream().anyMatch(c -> c.getName().equals(item) && !c.passed()),
                status.getPlan().getPreflight().toString());
        assertFailureShown(world, false, "refused in the plan");
        assertTrue(status.getSteps().isEmpty());
        assertEquals(0, world.log.count("PATCH", p -> true, b -> true), "nothing touched");
        assertEquals(0, world.log.count("POST", p -> p.endsWith("/jobs"),
                b -> !b.contains("hcp-rollback-probe") && !b.contains("hcp-rollback-measure")));
    }

    @Test
    void noDownloadUrlIsRefusedInThePlan() {
        RollbackWorld world = world("f-source");
        world.restoreSource = (snapshot, ttl) -> {
            throw new RestoreSource.RestoreSourceException("bucket hcp-rollback-test: access denied");
        };
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "snapshotObject");
        assertTrue(rollback.getStatus().getMessage().contains("access denied"));
    }

    /**
     * The object in a real S3 store (s3proxy) is not the size the snapshot recorded (overwritten, or cut
     * short): the preflight item fails with both figures, before anything is touched.
     */
    @Test
    void anObjectOfAnotherSizeThanTheSnapshotRecordedIsRefusedInThePlan() {
        RollbackWorld world = world("f-size");
        try (S3Server s3 = new S3Server()) {
            SnapshotStore store = s3.snapshotStore("snapshots", 5 * 1024 * 1024);
            String key = "hcp/clusters/payments/4.18.5/snapshot.db";
            store.put(key, new byte[1000], "application/octet-stream");
            StoreRestoreSource real = new StoreRestoreSource(() -> store);
            world.restoreSource = (snapshot, ttl) -> {
                snapshot.getStatus().setObjectKey(key); // the fixture's snapshot names no key of a real store
                return real.downloadOf(snapshot, ttl);
            };
            ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
            assertRefusedInThePlan(world, rollback, "snapshotObject");
            PreflightCheck item = rollback.getStatus().getPlan().getPreflight().stream()
                    .filter(c -> c.getName().equals("snapshotObject")).findFirst().orElseThrow();
            assertTrue(item.getDetail().contains("holds 1000 bytes") && item.getDetail().contains("records 48000000 bytes"),
                    item.getDetail());
        }
    }

    /** The store refuses later (the credentials rotated while the cluster was paused): undone before any Job. */
    @Test
    void noDownloadUrlWhenStagingIsUndoneBeforeAnyJob() {
        RollbackWorld world = world("f-source-late");
        RestoreSource working = world.restoreSource;
        boolean[] denied = { false };
        world.restoreSource = (snapshot, ttl) -> {
            if (denied[0]) {
                throw new RestoreSource.RestoreSourceException("bucket hcp-rollback-test: access denied");
            }
            return working.downloadOf(snapshot, ttl);
        };
        ControlPlaneRollback rollback = world.runToEnd(world.driver(name -> denied[0] |= name.equals("completed:Pause")),
                world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false));
        assertUndone(world, rollback, "SnapshotUnavailable");
        assertTrue(rollback.getStatus().getMessage().contains("access denied"));
    }

    @Test
    void aMissingEtcdVolumeIsRefusedInThePlan() {
        RollbackWorld world = world("f-volume");
        client.persistentVolumeClaims().inNamespace(world.controlPlaneNamespace()).withName("data-etcd-2").delete();
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "volumeCapacity/data-etcd-2");
        assertTrue(rollback.getStatus().getMessage().contains("data-etcd-2 does not exist"), rollback.getStatus().getMessage());
    }

    /**
     * The first case of the issue, on the simulator: a stage Job that fails (whatever its exit code:
     * staging never writes the data dir) is undone on every member, automatically, with no manual runbook.
     */
    @Test
    void aStageJobThatFailsIsUndoneOnEveryMember() {
        RollbackWorld world = world("f-stage");
        world.simulator.failingStageMembers.add(1);
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "StageJobFailed");
        assertTrue(rollback.getStatus().getMessage().contains("staging never writes the data dir"), rollback.getStatus().getMessage());
        assertTrue(rollback.getStatus().getMessage().contains(" -c fetch, then -c restore"),
                "the SRE is told which container's log to read: " + rollback.getStatus().getMessage());
        assertEquals(3, world.log.count("POST", p -> p.endsWith("/jobs"), b -> b.contains("\"stage\"")));
    }

    @Test
    void aFailedSwapJobLeavesTheClusterPausedAndIsNotRetried() {
        RollbackWorld world = world("f-swap");
        world.simulator.failingSwapMembers.add(1);
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        String cp = world.controlPlaneNamespace();
        assertLeftPaused(world, rollback, "SwapJobFailed", "kubectl -n " + cp + " get job "
                + String.join(" ", rollback.getStatus().getRestoreJobs().subList(3, 6)));
        assertTrue(rollback.getStatus().getPointOfNoReturn());
        assertEquals(0, world.etcdReplicas());
        RollbackWorld.WRITERS.keySet().forEach(name -> assertEquals(0, world.replicasOf(name), name));
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage());
        // more calls (a resync, a restart) change nothing: the destructive step is not repeated
        long jobsCreated = world.log.count("POST", p -> p.endsWith("/jobs"), b -> true);
        assertEquals(10, jobsCreated, "a probe, three measure, three stage and three swap Jobs");
        for (int i = 0; i < 3; i++) {
            world.simulator.tick();
            assertTrue(world.driver().reconcile(rollback).isEmpty());
        }
        assertEquals(jobsCreated, world.log.count("POST", p -> p.endsWith("/jobs"), b -> true));
        assertEquals(RollbackPhase.Failed, world.reload(rollback).getStatus().getPhase());
        assertEquals(RollbackPhase.Failed, world.reload(rollback).getStatus().step(Step.Swap).get().getPhase());
    }

    @Test
    void aStageJobThatNeverFinishesTimesOutAndIsUndone() {
        RollbackWorld world = world("f-stage-slow");
        world.simulator.runJobs = false;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertUndone(world, rollback, "StageTimeout");
        assertEquals(7, world.log.count("POST", p -> p.endsWith("/jobs"), b -> true),
                "the probe, three measure and three stage Jobs");
    }

    /**
     * Case 1 of the issue: 200 MiB volumes holding ~105 MiB of db and 64 MiB of WAL and snap files, a ~45 MiB
     * snapshot. The plan shows the failed item with its figures and the rollback is refused before anything is
     * touched.
     */
    @Test
    void aVolumeTooSmallToStageIsRefusedInThePlan() {
        RollbackWorld world = new RollbackWorld(client, server, "f-capacity", "payments");
        world.simulator.etcdVolumeSize = "200Mi";
        world.simulator.etcdDbSizeBytes = 105L << 20;
        world.create();
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace("f-capacity")
                .withName(world.snapshotName()).get();
        snapshot.getStatus().setSizeBytes(45L << 20);
        client.resource(snapshot).updateStatus();

        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertRefusedInThePlan(world, rollback, "volumeCapacity/data-etcd-0");
        PreflightCheck volume = status.getPlan().getPreflight().stream()
                .filter(c -> c.getName().equals("volumeCapacity/data-etcd-0")).findFirst().orElseThrow();
        assertFalse(volume.passed());
        assertEquals("needs 323.0 MiB = download 45.0 MiB + restored copy 109.0 MiB + margin 169.0 MiB (the larger of 10% "
                + "of the file system and what the member may write meanwhile: a defragmented copy of its db 105.0 MiB and a "
                + "WAL segment); 31.0 MiB free on the file system of 200.0 MiB (169.0 MiB used, the etcd data dir 169.0 MiB of "
                + "it); measured by Job " + RollbackNames.measureJob(rollback, 0), volume.getDetail());
    }

    /** A world whose snapshot is {@code snapshotBytes} long, created with the simulator's knobs as {@code knobs} sets them. */
    private RollbackWorld worldWithSnapshotOf(String namespace, long snapshotBytes, java.util.function.Consumer<HyperShiftSimulator> knobs) {
        RollbackWorld world = new RollbackWorld(client, server, namespace, "payments");
        knobs.accept(world.simulator);
        world.create();
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace(namespace)
                .withName(world.snapshotName()).get();
        snapshot.getStatus().setSizeBytes(snapshotBytes);
        client.resource(snapshot).updateStatus();
        return world;
    }

    private static PreflightCheck item(ControlPlaneRollback rollback, String name) {
        return rollback.getStatus().getPlan().getPreflight().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + rollback.getStatus().getPlan().getPreflight()));
    }

    /**
     * The capacity case: etcd reports a small db (20 MiB), but the member's WAL and snap files fill its 1 GiB
     * volume (880 MiB). Sized by the db size, the stage fitted easily (20 + 20 + 84 MiB of 922 MiB) and then would
     * have filled the volume beside the serving member; measured on the volume, 124 MiB are free and the stage needs
     * 206.4 MiB with its margin: refused in the plan, with the measured figures.
     */
    @Test
    void aVolumeFullOfWalAndSnapFilesIsRefusedInThePlanWhateverEtcdsDbSize() {
        RollbackWorld world = worldWithSnapshotOf("f-capacity-wal", 20L << 20, simulator -> {
            simulator.etcdVolumeSize = "1Gi";
            simulator.etcdDbSizeBytes = 20L << 20;
            simulator.etcdWalAndSnapBytes = 880L << 20;
        });
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "volumeCapacity/data-etcd-0");
        for (int member = 0; member < 3; member++) {
            PreflightCheck volume = item(rollback, "volumeCapacity/data-etcd-" + member);
            assertFalse(volume.passed());
            assertTrue(volume.getDetail().startsWith("needs 206.4 MiB = download 20.0 MiB + restored copy 84.0 MiB + margin "
                    + "102.4 MiB (the larger of 10% of the file system"), volume.getDetail());
            assertTrue(volume.getDetail().contains("124.0 MiB free on the file system of 1024.0 MiB (900.0 MiB used, the etcd "
                    + "data dir 900.0 MiB of it)"), volume.getDetail());
        }
        assertTrue(rollback.getStatus().getMessage().contains("volumeCapacity/data-etcd-0: FAIL (needs 206.4 MiB"),
                rollback.getStatus().getMessage());
    }

    /**
     * The rule at its edge, one member each: free space exactly what the stage needs with its margin passes; a byte
     * less fails; what an earlier stage left in the work dir counts as free, since the stage removes it first. The
     * larger margin is 10% of the file system here (a small db).
     */
    @Test
    void aVolumeWithExactlyTheRoomTheStageNeedsPassesAndAByteLessFails() {
        long snapshot = 30L << 20;
        long fileSystem = 2L << 30;
        long db = 10L << 20;
        // download + restored copy (snapshot + a WAL segment) + 10% of the file system
        long needs = snapshot + snapshot + (64L << 20) + fileSystem / 100 * 10;
        RollbackWorld world = worldWithSnapshotOf("f-capacity-edge", snapshot, simulator -> simulator.volumeReport = member ->
                new dev.hcprollback.rollback.restore.fetch.VolumeSpace(fileSystem, fileSystem - needs, switch (member) {
                    case 0 -> needs;
                    case 1 -> needs - 1;
                    default -> needs - (40L << 20);
                }, fileSystem - needs, db, member == 2 ? 40L << 20 : 0).report());
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "volumeCapacity/data-etcd-1");
        assertTrue(item(rollback, "volumeCapacity/data-etcd-0").passed(), item(rollback, "volumeCapacity/data-etcd-0").toString());
        assertFalse(item(rollback, "volumeCapacity/data-etcd-1").passed());
        PreflightCheck leftOver = item(rollback, "volumeCapacity/data-etcd-2");
        assertTrue(leftOver.passed(), leftOver.toString());
        assertTrue(leftOver.getDetail().contains(" + 40.0 MiB an earlier stage left in the work dir"), leftOver.getDetail());
    }

    /**
     * No figure, no pass: a measure Job that fails, one that succeeds without a report, and one whose report lacks a
     * figure each fail their item, saying why; the rollback is refused with nothing touched.
     */
    @Test
    void aVolumeThatCannotBeMeasuredFailsItsItem() {
        RollbackWorld world = worldWithSnapshotOf("f-capacity-unmeasured", 48_000_000L, simulator -> simulator.volumeReport =
                member -> switch (member) {
                    case 0 -> null;
                    case 1 -> "";
                    default -> "fileSystemBytes=8589934592\nfreeBytes=8000000000\n";
                });
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "volumeCapacity/data-etcd-0");
        String cp = world.controlPlaneNamespace();
        PreflightCheck failed = item(rollback, "volumeCapacity/data-etcd-0");
        assertEquals("the volume could not be measured (Job " + RollbackNames.measureJob(rollback, 0) + " failed; kubectl -n "
                + cp + " logs job/" + RollbackNames.measureJob(rollback, 0) + "): its free space is unknown", failed.getDetail());
        PreflightCheck silent = item(rollback, "volumeCapacity/data-etcd-1");
        assertFalse(silent.passed());
        assertTrue(silent.getDetail().contains("succeeded but its pod reports no figures"), silent.getDetail());
        PreflightCheck partial = item(rollback, "volumeCapacity/data-etcd-2");
        assertFalse(partial.passed());
        assertTrue(partial.getDetail().contains("no usable figures (no usedBytes in the report)"), partial.getDetail());
    }

    /**
     * A volume without an etcd db where the member serves from: another layout than the one the restore replaces,
     * and no way to size what the member writes meanwhile. Refused.
     */
    @Test
    void aVolumeWithoutAnEtcdDbIsRefusedInThePlan() {
        RollbackWorld world = worldWithSnapshotOf("f-capacity-nodb", 48_000_000L, simulator -> simulator.volumeReport =
                member -> new dev.hcprollback.rollback.restore.fetch.VolumeSpace(8L << 30, 1L << 20, (8L << 30) - (1L << 20), 0, 0, 0)
                        .report());
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "volumeCapacity/data-etcd-0");
        assertTrue(item(rollback, "volumeCapacity/data-etcd-0").getDetail().contains("found no etcd db at "
                + "/var/lib/data/member/snap/db"), item(rollback, "volumeCapacity/data-etcd-0").getDetail());
    }

    /**
     * A snapshot stored compressed lands decoded: the stage writes its size as etcd sent it, not its stored size.
     * Recorded, that size is what the volume is checked for; not recorded (taken before it was), the item fails
     * rather than size the stage by the compressed object.
     */
    @Test
    void aCompressedSnapshotIsSizedAsEtcdSentIt() {
        RollbackWorld world = worldWithSnapshotOf("f-capacity-zstd", 20L << 20, simulator -> {
        });
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace("f-capacity-zstd")
                .withName(world.snapshotName()).get();
        snapshot.getStatus().setCompression(dev.hcprollback.api.SnapshotCompression.zstd);
        client.resource(snapshot).updateStatus();
        ControlPlaneRollback unsized = world.runToEnd(world.driver(),
                world.requestRollback("payments-to-4-18-5-plan", RollbackStrategy.RestoreEtcd, true));
        PreflightCheck volume = item(unsized, "volumeCapacity/data-etcd-0");
        assertFalse(volume.passed());
        assertEquals("the snapshot records no size as etcd sent it (stored as zstd, only its stored size): what the stage "
                + "writes cannot be sized; take a new snapshot", volume.getDetail());

        snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace("f-capacity-zstd").withName(world.snapshotName()).get();
        snapshot.getStatus().setEtcdSizeBytes(200L << 20);
        client.resource(snapshot).updateStatus();
        ControlPlaneRollback sized = world.runToEnd(world.driver(),
                world.requestRollback("payments-to-4-18-5-plan-again", RollbackStrategy.RestoreEtcd, true));
        volume = item(sized, "volumeCapacity/data-etcd-0");
        assertTrue(volume.passed(), volume.toString());
        assertTrue(volume.getDetail().startsWith("needs 1283.2 MiB = download 200.0 MiB + restored copy 264.0 MiB"),
                volume.getDetail());
    }

    /**
     * Case 2 of the issue: admission refuses the revert. The mock API server has no admission chain;
     * here the world answers the revert's server-side dry run ({@code dryRun=All}) with the webhook's
     * 403, as the API server would. Refused in the plan, nothing touched, and the dry run stored nothing.
     */
    @Test
    void aRevertThatAdmissionRefusesIsRefusedInThePlanWithNothingTouched() {
        RollbackWorld world = world("f-admission");
        world.refuseRevert = "a downgrade of spec.release needs a verified snapshot of the target payload";
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertRefusedInThePlan(world, rollback, "revertAdmission");
        PreflightCheck admission = status.getPlan().getPreflight().stream()
                .filter(c -> c.getName().equals("revertAdmission")).findFirst().orElseThrow();
        assertFalse(admission.passed());
        assertTrue(admission.getDetail().contains("denied the request: a downgrade of spec.release"), admission.getDetail());
        assertEquals(1, world.log.countDryRuns("PATCH", p -> p.endsWith("/hostedclusters/payments")));
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage());
    }

    /** Admission that turns (the rollback window closed while staging): caught right before the first swap, undone. */
    @Test
    void aRevertRefusedWhenCheckedAgainBeforeTheFirstSwapIsUndone() {
        RollbackWorld world = world("f-admission-late");
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        RollbackDriver driver = world.driver(name -> {
            if (name.equals("completed:Quiesce")) {
                world.refuseRevert = "the rollback window of 24h closed";
            }
        });
        ControlPlaneRollback end = world.runToEnd(driver, rollback);
        assertUndone(world, end, "PreflightFailed");
        assertTrue(end.getStatus().getMessage().contains("checked again before the first swap"), end.getStatus().getMessage());
        assertTrue(end.getStatus().getMessage().contains("window of 24h closed"), end.getStatus().getMessage());
    }

    /** Case 3 of the issue, on the simulator: the probe of an etcd image without the bump flags fails the plan. */
    @Test
    void aRestoreImageThatCannotBumpTheRevisionIsRefusedInThePlan() {
        RollbackWorld world = world("f-probe");
        world.simulator.imagesWithoutBump.add(HyperShiftSimulator.ETCD_IMAGE);
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "restoreImage");
        assertTrue(rollback.getStatus().getMessage().contains("cannot restore with --bump-revision"), rollback.getStatus().getMessage());
    }

    /**
     * The image of the stage Jobs' fetch container cannot be pulled (a mirror the nodes cannot reach): the measure
     * Jobs, which run it, wait in ImagePullBackOff, and the plan is refused at once naming the image. Before, no item
     * looked at it: the dry run was green and the real rollback waited in Stage, the cluster paused, until
     * restore-timeout.
     */
    @Test
    void aFetchImageTheNodesCannotPullIsRefusedInThePlanNamingIt() {
        RollbackWorld world = world("f-pull");
        world.simulator.unpullableImages.add(RollbackSettings.DEFAULT_FETCH_IMAGE);
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "fetchImage");
        String message = rollback.getStatus().getMessage();
        assertTrue(message.contains(RollbackSettings.DEFAULT_FETCH_IMAGE + " (from hcp-rollback.rollback.fetch-image) "
                + "cannot be pulled on the management cluster: pod ") && message.contains("ImagePullBackOff"), message);
    }

    /** The etcd image itself cannot be pulled: its probe Job waits on it, and the plan is refused at once. */
    @Test
    void anEtcdImageTheNodesCannotPullIsRefusedInThePlan() {
        RollbackWorld world = world("f-pull-etcd");
        world.simulator.unpullableImages.add(HyperShiftSimulator.ETCD_IMAGE);
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "restoreImage");
        assertTrue(rollback.getStatus().getMessage().contains(HyperShiftSimulator.ETCD_IMAGE
                + " cannot be pulled on the management cluster"), rollback.getStatus().getMessage());
    }

    /** A bump smaller than the revisions written since the snapshot: refused in the plan, naming the figure. */
    @Test
    void aBumpBelowTheRevisionsWrittenSinceTheSnapshotIsRefusedInThePlan() {
        RollbackWorld world = world("f-bump-plan");
        world.settings = withBump(world.settings, 40); // the simulator's etcd is 44 revisions past the snapshot
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertRefusedInThePlan(world, rollback, "revisionBump");
        assertTrue(rollback.getStatus().getMessage().contains("bump 40 does not exceed the 44 revisions written since the snapshot"),
                rollback.getStatus().getMessage());
    }

    /**
     * Writes after the plan take etcd past the restored revision: Quiesce reads the revision once the writers
     * stopped and refuses before etcd stops, and everything is undone.
     */
    @Test
    void writesAfterThePlanBeyondTheBumpAreCaughtOnceTheWritersStoppedAndUndone() {
        RollbackWorld world = world("f-bump-quiesce");
        world.settings = withBump(world.settings, 1_000);
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        RollbackDriver driver = world.driver(name -> {
            if (name.equals("completed:Stage")) {
                world.simulator.etcdRevision += 5_000; // the API servers kept writing while the snapshot was staged
            }
        });
        ControlPlaneRollback end = world.runToEnd(driver, rollback);
        assertUndone(world, end, "BumpTooSmall");
        assertEquals(Long.valueOf(128_500L), end.getStatus().getRevisionAtQuiesce());
        assertTrue(end.getStatus().getMessage().contains("etcd reached revision 128500 before its writers stopped, and the "
                + "restore would bring it back at 124456"), end.getStatus().getMessage());
    }

    /** The same writes with a bump large enough: etcd comes back above every revision a client saw. */
    @Test
    void etcdComesBackAboveTheRevisionItHadWhenItsWritersStopped() {
        RollbackWorld world = world("f-bump-enough");
        world.settings = withBump(world.settings, 10_000);
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        RollbackDriver driver = world.driver(name -> {
            if (name.equals("completed:Stage")) {
                world.simulator.etcdRevision += 5_000;
            }
        });
        ControlPlaneRollback end = world.runToEnd(driver, rollback);
        assertEquals(RollbackPhase.Succeeded, end.getStatus().getPhase(), end.getStatus().getMessage());
        assertEquals(Long.valueOf(128_500L), end.getStatus().getRevisionAtQuiesce());
        assertEquals(133_456L, world.simulator.etcdRevision, "restored at the snapshot's revision plus the bump");
        assertTrue(end.getStatus().getSteps().stream().anyMatch(s -> s.getName().equals("StartEtcd")
                && s.getMessage().contains("revision 133456 past the bump")), end.getStatus().getSteps().toString());
    }

    private static RollbackSettings withBump(RollbackSettings s, long bump) {
        return new RollbackSettings(s.pauseTimeout(), s.quiesceTimeout(), s.restoreTimeout(), s.etcdQuorumTimeout(),
                s.verifyTimeout(), s.pollInterval(), s.maxPollInterval(), s.restoreUrlTtl(), bump, s.window(),
                s.stageWhileServing(), s.fetchImage(), s.cancelAfter());
    }

    /**
     * A replica that stalled mid-step while another moved the record on: its next write is fenced (the record's
     * resourceVersion is no longer the one it holds), the pass ends with a conflict and nothing is written.
     */
    @Test
    void aStalledReplicaWhoseRecordMovedOnWritesNothing() {
        for (String checkpoint : List.of("recorded:pausedUntil", "recorded:replicas")) {
            RollbackWorld world = world("f-fenced-" + checkpoint.substring(checkpoint.indexOf(':') + 1).toLowerCase());
            ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
            java.util.concurrent.atomic.AtomicBoolean movedOn = new java.util.concurrent.atomic.AtomicBoolean();
            RollbackDriver stalled = world.driver(name -> {
                if (name.equals(checkpoint) && movedOn.compareAndSet(false, true)) {
                    // meanwhile, the replica that took over writes the record
                    client.resources(ControlPlaneRollback.class).inNamespace(world.namespace).withName(rollback.getMetadata().getName())
                            .edit(r -> {
                                r.getMetadata().setLabels(java.util.Map.of("written-by", "the-other-replica"));
                                return r;
                            });
                }
            });
            long patchesBefore = world.log.count("PATCH", p -> true, b -> true);
            io.fabric8.kubernetes.client.KubernetesClientException fenced = null;
            for (int round = 0; round < 50 && fenced == null; round++) {
                world.simulator.tick();
                try {
                    stalled.reconcile(rollback);
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                    fenced = e;
                }
            }
            assertTrue(fenced != null, "the write after " + checkpoint + " was fenced");
            assertEquals(409, fenced.getCode());
            assertTrue(fenced.getMessage().contains("moved on since this replica read it"), fenced.getMessage());
            if (checkpoint.equals("recorded:pausedUntil")) {
                assertNull(world.cluster().getSpec().getPausedUntil(), "the HostedCluster was not paused");
                assertEquals(patchesBefore, world.log.count("PATCH", p -> true, b -> true), "nothing patched");
            } else {
                RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
            }
        }
    }

    /** A member that kept old data reports another cluster ID once etcd runs: StartEtcd fails saying so. */
    @Test
    void membersWithDifferentClusterIdsFailStartEtcd() {
        RollbackWorld world = world("f-cluster-id");
        world.simulator.memberWithOtherClusterId = 2;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertLeftPaused(world, rollback, "EtcdMismatch", "logs etcd-0 -c etcd");
        assertTrue(rollback.getStatus().getMessage().contains("members report different cluster IDs"), rollback.getStatus().getMessage());
        assertTrue(rollback.getStatus().getMessage().contains("etcd-2=bad"), rollback.getStatus().getMessage());
    }

    @Test
    void aRefusedPayloadPatchOfPayloadOnlyIsUndone() {
        RollbackWorld world = world("f-revert-payload");
        String path = "/apis/hypershift.openshift.io/v1beta1/namespaces/f-revert-payload/hostedclusters/payments";
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.PayloadOnly, false);
        RollbackDriver driver = world.driver(name -> {
            if (name.equals("completed:Pause")) {
                server.expect().patch().withPath(path).andReturn(403, new StatusBuilder().withCode(403)
                        .withMessage("admission webhook denied the request").build()).once();
            }
        });
        ControlPlaneRollback end = world.runToEnd(driver, rollback);
        assertEquals(RollbackPhase.Failed, end.getStatus().getPhase());
        assertEquals("RevertRejected", end.getStatus().getFailureReason());
        assertTrue(end.getStatus().getMessage().contains("Undone"), end.getStatus().getMessage());
        assertNull(world.cluster().getSpec().getPausedUntil());
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage());
    }

    @Test
    void etcdWithoutQuorumLeavesTheClusterPausedWithTheManualSteps() {
        RollbackWorld world = world("f-quorum");
        ControlPlaneRollback rollback = world.runToEnd(world.driver(name -> {
            if (name.equals("completed:Swap")) {
                world.simulator.etcdBecomesReady = false;
            }
        }), world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false));
        assertLeftPaused(world, rollback, "StartEtcdTimeout",
                "patch hostedcluster payments --type merge -p '{\"metadata\":{\"annotations\":{"
                        + "\"hypershift.openshift.io/force-upgrade-to\":null,\"hypershift.openshift.io/restored-from-backup\":"
                        + "\"true\"}},\"spec\":{\"release\":{\"image\":\"" + HostedClusters.tag("4.18.5") + "\"}}}'");
        assertTrue(rollback.getStatus().getMessage()
                .contains("scale deployment/kube-apiserver --replicas=3"), rollback.getStatus().getMessage());
        assertEquals(3, world.etcdReplicas());
    }

    @Test
    void aRefusedPayloadPatchLeavesTheClusterPaused() {
        RollbackWorld world = world("f-revert");
        String path = "/apis/hypershift.openshift.io/v1beta1/namespaces/f-revert/hostedclusters/payments";
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        // the admission webhook refuses the downgrade (here: an expectation answering the PATCH with 403)
        RollbackDriver driver = world.driver(name -> {
            if (name.equals("completed:StartEtcd")) {
                server.expect().patch().withPath(path).andReturn(403, new StatusBuilder().withCode(403)
                        .withMessage("admission webhook \"hostedclusters.hcp-rollback.dev\" denied the request")
                        .build()).once();
            }
        });
        ControlPlaneRollback end = world.runToEnd(driver, rollback);
        assertLeftPaused(world, end, "RevertRejected", "as an authorised SRE kubectl -n f-revert patch hostedcluster payments");
        assertEquals(HostedClusters.tag("4.18.6"), world.cluster().getSpec().getRelease().getImage());
    }

    @Test
    void aControlPlaneThatNeverSettlesFailsVerifyWithReconciliationResumed() {
        RollbackWorld world = world("f-verify");
        world.client.resources(HostedCluster.class).inNamespace("f-verify").withName("payments").edit(hc -> {
            hc.getMetadata().getAnnotations().put(RollbackRequest.TO_VERSION, "4.18.5");
            hc.getMetadata().getAnnotations().put(RollbackRequest.REASON, "INC-4711");
            return hc;
        });
        world.simulator.completeRollouts = false;
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        ControlPlaneRollbackStatus status = rollback.getStatus();
        assertEquals(RollbackPhase.Failed, status.getPhase());
        assertEquals("VerifyTimeout", status.getFailureReason());
        assertTrue(status.getMessage().contains("describe hostedcluster payments"), status.getMessage());
        assertNull(world.cluster().getSpec().getPausedUntil());
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage());
        RollbackWorld.WRITERS.forEach((name, replicas) -> assertEquals(replicas, world.replicasOf(name), name));
        // the request annotations stay: the SRE sees the cluster is still in a rollback
        assertEquals("4.18.5", world.cluster().getMetadata().getAnnotations().get(RollbackRequest.TO_VERSION));
    }

    @Test
    void anUnverifiedSnapshotIsRefusedBeforeAnythingIsTouched() {
        RollbackWorld world = world("f-plan");
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace("f-plan")
                .withName(world.snapshotName()).get();
        snapshot.getStatus().setVerified(false);
        client.resource(snapshot).updateStatus();
        ControlPlaneRollback rollback = run(world, RollbackStrategy.RestoreEtcd);
        assertEquals(RollbackPhase.Failed, rollback.getStatus().getPhase());
        assertEquals("SnapshotNotVerified", rollback.getStatus().getFailureReason());
        assertTrue(rollback.getStatus().getMessage().endsWith("Nothing was changed."));
        assertTrue(rollback.getStatus().getSteps().isEmpty());
        assertEquals(0, world.log.count("PATCH", p -> true, b -> true));
        assertFailureShown(world, false, "refused before anything was touched");
    }

    @Test
    void payloadOnlyKeepsEtcd() {
        RollbackWorld world = world("payload-only");
        ControlPlaneRollback rollback = run(world, RollbackStrategy.PayloadOnly);
        assertEquals(RollbackPhase.Succeeded, rollback.getStatus().getPhase(), rollback.getStatus().getMessage());
        assertEquals(List.of("Pause", "Revert", "Resume", "Verify"),
                rollback.getStatus().getSteps().stream().map(RollbackStep::getName).toList());
        assertNull(rollback.getStatus().getPlan().getDataLoss());
        assertEquals(0, world.log.count("PATCH", p -> p.contains("/statefulsets/") || p.contains("/deployments/"), b -> true));
        assertEquals(0, world.log.count("POST", p -> p.endsWith("/jobs"), b -> true));
        assertEquals(HostedClusters.tag("4.18.5"), world.cluster().getSpec().getRelease().getImage());
    }

    @Test
    void oneRollbackPerClusterAtATime() {
        RollbackWorld world = world("one-at-a-time");
        ControlPlaneRollback first = world.requestRollback("first", RollbackStrategy.RestoreEtcd, false);
        world.simulator.runJobs = false;
        RollbackDriver driver = world.driver();
        for (int i = 0; i < 30 && (world.reload(first).getStatus() == null
                || !"Stage".equals(world.reload(first).getStatus().getCurrentStep())); i++) {
            world.simulator.tick();
            driver.reconcile(first).ifPresent(world.clock::advance);
        }
        assertEquals(RollbackPhase.Running, world.reload(first).getStatus().getPhase());
        ControlPlaneRollback second = world.requestRollback("second", RollbackStrategy.PayloadOnly, false);
        assertFalse(driver.reconcile(second).isEmpty());
        ControlPlaneRollbackStatus status = world.reload(second).getStatus();
        assertEquals(RollbackPhase.Pending, status.getPhase());
        assertTrue(status.getMessage().contains("rollback first of the same HostedCluster is running"), status.getMessage());
        assertTrue(status.getSteps().isEmpty());
    }

    // ---------------------------------------------------------------- the series the rollback alerts read

    // manifests/base/prometheusrule.yaml: the running step with its start and timeout, and whether the
    // cluster's newest rollback Failed; each appears with the event and goes with the rollback or its record

    @Test
    void aRunningStepShowsItsStartAndTimeoutUntilItEndsAndAFailedRollbackStaysShownUntilItsRecordIsGone() {
        RollbackWorld world = world("m-stuck");
        world.simulator.honourPause = false;
        RollbackDriver driver = world.driver();
        ControlPlaneRollback rollback = world.requestRollback("payments-to-4-18-5", RollbackStrategy.RestoreEtcd, false);
        assertNull(gauge(world, RollbackMetrics.FAILED, null), "no series before the record is seen");

        ControlPlaneRollback pausing = world.driveUntilStepRuns(driver, rollback, Step.Pause);
        RollbackStep pause = pausing.getStatus().step(Step.Pause).orElseThrow();
        assertEquals(Timestamps.parse(pause.getStartTime()).orElseThrow().getEpochSecond(),
                gauge(world, RollbackMetrics.STEP_STARTED, Step.Pause).value());
        assertEquals(world.settings.pauseTimeout().toSeconds(), gauge(world, RollbackMetrics.STEP_TIMEOUT, Step.Pause).value());
        assertEquals(0.0, gauge(world, RollbackMetrics.FAILED, null).value(), "running, not failed");

        ControlPlaneRollback ended = world.runToEnd(driver, rollback);
        assertEquals(RollbackPhase.Failed, ended.getStatus().getPhase(), ended.getStatus().getMessage());
        assertEquals("PauseTimeout", ended.getStatus().getFailureReason());
        assertNull(gauge(world, RollbackMetrics.STEP_STARTED, Step.Pause), "the step ended");
        assertNull(gauge(world, RollbackMetrics.STEP_TIMEOUT, Step.Pause), "the step ended");
        assertEquals(1.0, gauge(world, RollbackMetrics.FAILED, null).value());

        client.resource(ended).withTimeout(10, java.util.concurrent.TimeUnit.SECONDS).delete();
        assertEquals(Optional.empty(), driver.reconcile(ended));
        assertNull(gauge(world, RollbackMetrics.FAILED, null), "the cluster's only record is gone");
    }

    @Test
    void aLaterRollbackThatSucceedsClearsTheFailure() {
        RollbackWorld world = world("m-retry");
        world.simulator.honourPause = false;
        RollbackDriver driver = world.driver();
        world.runToEnd(driver, world.requestRollback("payments-to-4-18-5", RollbackStrategy.PayloadOnly, false));
        assertEquals(1.0, gauge(world, RollbackMetrics.FAILED, null).value());

        world.simulator.honourPause = true;
        // the same second as the first record: the name orders them, as it does for the driver
        ControlPlaneRollback retry = world.runToEnd(driver,
                world.requestRollback("payments-to-4-18-5-retry", RollbackStrategy.PayloadOnly, false));
        assertEquals(RollbackPhase.Succeeded, retry.getStatus().getPhase(), retry.getStatus().getMessage());
        assertEquals(0.0, gauge(world, RollbackMetrics.FAILED, null).value(), "the newest rollback succeeded");
    }

    private static Gauge gauge(RollbackWorld world, String name, Step step) {
        var search = world.meters.find(name).tags(ClusterSeries.tags(world.namespace, world.clusterName));
        return (step == null ? search : search.tag("step", step.name())).gauge();
    }

    /**
     * The series behind HcpRollbackRollbackFailed: the newest rollback Failed, and whether it left the control plane
     * changed (critical) or not (a refusal or an undone attempt: a warning).
     */
    private static void assertFailureShown(RollbackWorld world, boolean leftChanges, String why) {
        assertEquals(1.0, gauge(world, RollbackMetrics.FAILED, null).value(), why);
        assertEquals(leftChanges ? 1.0 : 0.0, gauge(world, RollbackMetrics.FAILED_WITH_CHANGES, null).value(), why);
    }
}
