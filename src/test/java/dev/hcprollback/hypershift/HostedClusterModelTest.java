package dev.hcprollback.hypershift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.hcprollback.testing.HostedClusters;

/** The model names few fields; a HostedCluster read and written again must still be the whole object. */
class HostedClusterModelTest {

    @Test
    void keepsEveryFieldItDoesNotName() throws Exception {
        JsonNode original = HostedClusters.onSixAfterFive("payments").controlPlaneRelease(HostedClusters.digest('c')).json();

        HostedCluster model = HostedClusters.JSON.treeToValue(original, HostedCluster.class);
        // read back from text, so that a long and an int of the same value compare equal
        JsonNode written = HostedClusters.JSON.readTree(HostedClusters.JSON.writeValueAsString(model));

        assertEquals(original, written);
        assertEquals("OVNKubernetes", written.at("/spec/networking/networkType").asText());
        assertEquals("payments-admin-kubeconfig", written.at("/status/kubeconfig/name").asText());
        assertTrue(written.at("/status/version/availableUpdates").isNull(), "explicit nulls survive too");
    }

    @Test
    void aChangedFieldIsWrittenAmongTheUntouchedOnes() throws Exception {
        HostedCluster model = HostedClusters.onSixAfterFive("payments").model();
        model.getSpec().setPausedUntil("true");

        JsonNode written = HostedClusters.JSON.valueToTree(model);

        assertEquals("true", written.at("/spec/pausedUntil").asText());
        assertEquals("payments-x7k2p", written.at("/spec/infraID").asText());
        assertEquals(HostedClusters.tag("4.18.6"), written.at("/spec/release/image").asText());
    }

    @Test
    void controlPlaneNamespaceReplacesDots() {
        HostedCluster model = HostedClusters.fixture().named("team.payments").model();
        assertEquals("clusters-team-payments", model.controlPlaneNamespace());
    }

    @Test
    void versionOfADigestComesFromTheHistory() {
        HostedCluster model = HostedClusters.onSixAfterFive("payments").history(
                HostedClusters.entry("Completed", "4.18.6", HostedClusters.digest('6'), java.time.Instant.now(), null)).model();
        assertEquals(ReleaseVersion.parse("4.18.6"), model.versionOf(new PayloadImage(HostedClusters.digest('6'))));
        assertEquals(Optional.empty(), model.versionOf(new PayloadImage(HostedClusters.digest('7'))));
        assertEquals(ReleaseVersion.parse("4.18.9"), model.versionOf(new PayloadImage(HostedClusters.tag("4.18.9"))));
    }

    @Test
    void controlPlaneReleaseFallsBackToRelease() {
        HostedCluster plain = HostedClusters.onSixAfterFive("payments").model();
        assertEquals(plain.releaseImage(), ReleaseField.CONTROL_PLANE_RELEASE.effectiveImage(plain));
        HostedCluster split = HostedClusters.onSixAfterFive("payments").controlPlaneRelease(HostedClusters.tag("4.18.7")).model();
        assertEquals(HostedClusters.tag("4.18.7"), ReleaseField.CONTROL_PLANE_RELEASE.effectiveImage(split).get().pullSpec());
        assertFalse(ReleaseField.RELEASE.effectiveImage(split).get().pullSpec().contains("4.18.7"));
    }
}
