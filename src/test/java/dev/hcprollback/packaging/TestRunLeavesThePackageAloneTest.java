package dev.hcprollback.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.hcprollback.testing.RbacSimulator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Starting the application for tests must not write {@code target/quarkus-app}: it is the packaged
 * production application, and a test run used to replace it with one built on the test class path
 * (test libraries, test logging). By the time this method runs, Quarkus has built the test
 * application; the package is either absent (a clean build) or still the production one.
 * Same annotations as the webhook tests, so that the application started for them serves this too.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = RbacSimulator.class)
class TestRunLeavesThePackageAloneTest {

    @Test
    void theTestApplicationDoesNotRewriteThePackagedOne() throws IOException {
        if (Files.isDirectory(PackagedApplicationIT.LIB)) {
            assertEquals(List.of(), PackagedApplicationIT.testOnlyJars(PackagedApplicationIT.LIB),
                    "running a @QuarkusTest rewrote target/quarkus-app with the test class path");
        }
    }
}
