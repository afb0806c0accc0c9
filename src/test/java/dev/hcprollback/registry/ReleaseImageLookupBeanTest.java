package dev.hcprollback.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.registry.ReleaseLookupException.Reason;
import dev.hcprollback.testing.Ports;
import dev.hcprollback.testing.RbacSimulator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** The lookup as the application wires it: the sidecar's Kubernetes client and {@code hcp-rollback.registry.*}. */
@QuarkusTest
@TestProfile(ReleaseImageLookupBeanTest.LookupsOn.class)
@WithKubernetesTestServer(setup = RbacSimulator.class)
class ReleaseImageLookupBeanTest {

    /** The test profile turns lookups off (fixtures name quay.io); this test reaches only loopback. */
    public static class LookupsOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("hcp-rollback.registry.enabled", "true");
        }
    }

    @Inject
    ReleaseImageLookup lookup;

    @Test
    void theApplicationsLookupReadsPullSecretsAndReachesRegistries() {
        try (Ports.Refusing port = Ports.refusing()) {
            PayloadImage nowhere = new PayloadImage("127.0.0.1:" + port.port()
                    + "/openshift-release-dev/ocp-release@sha256:" + "5".repeat(64));
            ReleaseLookupException noSecret = assertThrows(ReleaseLookupException.class, () -> lookup.releaseVersion(nowhere,
                    "clusters-demo", Optional.of(ReleaseImageLookup.HYPERSHIFT_PULL_SECRET)));
            assertEquals(Reason.PULL_SECRET, noSecret.reason());
            assertEquals("pull secret clusters-demo/pull-secret does not exist", noSecret.getMessage());

            ReleaseLookupException down = assertThrows(ReleaseLookupException.class,
                    () -> lookup.releaseVersion(nowhere, "clusters-demo", Optional.empty()));
            assertEquals(Reason.UNREACHABLE, down.reason());
            assertTrue(down.getMessage().contains("could not be reached"), down.getMessage());
        }
    }
}
