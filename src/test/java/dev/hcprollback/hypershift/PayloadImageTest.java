package dev.hcprollback.hypershift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.hcprollback.testing.HostedClusters;

/** The payload model: a pull spec parsed once, and "the same payload" by digest, else by version. */
class PayloadImageTest {

    private static final String FIVE = "sha256:" + "5".repeat(64);
    private static final String SIX = "sha256:" + "6".repeat(64);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "quay.io/openshift-release-dev/ocp-release:4.18.5-x86_64 | quay.io/openshift-release-dev/ocp-release | 4.18.5-x86_64 | ''",
            "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:5555555555555555555555555555555555555555555555555555555555555555 | quay.io/openshift-release-dev/ocp-v4.0-art-dev | '' | sha256:5555555555555555555555555555555555555555555555555555555555555555",
            "quay.io/openshift-release-dev/ocp-release:4.18.5-x86_64@sha256:5555555555555555555555555555555555555555555555555555555555555555 | quay.io/openshift-release-dev/ocp-release | 4.18.5-x86_64 | sha256:5555555555555555555555555555555555555555555555555555555555555555",
            "registry.example.com:5000/ocp/release:4.18.6-multi | registry.example.com:5000/ocp/release | 4.18.6-multi | ''",
            "registry.example.com:5000/ocp/release | registry.example.com:5000/ocp/release | '' | ''",
            "localhost/release@not-a-digest | localhost/release | '' | ''" })
    void parsesRepositoryTagAndDigest(String pullSpec, String repository, String tag, String digest) {
        PayloadImage image = new PayloadImage(pullSpec);
        assertEquals(repository, image.repository());
        assertEquals(tag.isEmpty() ? Optional.empty() : Optional.of(tag), image.tag());
        assertEquals(digest.isEmpty() ? Optional.empty() : Optional.of(digest), image.digest());
        assertEquals(pullSpec, image.pullSpec());
    }

    @Test
    void aTagBesideADigestNamesNoVersion() {
        // the digest runs; a tag next to it may say anything, so only the digest's record may tell the version
        PayloadImage lying = new PayloadImage(HostedClusters.REPO + ":4.18.7-x86_64@" + FIVE);
        assertEquals(Optional.empty(), lying.versionFromTag());
        assertEquals(ReleaseVersion.parse("4.18.7"), new PayloadImage(HostedClusters.tag("4.18.7")).versionFromTag());
    }

    @Test
    void digestsNameOnePayloadWhateverTheRepository() {
        PayloadImage release = new PayloadImage(HostedClusters.REPO + "@" + FIVE);
        PayloadImage mirror = new PayloadImage("mirror.corp.example:8443/ocp/art-dev@" + FIVE);
        PayloadImage other = new PayloadImage(HostedClusters.REPO + "@" + SIX);
        assertTrue(release.sameDigestAs(mirror));
        assertFalse(release.sameDigestAs(other));
        assertFalse(release.equals(mirror), "equality of instances is equality of spelling");
        assertTrue(PayloadIdentity.of(release, Optional.empty()).isSamePayloadAs(PayloadIdentity.of(mirror, Optional.empty())));
    }

    @Test
    void withoutBothDigestsVersionsDecide() {
        ReleaseVersion five = ReleaseVersion.parse("4.18.5").orElseThrow();
        PayloadIdentity byTag = PayloadIdentity.of(new PayloadImage(HostedClusters.tag("4.18.5")), Optional.of(five));
        PayloadIdentity byDigest = PayloadIdentity.of(new PayloadImage(HostedClusters.REPO + "@" + FIVE), Optional.of(five));
        PayloadIdentity unknown = PayloadIdentity.of(new PayloadImage(HostedClusters.REPO + "@" + SIX), Optional.empty());
        assertTrue(byTag.isSamePayloadAs(byDigest));
        assertFalse(byTag.isSamePayloadAs(unknown));
        PayloadIdentity latest = PayloadIdentity.of(new PayloadImage(HostedClusters.REPO + ":latest"), Optional.empty());
        assertFalse(latest.isSamePayloadAs(latest), "without digest or version nothing says they are one payload");
        // both digests known and different: different payloads even of one version (another architecture)
        PayloadIdentity otherArch = new PayloadIdentity(byDigest.image(), Optional.of(SIX), Optional.of(five));
        assertFalse(byDigest.isSamePayloadAs(otherArch));
    }

    @Test
    void aPullSpecNamesItsRegistryAsContainerRuntimesResolveIt() {
        PayloadImage quay = new PayloadImage("quay.io/openshift-release-dev/ocp-release:4.18.5-x86_64");
        assertEquals("quay.io", quay.registry());
        assertEquals("openshift-release-dev/ocp-release", quay.repositoryPath());
        PayloadImage local = new PayloadImage("127.0.0.1:5000/ocp/release@" + FIVE);
        assertEquals("127.0.0.1:5000", local.registry());
        assertEquals("ocp/release", local.repositoryPath());
        PayloadImage hub = new PayloadImage("busybox:1.36");
        assertEquals("docker.io", hub.registry());
        assertEquals("library/busybox", hub.repositoryPath());
    }

    @Test
    void aClusterKnowsDigestsFromEitherHistoryAndAnyRepository() {
        HostedCluster cluster = HostedClusters.onSixAfterFive("payments")
                .versionHistory(HostedClusters.entry("Completed", "4.18.6", HostedClusters.REPO + "@" + SIX, Instant.now(), null))
                .controlPlaneHistory(HostedClusters.entry("Completed", "4.18.5", HostedClusters.REPO + "@" + FIVE, Instant.now(), null))
                .model();
        assertEquals(ReleaseVersion.parse("4.18.5"), cluster.versionOf(new PayloadImage("mirror.example/art-dev@" + FIVE)));
        assertEquals(ReleaseVersion.parse("4.18.6"),
                cluster.versionOf(new PayloadImage(HostedClusters.REPO + ":4.18.9-x86_64@" + SIX)));
    }
}
