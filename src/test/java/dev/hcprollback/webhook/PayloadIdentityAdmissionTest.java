package dev.hcprollback.webhook;

import static dev.hcprollback.testing.HostedClusters.REPO;
import static dev.hcprollback.testing.HostedClusters.digest;
import static dev.hcprollback.testing.HostedClusters.entry;
import static dev.hcprollback.testing.HostedClusters.tag;
import static dev.hcprollback.testing.ManagementCluster.verifiedSnapshot;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.registry.ReleaseImageLookup;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.FakeReleaseRegistry;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.RbacSimulator;
import dev.hcprollback.testing.WebhookClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * One payload identity at the gate, over HTTPS: the cases of "one payload identity everywhere" and
 * their kin. The world of every case: cluster on 4.18.6 by tag, its history naming 4.18.6, 4.18.5 and
 * 4.18.4 by digest, a verified pre-upgrade snapshot that recorded 4.18.5 by tag. The registry is a
 * stand-in ({@link FakeReleaseRegistry}); the mock API server has no RBAC, {@link RbacSimulator} answers
 * the SubjectAccessReviews.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class PayloadIdentityAdmissionTest {

    private static final Instant NOW = Instant.now();
    private static final Instant BEFORE_UPDATE = NOW.minus(Duration.ofHours(3));
    /** The 4.18.5 payload through another repository, by the digest the history records. */
    private static final String MIRROR_OF_5 = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "5".repeat(64);
    private static final String OVERRIDES = HostedCluster.IMAGE_OVERRIDES;
    private static final String CPO_IMAGE = HostedCluster.CONTROL_PLANE_OPERATOR_IMAGE;

    @TestHTTPResource(value = "/", tls = true)
    URL webhook;

    @Inject
    ManagementCluster cluster;

    FakeReleaseRegistry registry;

    @BeforeEach
    void registry() {
        registry = new FakeReleaseRegistry();
        QuarkusMock.installMockForType(registry, ReleaseImageLookup.class);
    }

    record Case(String name, Consumer<Given> given, Function<String, AdmissionReviews> request, boolean allowed,
            String rule, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    record Given(ManagementCluster cluster, String name) {
        /** The verified pre-upgrade snapshot of 4.18.5, recorded by tag, of this cluster (its uid). */
        void snapshotOf5() {
            add(verifiedSnapshot(name + "-5", name, "4.18.5", tag("4.18.5"), null, BEFORE_UPDATE));
        }

        void add(ControlPlaneSnapshot snapshot) {
            cluster.add(snapshot);
        }
    }

    /** Cluster {@code name} on 4.18.6 (tag), its history by digest. */
    static HostedClusters demo(String name) {
        return HostedClusters.fixture().named(name).release(tag("4.18.6")).history(
                entry("Completed", "4.18.6", digest('6'), NOW.minus(Duration.ofHours(1)), NOW.minus(Duration.ofMinutes(40))),
                entry("Completed", "4.18.5", digest('5'), NOW.minus(Duration.ofDays(20)), NOW.minus(Duration.ofDays(20))),
                entry("Completed", "4.18.4", digest('4'), NOW.minus(Duration.ofDays(50)), NOW.minus(Duration.ofDays(50))));
    }

    /** On 4.18.6, first pinned by tag two hours ago, re-pinned to its digest ten minutes ago. */
    static HostedClusters rePinned(String name) {
        return HostedClusters.fixture().named(name).release(digest('6')).history(
                entry("Completed", "4.18.6", digest('6'), NOW.minus(Duration.ofMinutes(10)), NOW.minus(Duration.ofMinutes(9))),
                entry("Completed", "4.18.6", tag("4.18.6"), NOW.minus(Duration.ofHours(2)), NOW.minus(Duration.ofMinutes(80))),
                entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofDays(20)), NOW.minus(Duration.ofDays(20))));
    }

    /** Back on 4.18.5 after an earlier rollback: 4.18.5, 4.18.6, 4.18.5. */
    static HostedClusters afterARollback(String name) {
        return HostedClusters.fixture().named(name).release(tag("4.18.5")).history(
                entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofHours(1)), NOW.minus(Duration.ofMinutes(30))),
                entry("Completed", "4.18.6", tag("4.18.6"), NOW.minus(Duration.ofHours(6)), NOW.minus(Duration.ofHours(5))),
                entry("Completed", "4.18.5", tag("4.18.5"), NOW.minus(Duration.ofDays(20)), NOW.minus(Duration.ofDays(20))));
    }

    static AdmissionReviews customerSets(String name, String image) {
        return AdmissionReviews.update(demo(name), demo(name).release(image));
    }

    static AdmissionReviews sreRequests(HostedClusters cluster, String toVersion) {
        return AdmissionReviews.update(cluster.copy(), cluster.copy().requestRollback(toVersion, "INC-4711")).sre();
    }

    static AdmissionReviews requestedDowngrade(String name, String image) {
        HostedClusters requested = demo(name).requestRollback("4.18.5", "INC-4711");
        return AdmissionReviews.update(requested.copy(), requested.copy().release(image));
    }

    static Consumer<Given> snapshotOf5() {
        return Given::snapshotOf5;
    }

    static Consumer<Given> nothing() {
        return given -> {
        };
    }

    static Stream<Case> cases() {
        return Stream.of(
                // --- case 1 and kin: one payload by digest, whatever the repository or tag beside it ---
                new Case("customer: 4.18.5 by digest through a mirror repository", snapshotOf5(),
                        n -> customerSets(n, MIRROR_OF_5), false, "rollback-not-requested",
                        "spec.release.image moves from 4.18.6 to 4.18.5, an older payload."),
                new Case("customer: 4.18.5 digest behind a 4.18.7 tag", snapshotOf5(),
                        n -> customerSets(n, REPO + ":4.18.7-x86_64@sha256:" + "5".repeat(64)), false,
                        "rollback-not-requested", "moves from 4.18.6 to 4.18.5"),
                new Case("customer: controlPlaneRelease to the 4.18.5 mirror digest", snapshotOf5(),
                        n -> AdmissionReviews.update(demo(n), demo(n).controlPlaneRelease(MIRROR_OF_5)), false,
                        "rollback-not-requested", "spec.controlPlaneRelease.image moves from 4.18.6 to 4.18.5"),
                new Case("customer: the running 4.18.6 through a mirror", nothing(),
                        n -> customerSets(n, "mirror.corp.example:8443/ocp/art-dev@sha256:" + "6".repeat(64)), true,
                        "same-version", null),
                new Case("customer: tag@digest of the running 4.18.6", nothing(),
                        n -> customerSets(n, tag("4.18.6") + "@sha256:" + "6".repeat(64)), true, "same-version", null),
                new Case("customer: a digest only a snapshot recorded (4.18.3)", given -> {
                    ControlPlaneSnapshot old = verifiedSnapshot(given.name() + "-3", given.name(), "4.18.3", digest('3'), null,
                            NOW.minus(Duration.ofDays(80)));
                    given.add(old);
                }, n -> customerSets(n, "mirror.example/art-dev@sha256:" + "3".repeat(64)), false, "rollback-not-requested",
                        "moves from 4.18.6 to 4.18.3"),

                // --- case 2 and kin: a digest the cluster never reported ---
                new Case("customer: unknown digest, registry down", nothing(), n -> customerSets(n, digest('f')), false,
                        "unknown-payload", "spec.release.image changes to " + digest('f') + ", whose version hcp-rollback"
                                + " cannot tell: neither this cluster's version history nor its snapshots name the digest, and"
                                + " the registry could not tell (registry quay.io did not answer within 2s). It could be an older"
                                + " payload, so the change needs the rollback verb, and RBAC does not grant customer-admin"),
                new Case("customer: unknown digest, message says how to proceed", nothing(), n -> customerSets(n, digest('f')),
                        false, "unknown-payload", "To proceed, name the payload by a tag that carries its version"),
                new Case("customer: digest the registry knows as 4.18.5", snapshotOf5(),
                        n -> customerSets(n, digest(FakeReleaseRegistry.KNOWS_4_18_5)), false, "rollback-not-requested",
                        "moves from 4.18.6 to 4.18.5"),
                new Case("customer: digest the registry knows as 4.18.7", nothing(),
                        n -> customerSets(n, digest(FakeReleaseRegistry.KNOWS_4_18_7)), true, "upgrade-gate", null),
                new Case("customer: digest whose image has no release label", nothing(),
                        n -> customerSets(n, digest(FakeReleaseRegistry.NO_LABEL)), false, "unknown-payload",
                        "its image config in the registry carries no io.openshift.release label"),
                new Case("SRE: unknown digest, registry down", nothing(), n -> customerSets(n, digest('f')).sre(), true,
                        "unknown-version", null),
                new Case("sidecar: unknown digest, registry down", nothing(), n -> customerSets(n, digest('f')).sidecar(),
                        true, "unknown-version", null),

                // --- case 3 and kin: the snapshot by tag backs the history's digest ---
                new Case("SRE: request backed by a tag snapshot of a digest history", snapshotOf5(),
                        n -> sreRequests(demo(n), "4.18.5"), true, "request-recorded", null),
                new Case("SRE: requested downgrade to the history's digest", snapshotOf5(),
                        n -> requestedDowngrade(n, digest('5')).sre(), true, "rollback-admitted", null),
                new Case("SRE: requested downgrade through the mirror", snapshotOf5(),
                        n -> requestedDowngrade(n, MIRROR_OF_5).sre(), true, "rollback-admitted", null),
                new Case("sidecar: applies the requested downgrade by digest", snapshotOf5(),
                        n -> requestedDowngrade(n, digest('5')).sidecar(), true, "rollback-admitted", null),
                new Case("SRE: the snapshot recorded another digest of 4.18.5", given -> {
                    ControlPlaneSnapshot otherArch = verifiedSnapshot(given.name() + "-arm", given.name(), "4.18.5",
                            REPO + ":4.18.5-aarch64", null, BEFORE_UPDATE);
                    otherArch.getStatus().setReleaseDigest("sha256:" + "7".repeat(64));
                    given.add(otherArch);
                }, n -> requestedDowngrade(n, digest('5')).sre(), false, "no-verified-snapshot",
                        "is Succeeded and verified for release " + digest('5')),
                new Case("customer: requested downgrade through the mirror", snapshotOf5(),
                        n -> requestedDowngrade(n, MIRROR_OF_5), false, "rollback-unauthorised", "customer-admin"),

                // --- case 4: strictly older, history read as versions ---
                new Case("SRE: to-version newer than the current version", given -> given.add(verifiedSnapshot(
                        given.name() + "-6", given.name(), "4.18.6", tag("4.18.6"), null, NOW.minus(Duration.ofHours(7)))),
                        n -> sreRequests(afterARollback(n), "4.18.6"), false, "target-not-older",
                        "4.18.6 is not older than 4.18.5, the current version of spec.release.image: a move to it is an update, not a rollback"),
                new Case("SRE: to-version equal to the current version", snapshotOf5(),
                        n -> sreRequests(demo(n), "4.18.6"), false, "target-not-older", "4.18.6 is not older than 4.18.6"),
                new Case("SRE: re-pinned history, the previous version is 4.18.5", snapshotOf5(),
                        n -> sreRequests(rePinned(n), "4.18.5"), true, "request-recorded", null),
                new Case("SRE: re-pinned history, snapshot taken during the first pin", given -> given.add(verifiedSnapshot(
                        given.name() + "-late", given.name(), "4.18.5", tag("4.18.5"), null, NOW.minus(Duration.ofMinutes(30)))),
                        n -> sreRequests(rePinned(n), "4.18.5"), false, "no-verified-snapshot",
                        "completed before the update started at"),
                new Case("customer: re-pin from tag to digest", nothing(),
                        n -> AdmissionReviews.update(rePinned(n).release(tag("4.18.6")), rePinned(n)), true, "same-version", null),

                // --- case 5: one spelling of a version ---
                new Case("SRE: to-version v4.18.5", snapshotOf5(), n -> sreRequests(demo(n), "v4.18.5"), false,
                        "to-version-not-canonical", "rollback.hypershift.openshift.io/to-version is 'v4.18.5'; write the version as 4.18.5"),
                new Case("SRE: to-version 4.18.05", snapshotOf5(), n -> sreRequests(demo(n), "4.18.05"), false,
                        "to-version-not-canonical", "write the version as 4.18.5"),
                new Case("SRE: to-version 4.18.5-x86_64", snapshotOf5(), n -> sreRequests(demo(n), "4.18.5-x86_64"), false,
                        "to-version-not-canonical", "'4.18.5-x86_64'; write the version as 4.18.5"),

                // --- case 6, second half: a snapshot backs only the cluster whose uid it recorded ---
                new Case("SRE: the only snapshot was re-pointed from another cluster", given -> {
                    ControlPlaneSnapshot foreign = verifiedSnapshot(given.name() + "-foreign", given.name(), "4.18.5",
                            tag("4.18.5"), null, BEFORE_UPDATE);
                    foreign.getStatus().setHostedClusterUid("0a0b0c0d-0000-4000-8000-000000000001");
                    given.add(foreign);
                }, n -> sreRequests(demo(n), "4.18.5"), false, "no-verified-snapshot",
                        "taken of another HostedCluster (uid 0a0b0c0d-0000-4000-8000-000000000001)"),
                new Case("SRE: the only snapshot records no uid", given -> {
                    ControlPlaneSnapshot old = verifiedSnapshot(given.name() + "-old", given.name(), "4.18.5", tag("4.18.5"),
                            null, BEFORE_UPDATE);
                    old.getStatus().setHostedClusterUid(null);
                    given.add(old);
                }, n -> sreRequests(demo(n), "4.18.5"), false, "no-verified-snapshot", "records no HostedCluster uid"),

                // --- the image annotations ---
                new Case("customer: sets image-overrides", nothing(),
                        n -> AdmissionReviews.update(demo(n), demo(n).annotate(OVERRIDES, "cluster-version-operator=quay.io/x/cvo@sha256:" + "1".repeat(64))),
                        false, "image-override-unauthorised",
                        "setting, changing or removing hypershift.openshift.io/image-overrides swaps control-plane images"),
                new Case("customer: changes control-plane-operator-image", nothing(),
                        n -> AdmissionReviews.update(demo(n).annotate(CPO_IMAGE, "quay.io/x/cpo:1"),
                                demo(n).annotate(CPO_IMAGE, "quay.io/x/cpo:0")),
                        false, "image-override-unauthorised", "RBAC does not grant customer-admin the verb rollback"),
                new Case("customer: removes control-plane-operator-image", nothing(),
                        n -> AdmissionReviews.update(demo(n).annotate(CPO_IMAGE, "quay.io/x/cpo:1"), demo(n)),
                        false, "image-override-unauthorised", "hypershift.openshift.io/control-plane-operator-image"),
                new Case("customer: creates a cluster with image-overrides", nothing(),
                        n -> AdmissionReviews.hostedCluster("CREATE", null, demo(n).annotate(OVERRIDES, "a=b")),
                        false, "image-override-unauthorised", "image-overrides"),
                new Case("customer: another annotation beside unchanged overrides", nothing(),
                        n -> AdmissionReviews.update(demo(n).annotate(OVERRIDES, "a=b"),
                                demo(n).annotate(OVERRIDES, "a=b").annotate("team", "payments")),
                        true, "no-release-change", null),
                new Case("SRE: sets control-plane-operator-image", nothing(),
                        n -> AdmissionReviews.update(demo(n), demo(n).annotate(CPO_IMAGE, "quay.io/x/cpo:debug")).sre(),
                        true, "image-override-authorised", null),
                new Case("sidecar: removes image-overrides", nothing(),
                        n -> AdmissionReviews.update(demo(n).annotate(OVERRIDES, "a=b"), demo(n)).sidecar(),
                        true, "image-override-authorised", null),
                new Case("SRE: overrides and a downgrade without a request", snapshotOf5(),
                        n -> AdmissionReviews.update(demo(n), demo(n).annotate(OVERRIDES, "a=b").release(MIRROR_OF_5)).sre(),
                        false, "rollback-not-requested", "moves from 4.18.6 to 4.18.5"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void judges(Case c) {
        String name = "pi-" + Integer.toHexString(c.name().hashCode());
        c.given().accept(new Given(cluster, name));
        AdmissionReviews review = c.request().apply(name);

        new WebhookClient(webhook).judged("/validate/hostedclusters", review, c.allowed(), c.rule(), c.message());
    }

    @Test
    void anAuthorisedUnknownPayloadIsAdmittedWithAWarning() {
        new WebhookClient(webhook).review("/validate/hostedclusters", customerSets("pi-sre-unknown", digest('e')).sre())
                .statusCode(200)
                .body("response.allowed", equalTo(true))
                .body("response.auditAnnotations.rule", equalTo("unknown-version"))
                .body("response.warnings", hasItem(containsString("cannot tell the version of spec.release.image payload "
                        + digest('e') + " (neither this cluster's version history nor its snapshots name the digest")));
    }

    @Test
    void theRegistryIsAskedWithTheControlPlanesPullSecretAndOnlyForUnknownDigests() {
        new WebhookClient(webhook).review("/validate/hostedclusters",
                customerSets("pi-registry", digest(FakeReleaseRegistry.KNOWS_4_18_9))).statusCode(200);
        new WebhookClient(webhook).review("/validate/hostedclusters", customerSets("pi-registry", MIRROR_OF_5)).statusCode(200);

        assertEquals(1, registry.calls.size(), "a digest the history names needs no registry: " + registry.calls);
        FakeReleaseRegistry.Call call = registry.calls.get(0);
        assertEquals("sha256:" + "9".repeat(64), call.digest());
        assertEquals(HostedClusters.NAMESPACE + "-pi-registry", call.namespace(), "the control-plane namespace");
        assertEquals(Optional.of("pull-secret"), call.pullSecret(), "HyperShift's copy of the HostedCluster's pull secret");

        // a label is only as honest as the repository: one outside the trusted ones is not asked at all
        new WebhookClient(webhook).review("/validate/hostedclusters",
                customerSets("pi-registry-2", "mirror.example/x@sha256:" + "8".repeat(64))).statusCode(200)
                .body("response.allowed", equalTo(false))
                .body("response.auditAnnotations.rule", equalTo("unknown-payload"))
                .body("response.status.message", containsString("its repository is not one whose labels are trusted"
                        + " (hcp-rollback.registry.trusted-repositories: quay.io/openshift-release-dev)"));
        assertEquals(1, registry.calls.size(), "an untrusted repository is never asked: " + registry.calls);
    }
}
