package dev.hcprollback.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.testing.Clusters;

class SchedulingRuleTest {

    static final Instant NOW = Instant.parse("2026-11-20T14:00:00Z");
    static final Duration SIX_HOURS = Duration.ofHours(6);

    static HostedCluster cluster() {
        HostedCluster cluster = Clusters.available("clusters", "hc", "4.18.6", "4.18.5");
        cluster.getMetadata().setUid("hc-uid");
        return cluster;
    }

    static ControlPlaneSnapshot of(String version, Instant completed) {
        return RetentionTest.verified("s-" + completed.getEpochSecond(), version, completed);
    }

    @Test
    void aFreshSnapshotOfTheCurrentPayloadIsEnough() {
        SnapshotScheduler.Decision decision = SnapshotScheduler.decide(cluster(),
                List.of(of("4.18.6", NOW.minus(Duration.ofHours(5)))), SIX_HOURS, NOW);
        assertFalse(decision.create(), decision.why());
        assertEquals(Duration.ofMinutes(10), decision.lookAgainIn());
        decision = SnapshotScheduler.decide(cluster(), List.of(of("4.18.6", NOW.minus(Duration.ofMinutes(357)))), SIX_HOURS,
                NOW);
        assertEquals(Duration.ofMinutes(3), decision.lookAgainIn(), "looks again when it turns stale");
    }

    @Test
    void aSnapshotOlderThanTheIntervalIsReplaced() {
        SnapshotScheduler.Decision decision = SnapshotScheduler.decide(cluster(),
                List.of(of("4.18.6", NOW.minus(Duration.ofHours(7)))), SIX_HOURS, NOW);
        assertTrue(decision.create(), decision.why());
    }

    @Test
    void aNewCompletedVersionGetsASnapshotAtOnce() {
        // a minute-old snapshot of the previous payload does not count for the new one
        SnapshotScheduler.Decision decision = SnapshotScheduler.decide(cluster(),
                List.of(of("4.18.5", NOW.minus(Duration.ofMinutes(1)))), SIX_HOURS, NOW);
        assertTrue(decision.create());
        assertEquals("no verified snapshot of this payload yet", decision.why());
    }

    @Test
    void oneAttemptAtATime() {
        ControlPlaneSnapshot retrying = of("4.18.6", NOW.minus(Duration.ofHours(1)));
        retrying.getStatus().setPhase(SnapshotPhase.Failed);
        retrying.getStatus().setVerified(false);
        retrying.getStatus().setNextAttemptTime(NOW.plusSeconds(60).toString());
        assertFalse(SnapshotScheduler.decide(cluster(), List.of(retrying), SIX_HOURS, NOW).create());
        retrying.getStatus().setNextAttemptTime(null); // failed for good: a new one may be created
        assertTrue(SnapshotScheduler.decide(cluster(), List.of(retrying), SIX_HOURS, NOW).create());
    }

    @Test
    void onlySettledAvailableClusters() {
        HostedCluster unavailable = cluster();
        unavailable.getStatus().getConditions().get(0).setStatus("False");
        assertEquals("not Available", SnapshotScheduler.decide(unavailable, List.of(), SIX_HOURS, NOW).why());

        HostedCluster updating = Clusters.withRelease(cluster(), "4.18.7");
        updating.getStatus().getVersion().getHistory().add(0, new UpdateHistory(UpdateHistory.PARTIAL, "4.18.7",
                Clusters.image("4.18.7"), NOW.toString(), null));
        assertEquals("its newest version is not Completed", SnapshotScheduler.decide(updating, List.of(), SIX_HOURS, NOW)
                .why());

        HostedCluster requested = Clusters.withRelease(cluster(), "4.18.7");
        assertEquals("spec.release.image is not the newest Completed version yet",
                SnapshotScheduler.decide(requested, List.of(), SIX_HOURS, NOW).why());

        HostedCluster paused = cluster();
        paused.getSpec().setPausedUntil("true");
        assertFalse(SnapshotScheduler.decide(paused, List.of(), SIX_HOURS, NOW).create());
    }
}
