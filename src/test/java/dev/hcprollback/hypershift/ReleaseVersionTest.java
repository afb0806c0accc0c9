package dev.hcprollback.hypershift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReleaseVersionTest {

    @ParameterizedTest(name = "{0} reads as {1}")
    @CsvSource({
            "4.18.6, 4.18.6",
            "4.18.6-x86_64, 4.18.6",
            "4.18.6-aarch64, 4.18.6",
            "4.18.6-multi, 4.18.6",
            "4.18.6-s390x, 4.18.6",
            "4.18.6-ppc64le, 4.18.6",
            "4.19.0-rc.1-x86_64, 4.19.0-rc.1",
            "4.19.0-ec.2, 4.19.0-ec.2",
            "v4.18.6, 4.18.6" })
    void readsVersionsAndTags(String text, String version) {
        assertEquals(version, ReleaseVersion.parse(text).orElseThrow().toString());
    }

    @ParameterizedTest(name = "{0} is no version")
    @CsvSource({ "latest", "4.18", "stable-4.18", "4.18.x", "''" })
    void refusesWhatIsNoVersion(String text) {
        assertEquals(Optional.empty(), ReleaseVersion.parse(text));
    }

    @ParameterizedTest(name = "{0} < {1}")
    @CsvSource({
            "4.18.5, 4.18.6",
            "4.18.9, 4.18.10",
            "4.17.30, 4.18.0",
            "4.19.0-rc.1, 4.19.0",
            "4.19.0-ec.3, 4.19.0-rc.1",
            "4.19.0-rc.2, 4.19.0-rc.10" })
    void ordersAsSemanticVersions(String older, String newer) {
        ReleaseVersion a = ReleaseVersion.parse(older).orElseThrow();
        ReleaseVersion b = ReleaseVersion.parse(newer).orElseThrow();
        assertTrue(a.isOlderThan(b), older + " before " + newer);
        assertTrue(b.isNewerThan(a), newer + " after " + older);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "quay.io/openshift-release-dev/ocp-release:4.18.6-x86_64, 4.18.6",
            "registry.example.com:5000/ocp/release:4.18.6-multi, 4.18.6",
            "registry.example.com:5000/ocp/release, ''",
            "quay.io/openshift-release-dev/ocp-release@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, ''" })
    void payloadTagsCarryVersionsDigestsAndPortsDoNot(String pullSpec, String version) {
        assertEquals(version.isEmpty() ? Optional.empty() : ReleaseVersion.parse(version),
                new PayloadImage(pullSpec).versionFromTag());
    }

    @ParameterizedTest(name = "{0} spelled canonically: {1}")
    @CsvSource({
            "4.18.5, true",
            "4.19.0-rc.1, true",
            "v4.18.5, false",
            "4.18.05, false",
            "4.18.5-x86_64, false",
            "04.18.5, false" })
    void knowsItsCanonicalSpelling(String text, boolean canonical) {
        assertEquals(canonical, ReleaseVersion.parse(text).orElseThrow().isSpelledAs(text));
    }
}
