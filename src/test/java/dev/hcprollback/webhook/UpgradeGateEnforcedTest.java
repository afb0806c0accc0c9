package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.ManagementCluster.verifiedSnapshot;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * With the upgrade gate enforced, an update that could not be rolled back is refused; with unknown payloads
 * set to {@code warn} (one profile for both, to spare a restart), a payload of unknown version is admitted
 * for anyone, with a warning, as before the setting existed.
 */
@QuarkusTest
@TestProfile(UpgradeGateEnforcedTest.Enforced.class)
@WithKubernetesTestServer(setup = RbacSimulator.class)
class UpgradeGateEnforcedTest {

    public static class Enforced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("hcp-rollback.upgrade-gate.mode", "enforce", "hcp-rollback.upgrade-gate.max-snapshot-age", "2h",
                    "hcp-rollback.upgrade-gate.unknown-payload", "warn");
        }
    }

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    @Inject
    ManagementCluster management;

    @Test
    void anUpgradeNeedsAFreshVerifiedSnapshotOfTheCurrentPayload() {
        HostedClusters cluster = HostedClusters.onSixAfterFive("gated");
        WebhookClient webhookClient = new WebhookClient(webhook);

        management.add(verifiedSnapshot("gated-stale", "gated", "4.18.6", tag("4.18.6"), null,
                Instant.now().minus(Duration.ofHours(3))));
        webhookClient.review("/validate/hostedclusters", AdmissionReviews.update(cluster, cluster.copy().release(tag("4.18.7"))))
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("upgrade-gate"))
                .body("response.status.message", equalTo("[upgrade-gate] spec.release.image moves from 4.18.6 to 4.18.7: "
                        + "no verified ControlPlaneSnapshot of the current payload (4.18.6) younger than 2h exists, so this "
                        + "update could not be rolled back; create one with reason PreUpgrade first."));

        management.add(verifiedSnapshot("gated-fresh", "gated", "4.18.6", tag("4.18.6"), null,
                Instant.now().minus(Duration.ofMinutes(5))));
        webhookClient.review("/validate/hostedclusters", AdmissionReviews.update(cluster, cluster.copy().release(tag("4.18.7"))))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("upgrade"));
    }

    @Test
    void withUnknownPayloadWarnACustomersUnknownDigestIsAdmittedWithAWarning() {
        HostedClusters cluster = HostedClusters.onSixAfterFive("warned");
        new WebhookClient(webhook).review("/validate/hostedclusters",
                AdmissionReviews.update(cluster, cluster.copy().release(HostedClusters.digest('d'))))
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("unknown-version"))
                .body("response.warnings", org.hamcrest.Matchers.hasItem(org.hamcrest.Matchers.containsString(
                        "cannot tell the version of spec.release.image payload " + HostedClusters.digest('d')
                                + " (neither this cluster's version history nor its snapshots name the digest, and the"
                                + " registry could not tell (registry lookups are turned off (hcp-rollback.registry.enabled=false)))")));
    }
}
