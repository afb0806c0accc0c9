package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.digest;
import static dev.hcprollback.testing.HostedClusters.entry;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.ManagementCluster.verifiedSnapshot;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The payload quarantine (an update back to the payload a rollback took the cluster off is refused, whoever asks and
 * however the payload is spelled, until an SRE lifts it by name) and the rollback floor, over HTTPS with
 * AdmissionReview JSON as the API server sends it.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class QuarantineAndFloorAdmissionTest {

    private static final String PATH = "/validate/hostedclusters";
    private static final String ROLLBACK = "q-to-4-18-5-1a2b3c4d";

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    @Inject
    ManagementCluster cluster;

    @AfterEach
    void noFloors() {
        cluster.setRollbackFloors(null);
    }

    /** Rolled back from 4.18.6 (by digest) to 4.18.5 an hour ago; 4.18.6 quarantined by the sidecar. */
    private static HostedClusters rolledBack() {
        Instant now = Instant.now();
        PayloadIdentity six = new PayloadIdentity(PayloadImage.of(digest('6')).get(), PayloadImage.of(digest('6')).get().digest(),
                ReleaseVersion.parse("4.18.6"));
        return HostedClusters.fixture().named("q").release(tag("4.18.5"))
                .history(entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofHours(1)), now.minus(Duration.ofMinutes(50))),
                        entry("Completed", "4.18.6", digest('6'), now.minus(Duration.ofHours(5)), now.minus(Duration.ofHours(4))),
                        entry("Completed", "4.18.5", tag("4.18.5"), now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(20))))
                .annotate(PayloadQuarantine.ANNOTATION,
                        new PayloadQuarantine.Entry(six, ROLLBACK, "2026-12-07T10:00:00Z").toAnnotation());
    }

    private void judged(AdmissionReviews review, boolean allowed, String rule, String message) {
        new WebhookClient(webhook).judged(PATH, review, allowed, rule, message);
    }

    @Test
    void anUpdateBackToTheQuarantinedPayloadIsRefusedByDigestAndByTagWhoeverAsks() {
        judged(AdmissionReviews.update(rolledBack(), rolledBack().release(digest('6'))), false, "payload-quarantined",
                "ControlPlaneRollback " + ROLLBACK + " rolled q back from");
        judged(AdmissionReviews.update(rolledBack(), rolledBack().release(tag("4.18.6"))), false, "payload-quarantined",
                "quarantined on this cluster until an SRE lifts the quarantine or a newer payload is chosen");
        judged(AdmissionReviews.update(rolledBack(), rolledBack().release(tag("4.18.6"))).sre(), false, "payload-quarantined",
                PayloadQuarantine.LIFTED_BY);
    }

    @Test
    void aNewerPayloadIsAdmitted() {
        judged(AdmissionReviews.update(rolledBack(), rolledBack().release(tag("4.18.7"))), true, "upgrade-gate", null);
    }

    @Test
    void anSreLiftsTheQuarantineByNameAndThenTheUpdateIsAdmitted() {
        HostedClusters lifted = rolledBack().annotate(PayloadQuarantine.LIFTED_BY, RbacSimulator.SRE);
        judged(AdmissionReviews.update(rolledBack(), lifted.copy()), false, "quarantine-lift-unauthorised", "rollback verb");
        judged(AdmissionReviews.update(rolledBack(), rolledBack().annotate(PayloadQuarantine.LIFTED_BY, "someone-else")).sre(),
                false, "quarantine-lift-invalid", "write your own user name: " + RbacSimulator.SRE);
        judged(AdmissionReviews.update(rolledBack(), lifted.copy()).sre(), true, "quarantine-lifted",
                null);
        judged(AdmissionReviews.update(lifted.copy(), lifted.copy().release(tag("4.18.6"))), true, "upgrade-gate", null);
        judged(AdmissionReviews.update(lifted.copy(), rolledBack()).sre(), false, "quarantine-by-sidecar", "who lifted");
    }

    @Test
    void onlyTheSidecarWritesTheQuarantine() {
        HostedClusters without = rolledBack().annotate(PayloadQuarantine.ANNOTATION, null);
        judged(AdmissionReviews.update(rolledBack(), without.copy()).sre(), false, "quarantine-by-sidecar",
                "only the sidecar sets, changes or removes it");
        judged(AdmissionReviews.update(without.copy(), rolledBack()).sidecar(), true, "quarantine-recorded", null);
    }

    /** On 4.18.6 after 4.18.5, with a verified snapshot of 4.18.5 from before the update: eligible but for the floor. */
    private AdmissionReviews requestTo5(String name) {
        cluster.add(verifiedSnapshot(name + "-4.18.5", name, "4.18.5", tag("4.18.5"), null, Instant.now().minus(Duration.ofHours(3))));
        return AdmissionReviews.update(HostedClusters.onSixAfterFive(name),
                HostedClusters.onSixAfterFive(name).requestRollback("4.18.5", "INC-4711 ingress broken")).sre();
    }

    @Test
    void theFloorRefusesARollbackBelowItAndAMalformedEntryRefusesClearly() {
        cluster.setRollbackFloors(Map.of("4.18", "4.18.6"));
        judged(requestTo5("floor-below"), false, "below-rollback-floor",
                "4.18.5 is below the rollback floor of 4.18, 4.18.6 (ConfigMap hcp-rollback/hcp-rollback-rollback-floors)");
        cluster.setRollbackFloors(Map.of("4.18", "4.18.x"));
        judged(requestTo5("floor-malformed"), false, "rollback-floor-invalid", "'4.18': '4.18.x' is not a release version of 4.18");
        cluster.setRollbackFloors(Map.of("4.x", "4.18.1"));
        judged(requestTo5("floor-bad-key"), false, "rollback-floor-invalid", "'4.x' is not a minor version");
        cluster.setRollbackFloors(Map.of("4.18", "4.18.5", "4.17", "4.17.9"));
        judged(requestTo5("floor-at"), true, "request-recorded", null);
    }
}
