package dev.hcprollback.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.testing.Clusters;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

class RetentionTest {

    static final Instant NOW = Instant.parse("2026-11-20T14:00:00Z");
    static final Duration WINDOW = Duration.ofHours(24);

    /** Updated from 4.18.5 to 4.18.6 two hours ago: inside the rollback window. */
    static HostedCluster justUpdated() {
        HostedCluster cluster = Clusters.available("clusters", "hc", "4.18.6", "4.18.5");
        List<UpdateHistory> history = cluster.getStatus().getVersion().getHistory();
        history.get(0).setStartedTime(NOW.minus(Duration.ofHours(2)).toString());
        history.get(0).setCompletionTime(NOW.minus(Duration.ofHours(1)).toString());
        history.get(1).setStartedTime(NOW.minus(Duration.ofDays(20)).toString());
        history.get(1).setCompletionTime(NOW.minus(Duration.ofDays(20)).plus(Duration.ofHours(1)).toString());
        return cluster;
    }

    static ControlPlaneSnapshot verified(String name, String version, Instant completed) {
        ControlPlaneSnapshot snapshot = new ControlPlaneSnapshot();
        snapshot.setMetadata(new ObjectMetaBuilder().withNamespace("clusters").withName(name)
                .withCreationTimestamp(completed.minusSeconds(60).toString()).build());
        snapshot.setSpec(new ControlPlaneSnapshotSpec("hc", SnapshotReason.Scheduled));
        ControlPlaneSnapshotStatus status = new ControlPlaneSnapshotStatus();
        status.setPhase(SnapshotPhase.Succeeded);
        status.setVerified(true);
        status.setReleaseImage(Clusters.image(version));
        status.setVersion(version);
        // the uid Clusters.available gives cluster hc: without it a snapshot backs nothing and protects nothing
        status.setHostedClusterUid("hc-uid");
        status.setCompletionTime(completed.toString());
        snapshot.setStatus(status);
        return snapshot;
    }

    static List<String> names(List<ControlPlaneSnapshot> snapshots) {
        return snapshots.stream().map(s -> s.getMetadata().getName()).sorted().toList();
    }

    @Test
    void keepsTheNewestPerPayloadAndAlwaysTheRollbackPoint() {
        List<ControlPlaneSnapshot> all = new ArrayList<>();
        // 4.18.5: five snapshots taken before the update; the newest of them is the rollback point
        for (int i = 1; i <= 5; i++) {
            all.add(verified("old-" + i, "4.18.5", NOW.minus(Duration.ofHours(2)).minus(Duration.ofHours(6L * (6 - i)))));
        }
        // 4.18.6: four taken after it
        for (int i = 1; i <= 4; i++) {
            all.add(verified("new-" + i, "4.18.6", NOW.minus(Duration.ofMinutes(50)).plus(Duration.ofMinutes(10L * i))));
        }
        // keep 1 per payload: old-5 is the newest of 4.18.5 and the rollback point anyway
        assertEquals(List.of("new-1", "new-2", "new-3", "old-1", "old-2", "old-3", "old-4"),
                names(Retention.toDelete(justUpdated(), all, List.of(), 1, WINDOW, NOW)));
    }

    @Test
    void theRollbackPointSurvivesEvenWhenNewerSnapshotsOfItsPayloadExist() {
        List<ControlPlaneSnapshot> all = new ArrayList<>();
        all.add(verified("point", "4.18.5", NOW.minus(Duration.ofHours(3))));
        // taken after the update started (a payload's snapshots taken late, e.g. by hand): newer, but not a rollback point
        all.add(verified("late-1", "4.18.5", NOW.minus(Duration.ofMinutes(30))));
        all.add(verified("late-2", "4.18.5", NOW.minus(Duration.ofMinutes(20))));
        assertEquals(List.of("late-1"), names(Retention.toDelete(justUpdated(), all, List.of(), 1, WINDOW, NOW)));
    }

    @Test
    void onePayloadIsCountedOnceWhateverItsSpelling() {
        // 4.18.6 snapshotted while the spec named it by tag, by digest, and by the same digest through a mirror
        String digest = "sha256:" + "6".repeat(64);
        ControlPlaneSnapshot byTag = verified("by-tag", "4.18.6", NOW.minus(Duration.ofMinutes(40)));
        byTag.getStatus().setReleaseDigest(digest);
        ControlPlaneSnapshot byDigest = verified("by-digest", "4.18.6", NOW.minus(Duration.ofMinutes(30)));
        byDigest.getStatus().setReleaseImage("quay.io/openshift-release-dev/ocp-release@" + digest);
        ControlPlaneSnapshot byMirror = verified("by-mirror", "4.18.6", NOW.minus(Duration.ofMinutes(20)));
        byMirror.getStatus().setReleaseImage("mirror.example:8443/ocp/art-dev@" + digest);
        assertEquals(List.of("by-digest", "by-tag"), names(Retention.toDelete(justUpdated(), List.of(byTag, byDigest, byMirror),
                List.of(), 1, WINDOW, NOW)));
    }

    @Test
    void aSnapshotOfAnotherClusterUidIsNoRollbackPoint() {
        // re-pointed from another cluster: counted with this cluster's snapshots, never protected as its rollback point
        ControlPlaneSnapshot foreign = verified("foreign", "4.18.5", NOW.minus(Duration.ofHours(3)));
        foreign.getStatus().setHostedClusterUid("other-uid");
        ControlPlaneSnapshot newer = verified("newer", "4.18.5", NOW.minus(Duration.ofMinutes(30)));
        newer.getStatus().setHostedClusterUid("other-uid");
        assertEquals(List.of("foreign"), names(Retention.toDelete(justUpdated(), List.of(foreign, newer), List.of(), 1,
                WINDOW, NOW)));
    }

    @Test
    void outsideTheWindowOnlyTheCountMatters() {
        List<ControlPlaneSnapshot> all = new ArrayList<>();
        all.add(verified("point", "4.18.5", NOW.minus(Duration.ofHours(3))));
        all.add(verified("late-1", "4.18.5", NOW.minus(Duration.ofMinutes(30))));
        assertEquals(List.of("point"), names(Retention.toDelete(justUpdated(), all, List.of(), 1, WINDOW,
                NOW.plus(Duration.ofDays(2)))));
    }

    @Test
    void neverDeletesTheSnapshotOfAnUnfinishedRollback() {
        List<ControlPlaneSnapshot> all = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            all.add(verified("new-" + i, "4.18.6", NOW.minus(Duration.ofMinutes(40)).plus(Duration.ofMinutes(10L * i))));
        }
        ControlPlaneRollback running = rollback("new-1", RollbackPhase.Running);
        ControlPlaneRollback done = rollback("new-2", RollbackPhase.Succeeded);
        assertEquals(List.of("new-2"), names(Retention.toDelete(justUpdated(), all, List.of(running, done), 1, WINDOW, NOW)));
    }

    @Test
    void dropsScheduledSnapshotsThatFailedForGoodOnceANewerOneIsVerified() {
        ControlPlaneSnapshot failed = verified("failed", "4.18.6", NOW.minus(Duration.ofMinutes(40)));
        failed.getStatus().setPhase(SnapshotPhase.Failed);
        failed.getStatus().setVerified(false);
        ControlPlaneSnapshot retrying = verified("retrying", "4.18.6", NOW.minus(Duration.ofMinutes(40)));
        retrying.getStatus().setPhase(SnapshotPhase.Failed);
        retrying.getStatus().setVerified(false);
        retrying.getStatus().setNextAttemptTime(NOW.plusSeconds(30).toString());
        ControlPlaneSnapshot good = verified("good", "4.18.6", NOW.minus(Duration.ofMinutes(10)));
        assertEquals(List.of("failed"), names(Retention.toDelete(justUpdated(), List.of(failed, retrying, good), List.of(), 3,
                WINDOW, NOW)));
    }

    static ControlPlaneRollback rollback(String snapshot, RollbackPhase phase) {
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withNamespace("clusters").withName("rb-" + snapshot).build());
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName("hc");
        spec.setSnapshotName(snapshot);
        rollback.setSpec(spec);
        ControlPlaneRollbackStatus status = new ControlPlaneRollbackStatus();
        status.setPhase(phase);
        rollback.setStatus(status);
        return rollback;
    }
}
