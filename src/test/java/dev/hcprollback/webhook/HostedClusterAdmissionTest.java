package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.digest;
import static dev.hcprollback.testing.HostedClusters.entry;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.ManagementCluster.verifiedSnapshot;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Every HostedCluster admission rule, allowed and refused, over HTTPS with AdmissionReview JSON as
 * the API server sends it. Each case uses a cluster of its own name, so the snapshots and
 * NodePools one case puts into the mock API server are invisible to the others.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class HostedClusterAdmissionTest {

    private static final Instant NOW = Instant.now();
    /** The default cluster's update to 4.18.6 started two hours ago; a snapshot from before it backs a rollback. */
    private static final Instant BEFORE_UPDATE = NOW.minus(Duration.ofHours(3));

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    @Inject
    ManagementCluster cluster;

    /** One row of the table: the world before the request, the request, and what the webhook must answer. */
    record Case(String name, Consumer<Given> given, Function<String, AdmissionReviews> request, boolean allowed,
            String rule, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** What a case puts into the management cluster before it asks. */
    record Given(ManagementCluster cluster, String name) {
        void snapshot(String version, String release, String controlPlaneRelease, Instant completed) {
            cluster.add(verifiedSnapshot(name + "-" + version + "-" + completed.getEpochSecond(), name, version, release,
                    controlPlaneRelease, completed));
        }

        void snapshotOf(ControlPlaneSnapshot snapshot) {
            cluster.add(snapshot);
        }

        void nodePool(String pool, String version) {
            cluster.addNodePool(name + "-" + pool, name, tag(version), version);
        }

        void rollback(RollbackPhase phase, Instant decidedAt, String toVersion) {
            cluster.addRollback(name + "-rollback", name, toVersion, phase, decidedAt);
        }

        void runningRollback(boolean pastPointOfNoReturn) {
            cluster.addRollback(name + "-rollback", name, "4.18.5", RollbackPhase.Running, NOW, pastPointOfNoReturn);
        }
    }

    /** An update started 30 h ago: its 24 h rollback window closed 6 h ago. */
    private static final Instant LONG_AGO = NOW.minus(Duration.ofHours(30));

    /** The snapshot before that update, and the rollback record the sidecar left when it decided. */
    private static Consumer<Given> decided(RollbackPhase phase, Instant decidedAt, String toVersion) {
        return given -> {
            given.snapshot("4.18.5", tag("4.18.5"), null, LONG_AGO.minus(Duration.ofHours(1)));
            given.rollback(phase, decidedAt, toVersion);
        };
    }

    /** The revert patch of a rollback of that update, on a cluster that links to its record (or not). */
    private static AdmissionReviews lateRevert(String name, boolean linked) {
        HostedClusters old = HostedClusters.fixture().named(name).release(tag("4.18.6")).requestRollback("4.18.5", "INC-4711")
                .history(entry("Completed", "4.18.6", tag("4.18.6"), LONG_AGO, LONG_AGO.plus(Duration.ofHours(1))),
                        entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofDays(9)), NOW.minus(Duration.ofDays(9))));
        if (linked) {
            old.annotate(RollbackNames.LINK_ANNOTATION, name + "-rollback");
        }
        return AdmissionReviews.update(old, old.copy().release(tag("4.18.5")));
    }

    private static Consumer<Given> nothing() {
        return given -> {
        };
    }

    private static Consumer<Given> verifiedSnapshotOf5() {
        return given -> given.snapshot("4.18.5", tag("4.18.5"), null, BEFORE_UPDATE);
    }

    private static HostedClusters on6(String name) {
        return HostedClusters.onSixAfterFive(name);
    }

    private static AdmissionReviews downgradeTo5(String name) {
        return AdmissionReviews.update(on6(name), on6(name).release(tag("4.18.5")));
    }

    private static AdmissionReviews requestedDowngradeTo5(String name) {
        return AdmissionReviews.update(on6(name).requestRollback("4.18.5", "INC-4711 ingress broken after 4.18.6"),
                on6(name).requestRollback("4.18.5", "INC-4711 ingress broken after 4.18.6").release(tag("4.18.5")));
    }

    /** A cluster whose history names payloads by digest only, as a disconnected or mirrored set-up reports them. */
    private static HostedClusters onDigests(String name) {
        Instant now = Instant.now();
        return HostedClusters.fixture().named(name).release(digest('6')).history(
                entry("Completed", "4.18.6", digest('6'), now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(80))),
                entry("Completed", "4.18.5", digest('5'), now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(20))));
    }

    static Stream<Case> cases() {
        return Stream.of(
                // --- the customer's paths: every downgrade refused, with the documented message ---
                new Case("customer downgrade by tag", verifiedSnapshotOf5(), n -> downgradeTo5(n),
                        false, "rollback-not-requested",
                        "spec.release.image moves from 4.18.6 to 4.18.5, an older payload. Downgrades are applied only as a service-led rollback"),
                new Case("customer downgrade by digest", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(onDigests(n), onDigests(n).release(digest('5'))),
                        false, "rollback-not-requested", "spec.release.image moves from 4.18.6 to 4.18.5"),
                new Case("customer downgrade through controlPlaneRelease only", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).controlPlaneRelease(tag("4.18.5"))),
                        false, "rollback-not-requested", "spec.controlPlaneRelease.image moves from 4.18.6 to 4.18.5"),
                new Case("customer downgrade as a dry run", verifiedSnapshotOf5(), n -> downgradeTo5(n).dryRun(),
                        false, "rollback-not-requested", "moves from 4.18.6 to 4.18.5"),
                new Case("customer sets the rollback annotations", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "we want it back")),
                        false, "request-unauthorised",
                        "only the managed service's SREs may set, change or remove the rollback.hypershift.openshift.io/* annotations: RBAC does not grant customer-admin the verb rollback"),
                new Case("customer sets annotations and downgrades at once", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "x").release(tag("4.18.5"))),
                        false, "request-unauthorised", "customer-admin"),
                new Case("customer downgrade when an SRE already requested it", verifiedSnapshotOf5(),
                        n -> requestedDowngradeTo5(n), false, "rollback-unauthorised",
                        "spec.release.image moves from 4.18.6 to 4.18.5, an older payload, and RBAC does not grant customer-admin"),
                new Case("customer switches an SRE's request to PayloadOnly", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"), on6(n).requestRollback("4.18.5", "INC-1")
                                .annotate("rollback.hypershift.openshift.io/strategy", "PayloadOnly")),
                        false, "request-unauthorised", "customer-admin"),
                new Case("customer opts the cluster into automatic rollback", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).annotate("rollback.hypershift.openshift.io/auto-rollback", "true")),
                        false, "request-unauthorised",
                        "only the managed service's SREs may set, change or remove the rollback.hypershift.openshift.io/* annotations"),
                new Case("customer removes an SRE's automatic-rollback opt-in", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n).annotate("rollback.hypershift.openshift.io/auto-rollback", "true"), on6(n)),
                        false, "request-unauthorised", "customer-admin"),
                new Case("SRE opts the cluster into automatic rollback", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).annotate("rollback.hypershift.openshift.io/auto-rollback", "true")).sre(),
                        true, "request-recorded", null),
                new Case("sidecar files its automatic rollback request", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n).annotate("rollback.hypershift.openshift.io/auto-rollback", "true"),
                                on6(n).annotate("rollback.hypershift.openshift.io/auto-rollback", "true")
                                        .requestRollback("4.18.5", "automatic: Degraded")).sidecar(),
                        true, "request-recorded", null),
                new Case("customer removes an SRE's request", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"), on6(n)),
                        false, "request-unauthorised", "customer-admin"),

                // --- the cancel: authorised like the request, in the canceller's own name, before the point of no return ---
                new Case("customer cancels an SRE's rollback", given -> given.runningRollback(false),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"), on6(n).requestRollback("4.18.5", "INC-1")
                                .annotate("rollback.hypershift.openshift.io/cancel", "customer-admin")),
                        false, "request-unauthorised", "customer-admin"),
                new Case("SRE cancels in another user's name", given -> given.runningRollback(false),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"), on6(n).requestRollback("4.18.5", "INC-1")
                                .annotate("rollback.hypershift.openshift.io/cancel", "someone-else")).sre(),
                        false, "cancel-not-own-name", "rollback.hypershift.openshift.io/cancel is 'someone-else'; it takes exactly your own user name, '"
                                + RbacSimulator.SRE + "'"),
                new Case("SRE cancels before the point of no return", given -> given.runningRollback(false),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"), on6(n).requestRollback("4.18.5", "INC-1")
                                .annotate("rollback.hypershift.openshift.io/cancel", RbacSimulator.SRE)).sre(),
                        true, "cancel-recorded", null),
                new Case("SRE cancels past the point of no return", given -> given.runningRollback(true),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"), on6(n).requestRollback("4.18.5", "INC-1")
                                .annotate("rollback.hypershift.openshift.io/cancel", RbacSimulator.SRE)).sre(),
                        false, "cancel-past-point-of-no-return", "has passed its point of no return (step Swap): etcd's data or the"
                                + " payload may already be changed, so it always finishes and cannot be cancelled"),
                new Case("SRE requests again while a cancel is set", nothing(),
                        n -> AdmissionReviews.update(on6(n).annotate("rollback.hypershift.openshift.io/cancel", RbacSimulator.SRE),
                                on6(n).annotate("rollback.hypershift.openshift.io/cancel", RbacSimulator.SRE)
                                        .requestRollback("4.18.5", "INC-2")).sre(),
                        false, "cancel-pending", "remove the cancel annotation first"),

                // --- changes that are not downgrades ---
                new Case("label change", nothing(), n -> AdmissionReviews.update(on6(n), on6(n).annotate("team", "payments")),
                        true, "no-release-change", null),
                new Case("new cluster", nothing(), n -> AdmissionReviews.hostedCluster("CREATE", null, on6(n)),
                        true, "no-release-change", null),
                new Case("upgrade with a fresh snapshot of the current payload",
                        given -> given.snapshot("4.18.6", tag("4.18.6"), null, NOW.minus(Duration.ofMinutes(10))),
                        n -> AdmissionReviews.update(on6(n), on6(n).release(tag("4.18.7"))), true, "upgrade", null),
                new Case("upgrade with no snapshot (gate warns)", nothing(),
                        n -> AdmissionReviews.update(on6(n), on6(n).release(tag("4.18.7"))), true, "upgrade-gate", null),
                new Case("customer: payload of unknown version", nothing(),
                        n -> AdmissionReviews.update(on6(n), on6(n).release(digest('f'))), false, "unknown-payload",
                        "It could be an older payload, so the change needs the rollback verb"),
                new Case("SRE: payload of unknown version", nothing(),
                        n -> AdmissionReviews.update(on6(n), on6(n).release(digest('f'))).sre(), true, "unknown-version", null),
                new Case("tag to digest of the same version", nothing(),
                        n -> AdmissionReviews.update(onDigests(n).release(tag("4.18.6")), onDigests(n)), true, "same-version", null),

                // --- the SRE's request annotations ---
                new Case("SRE requests a backed rollback", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "INC-4711")).sre(),
                        true, "request-recorded", null),
                new Case("SRE requests a rollback with no snapshot", nothing(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "INC-4711")).sre(),
                        false, "no-verified-snapshot",
                        "is Succeeded and verified for release quay.io/openshift-release-dev/ocp-release:4.18.5-x86_64 and completed before the update started at"),
                new Case("SRE requests two updates back", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.4", "INC-4711")).sre(),
                        false, "not-previous-version",
                        "4.18.4 is not the version spec.release.image ran before 4.18.6; the most recent Completed version before it is 4.18.5"),
                new Case("SRE requests a y-stream rollback", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.17.12", "INC-4711")).sre(),
                        false, "y-stream-rollback", "crosses minor versions; only a z-stream rollback within 4.18 is supported"),
                new Case("SRE request without a reason", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "   ")).sre(),
                        false, "rollback-reason-missing", "needs a non-blank rollback.hypershift.openshift.io/reason"),
                new Case("SRE request naming no version", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("previous", "INC-4711")).sre(),
                        false, "rollback-version-mismatch", "'previous', which is not a release version"),
                // one parser for the webhook and the controllers: a flag or strategy spelled otherwise is refused,
                // never read as the data-losing default (a real rollback, an etcd restore)
                new Case("SRE dry run spelled 'yes'", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "INC-4711")
                                .annotate(RollbackRequest.DRY_RUN, "yes")).sre(),
                        false, "request-annotation-invalid",
                        "rollback.hypershift.openshift.io/dry-run is 'yes'; it takes exactly 'true' or 'false', or no annotation"),
                new Case("SRE dry run spelled 'True'", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "INC-4711")
                                .annotate(RollbackRequest.DRY_RUN, "True")).sre(),
                        false, "request-annotation-invalid", "dry-run is 'True'"),
                new Case("SRE dry run with a space", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "INC-4711")
                                .annotate(RollbackRequest.DRY_RUN, "true ")).sre(),
                        false, "request-annotation-invalid", "dry-run is 'true '"),
                new Case("SRE dry run 'true' exactly", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "INC-4711")
                                .annotate(RollbackRequest.DRY_RUN, "true")).sre(),
                        true, "request-recorded", null),
                new Case("SRE strategy in lower case", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback("4.18.5", "INC-4711")
                                .annotate(RollbackRequest.STRATEGY, "payloadonly")).sre(),
                        false, "request-annotation-invalid",
                        "strategy is 'payloadonly'; it takes exactly 'RestoreEtcd' or 'PayloadOnly', or no annotation"),
                new Case("SRE opts in to automatic rollbacks with 'yes'", nothing(),
                        n -> AdmissionReviews.update(on6(n), on6(n).annotate(RollbackRequest.AUTO_ROLLBACK, "yes")).sre(),
                        false, "request-annotation-invalid", "auto-rollback is 'yes'"),
                new Case("SRE version with a leading space", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n), on6(n).requestRollback(" 4.18.5", "INC-4711")).sre(),
                        false, "to-version-not-canonical", "write the version as 4.18.5"),
                new Case("SRE withdraws a request", nothing(),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"), on6(n)).sre(),
                        true, "request-recorded", null),

                // --- the downgrade itself ---
                new Case("SRE downgrade, RBAC-authorised and backed", verifiedSnapshotOf5(), n -> requestedDowngradeTo5(n).sre(),
                        true, "rollback-admitted", null),
                new Case("allow-listed SRE downgrade", verifiedSnapshotOf5(),
                        n -> requestedDowngradeTo5(n).by(RbacSimulator.ALLOW_LISTED_SRE, "system:authenticated"),
                        true, "rollback-admitted", null),
                new Case("authorizer down: the allow-list still decides", verifiedSnapshotOf5(),
                        n -> requestedDowngradeTo5(n).by(RbacSimulator.ALLOW_LISTED_SRE, RbacSimulator.OUTAGE_GROUP),
                        true, "rollback-admitted", null),
                new Case("authorizer down: everyone else refused, saying why", verifiedSnapshotOf5(),
                        n -> requestedDowngradeTo5(n).by("sre-carol", RbacSimulator.SRE_GROUP, RbacSimulator.OUTAGE_GROUP),
                        false, "rollback-unauthorised", "the RBAC check (SubjectAccessReview) could not be made"),
                new Case("sidecar applies the rollback", verifiedSnapshotOf5(), n -> requestedDowngradeTo5(n).sidecar(),
                        true, "rollback-admitted", null),
                new Case("SRE downgrade as a dry run", verifiedSnapshotOf5(), n -> requestedDowngradeTo5(n).sre().dryRun(),
                        true, "rollback-admitted", null),
                new Case("downgrade to a version the request does not name", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n).requestRollback("4.18.5", "INC-1"),
                                on6(n).requestRollback("4.18.5", "INC-1").release(tag("4.18.4"))).sre(),
                        false, "rollback-version-mismatch", "names 4.18.5, not 4.18.4"),
                new Case("downgrade after the rollback window",
                        given -> given.snapshot("4.18.5", tag("4.18.5"), null, NOW.minus(Duration.ofHours(40))),
                        n -> {
                            HostedClusters old = HostedClusters.fixture().named(n).release(tag("4.18.6"))
                                    .requestRollback("4.18.5", "INC-1").history(
                                            entry("Completed", "4.18.6", tag("4.18.6"), NOW.minus(Duration.ofHours(30)), NOW.minus(Duration.ofHours(29))),
                                            entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofDays(9)), NOW.minus(Duration.ofDays(9))));
                            return AdmissionReviews.update(old, old.copy().release(tag("4.18.5"))).sre();
                        },
                        false, "rollback-window-expired", "more than the rollback window of 24h ago; roll forward instead"),
                // a rollback decided inside its window finishes after the window closed: the sidecar's own revert
                // is judged as of the decision its running record holds, nobody else's and nothing else
                new Case("the sidecar's revert of a rollback decided inside the window, after it closed",
                        decided(RollbackPhase.Running, NOW.minus(Duration.ofHours(7)), "4.18.5"), n -> lateRevert(n, true).sidecar(),
                        true, "rollback-admitted", null),
                new Case("an SRE's downgrade after the window, a rollback decided inside it running",
                        decided(RollbackPhase.Running, NOW.minus(Duration.ofHours(7)), "4.18.5"), n -> lateRevert(n, true).sre(),
                        false, "rollback-window-expired", "more than the rollback window of 24h ago"),
                new Case("the sidecar's revert after the window, its rollback no longer running",
                        decided(RollbackPhase.Failed, NOW.minus(Duration.ofHours(7)), "4.18.5"), n -> lateRevert(n, true).sidecar(),
                        false, "rollback-window-expired", "more than the rollback window of 24h ago"),
                new Case("the sidecar's revert after the window, the cluster linking to no record",
                        decided(RollbackPhase.Running, NOW.minus(Duration.ofHours(7)), "4.18.5"), n -> lateRevert(n, false).sidecar(),
                        false, "rollback-window-expired", "more than the rollback window of 24h ago"),
                new Case("the sidecar's revert of a rollback decided after the window closed",
                        decided(RollbackPhase.Running, NOW.minus(Duration.ofHours(1)), "4.18.5"), n -> lateRevert(n, true).sidecar(),
                        false, "rollback-window-expired", "more than the rollback window of 24h ago"),
                new Case("snapshot taken after the update started",
                        given -> given.snapshot("4.18.5", tag("4.18.5"), null, NOW.minus(Duration.ofMinutes(30))),
                        n -> requestedDowngradeTo5(n).sre(), false, "no-verified-snapshot", "completed before the update started"),
                new Case("snapshot whose read-back failed", given -> {
                    // as the snapshot controller leaves one whose stored object did not hash back right
                    ControlPlaneSnapshot unverified = verifiedSnapshot(given.name() + "-unverified", given.name(), "4.18.5",
                            tag("4.18.5"), null, BEFORE_UPDATE);
                    unverified.getStatus().setVerified(false);
                    unverified.getStatus().setPhase(SnapshotPhase.Failed);
                    unverified.getStatus().setMessage("HashMismatch: the stored object does not hash to what was streamed");
                    given.snapshotOf(unverified);
                }, n -> requestedDowngradeTo5(n).sre(), false, "no-verified-snapshot", "(Failed, 4.18.5, not verified)"),
                new Case("snapshot of another payload", given -> given.snapshot("4.18.4", tag("4.18.4"), null, BEFORE_UPDATE),
                        n -> requestedDowngradeTo5(n).sre(), false, "no-verified-snapshot", "Snapshots of this cluster:"),
                new Case("both release fields, snapshot of both payloads",
                        given -> given.snapshot("4.18.5", tag("4.18.5"), tag("4.18.5"), BEFORE_UPDATE),
                        n -> AdmissionReviews.update(on6(n).controlPlaneRelease(tag("4.18.6")).requestRollback("4.18.5", "INC-1"),
                                on6(n).requestRollback("4.18.5", "INC-1").release(tag("4.18.5"))
                                        .controlPlaneRelease(tag("4.18.5"))).sre(),
                        true, "rollback-admitted", null),
                new Case("both release fields, snapshot of release only", verifiedSnapshotOf5(),
                        n -> AdmissionReviews.update(on6(n).controlPlaneRelease(tag("4.18.6")).requestRollback("4.18.5", "INC-1"),
                                on6(n).requestRollback("4.18.5", "INC-1").release(tag("4.18.5"))
                                        .controlPlaneRelease(tag("4.18.5"))).sre(),
                        false, "no-verified-snapshot",
                        "with controlPlaneRelease quay.io/openshift-release-dev/ocp-release:4.18.5-x86_64"),
                new Case("digest rollback backed by a digest snapshot",
                        given -> given.snapshot("4.18.5", digest('5'), null, BEFORE_UPDATE),
                        n -> AdmissionReviews.update(onDigests(n).requestRollback("4.18.5", "INC-1"),
                                onDigests(n).requestRollback("4.18.5", "INC-1").release(digest('5'))).sre(),
                        true, "rollback-admitted", null),
                new Case("NodePool a minor ahead", given -> {
                    verifiedSnapshotOf5().accept(given);
                    given.nodePool("workers", "4.19.1");
                }, n -> requestedDowngradeTo5(n).sre(), false, "nodepool-newer-minor", "runs 4.19.1, a newer minor than 4.18.5"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void judges(Case c) {
        String name = "hc-" + Integer.toHexString(c.name().hashCode());
        c.given().accept(new Given(cluster, name));
        AdmissionReviews review = c.request().apply(name);

        new WebhookClient(webhook).judged("/validate/hostedclusters", review, c.allowed(), c.rule(), c.message());
    }

    /** Every annotation that sets a control-plane component's image, from HyperShift's API (see the list). */
    static Stream<String> imageAnnotations() {
        return HostedCluster.IMAGE_ANNOTATIONS.stream();
    }

    @ParameterizedTest(name = "{0}: a customer may not set or remove it, an SRE may")
    @MethodSource("imageAnnotations")
    void imageAnnotationNeedsTheRollbackVerb(String key) {
        String name = "hc-i-" + Integer.toHexString(key.hashCode());
        String image = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "c".repeat(64);
        WebhookClient client = new WebhookClient(webhook);
        String refusal = "[image-override-unauthorised] setting, changing or removing " + key + " swaps control-plane images"
                + " (possibly for older ones), so it needs the rollback verb, and RBAC does not grant customer-admin the verb"
                + " rollback on hostedclusters.hypershift.openshift.io in namespace " + HostedClusters.NAMESPACE
                + ", and the user is on no allow-list. These are debugging levers for the managed service's SREs.";

        client.judged("/validate/hostedclusters", AdmissionReviews.update(on6(name), on6(name).annotate(key, image)),
                false, "image-override-unauthorised", null)
                .body("response.status.message", equalTo(refusal));
        client.judged("/validate/hostedclusters", AdmissionReviews.update(on6(name).annotate(key, image), on6(name)),
                false, "image-override-unauthorised", null)
                .body("response.status.message", equalTo(refusal));
        client.judged("/validate/hostedclusters", AdmissionReviews.update(on6(name), on6(name).annotate(key, image)).sre(),
                true, "image-override-authorised", null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("warningCases")
    void warns(Case c) {
        String name = "hc-w-" + Integer.toHexString(c.name().hashCode());
        c.given().accept(new Given(cluster, name));
        new WebhookClient(webhook).review("/validate/hostedclusters", c.request().apply(name))
                .statusCode(200)
                .body("response.allowed", equalTo(c.allowed()))
                .body("response.auditAnnotations.rule", equalTo(c.rule()))
                .body("response.warnings", hasItem(containsString(c.message())));
    }

    static Stream<Case> warningCases() {
        return Stream.of(
                new Case("NodePool on the newer z-stream stays there", given -> {
                    verifiedSnapshotOf5().accept(given);
                    given.nodePool("workers", "4.18.6");
                }, n -> requestedDowngradeTo5(n).sre(), true, "rollback-admitted",
                        "-workers stays on 4.18.6; workers are not rolled back"),
                new Case("upgrade without a snapshot", nothing(),
                        n -> AdmissionReviews.update(on6(n), on6(n).release(tag("4.18.7"))), true, "upgrade-gate",
                        "no verified ControlPlaneSnapshot of the current payload (4.18.6) younger than 12h exists"),
                new Case("payload of unknown version, by an SRE", nothing(),
                        n -> AdmissionReviews.update(on6(n), on6(n).release(digest('e'))).sre(), true, "unknown-version",
                        "cannot tell the version of spec.release.image payload quay.io/openshift-release-dev/ocp-release@sha256:eee"));
    }
}
