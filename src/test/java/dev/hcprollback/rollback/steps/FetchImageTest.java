package dev.hcprollback.rollback.steps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** What the sidecar makes of its own container's {@code imageID}, as each container runtime reports it. */
class FetchImageTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void aRepositoryDigestIsTakenAsItIsWithoutTheRuntimesScheme() {
        assertEquals(Optional.of("registry.example.com/platform/hcp-rollback@" + DIGEST),
                FetchImage.byDigest("registry.example.com/platform/hcp-rollback@" + DIGEST), "containerd, CRI-O");
        assertEquals(Optional.of("registry.example.com/platform/hcp-rollback@" + DIGEST),
                FetchImage.byDigest("docker-pullable://registry.example.com/platform/hcp-rollback@" + DIGEST), "dockershim");
    }

    @Test
    void aBareImageIdIsNoPullableReference() {
        // an image loaded onto the node (kind load): no registry serves it by this name; the image reference is used
        assertEquals(Optional.empty(), FetchImage.byDigest(DIGEST));
        assertEquals(Optional.empty(), FetchImage.byDigest("docker://" + DIGEST));
        assertEquals(Optional.empty(), FetchImage.byDigest(""));
        assertEquals(Optional.empty(), FetchImage.byDigest(null));
    }

    @Test
    void theSettingWinsAndOutsideAPodTheReleasesImageIsUsed() {
        assertEquals("mirror.example/hcp-rollback:1", FetchImage.of(Optional.of("mirror.example/hcp-rollback:1"), null,
                Optional.of("hcp-rollback"), Optional.of("pod"), "quay.io/x:1").image());
        FetchImage.Resolved outside = FetchImage.of(Optional.empty(), null, Optional.of("hcp-rollback"), Optional.empty(),
                "quay.io/hcp-rollback/hcp-rollback:0.1.0").resolve();
        assertEquals("quay.io/hcp-rollback/hcp-rollback:0.1.0", outside.image());
    }
}
