package dev.hcprollback.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packaged application ({@code target/quarkus-app}, what the image ships and {@code java -jar}
 * runs) is the production one: no test library in its class path, whatever ran before the package.
 * {@link TestRunLeavesThePackageAloneTest} checks that running the tests does not rewrite it.
 */
class PackagedApplicationIT {

    static final Path LIB = Path.of("target/quarkus-app/lib/main");

    /** Artifacts only the tests use; Quarkus names the jars {@code <groupId>.<artifactId>-<version>.jar}. */
    // (bcpkix left this list when the sidecar began to read the etcd client key with it: EtcdCredentials)
    private static final List<String> TEST_ONLY = List.of("junit", "rest-assured", "s3proxy", "jclouds", "awaitility",
            "kubernetes-server-mock", "mockwebserver", "quarkus-test-");

    static boolean isTestOnly(String jar) {
        return TEST_ONLY.stream().anyMatch(jar::contains);
    }

    static List<String> testOnlyJars(Path lib) throws IOException {
        try (Stream<Path> jars = Files.list(lib)) {
            return jars.map(j -> j.getFileName().toString()).filter(PackagedApplicationIT::isTestOnly).sorted().toList();
        }
    }

    @Test
    void thePackagedApplicationCarriesNoTestLibrary() throws IOException {
        assertTrue(Files.isDirectory(LIB), LIB + " is missing: the package phase should have written it");
        assertEquals(List.of(), testOnlyJars(LIB), "target/quarkus-app holds test libraries: java -jar would run with them");
    }
}
