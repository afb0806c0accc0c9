package dev.hcprollback.hypershift;

import static dev.hcprollback.testing.HostedClusters.digest;
import static dev.hcprollback.testing.HostedClusters.entry;
import static dev.hcprollback.testing.HostedClusters.tag;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.hcprollback.testing.HostedClusters;

/** The version history read as versions. */
class UpdateStepTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private static List<UpdateHistory> history(HostedClusters cluster) {
        HostedCluster model = cluster.model();
        return model.versionHistory();
    }

    @Test
    void aRePinOfOneVersionIsOneVersion() {
        // 4.18.6 pinned by tag two hours ago, re-pinned to its digest ten minutes ago
        List<UpdateHistory> history = history(HostedClusters.fixture().history(
                entry("Completed", "4.18.6", digest('6'), NOW.minus(Duration.ofMinutes(10)), NOW.minus(Duration.ofMinutes(9))),
                entry("Completed", "4.18.6", tag("4.18.6"), NOW.minus(Duration.ofHours(2)), NOW.minus(Duration.ofMinutes(80))),
                entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofDays(20)), NOW.minus(Duration.ofDays(20)))));
        UpdateStep step = UpdateStep.leadingTo(history, new PayloadImage(digest('6')), ReleaseVersion.parse("4.18.6"))
                .orElseThrow();
        assertEquals(ReleaseVersion.parse("4.18.5"), step.previousVersion());
        assertEquals(Optional.of(NOW.minus(Duration.ofHours(2))), step.startedAt(), "the update began with the first pin");
        assertEquals(ReleaseVersion.parse("4.18.5"), UpdateStep.latest(history).orElseThrow().previousVersion());
    }

    @Test
    void afterAnEarlierRollbackThePreviousVersionIsNewer() {
        List<UpdateHistory> history = history(HostedClusters.fixture().history(
                entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofHours(1)), NOW.minus(Duration.ofMinutes(30))),
                entry("Completed", "4.18.6", tag("4.18.6"), NOW.minus(Duration.ofHours(5)), NOW.minus(Duration.ofHours(4))),
                entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofDays(20)), NOW.minus(Duration.ofDays(20)))));
        UpdateStep step = UpdateStep.leadingTo(history, new PayloadImage(tag("4.18.5")), ReleaseVersion.parse("4.18.5"))
                .orElseThrow();
        assertEquals(ReleaseVersion.parse("4.18.6"), step.previousVersion(),
                "the previous version is read as it is; eligibility refuses it as not older");
    }

    @Test
    void theCurrentPayloadIsFoundByDigestThroughAMirror() {
        List<UpdateHistory> history = history(HostedClusters.fixture().history(
                entry("Completed", "4.18.6", digest('6'), NOW.minus(Duration.ofHours(2)), NOW.minus(Duration.ofMinutes(80))),
                entry("Completed", "4.18.5", digest('5'), NOW.minus(Duration.ofDays(20)), NOW.minus(Duration.ofDays(20)))));
        String mirror = "mirror.example:8443/ocp/art-dev@sha256:" + "6".repeat(64);
        UpdateStep step = UpdateStep.leadingTo(history, new PayloadImage(mirror), Optional.empty()).orElseThrow();
        assertEquals(ReleaseVersion.parse("4.18.5"), step.previousVersion());
        assertEquals(digest('5'), step.previousPayload().orElseThrow().image().pullSpec());
    }
}
