package dev.hcprollback.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

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

    /**
     * The native libraries in the jars of {@code lib}, by name with the architecture left out, each with the Linux
     * architectures it is shipped for ({@code amd64}, {@code arm64}, or the name as found for others).
     */
    static Map<String, Set<String>> linuxNativeLibraries(Path lib) throws IOException {
        Map<String, Set<String>> libraries = new TreeMap<>();
        List<Path> jars;
        try (Stream<Path> walk = Files.walk(lib)) {
            jars = walk.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : jars) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".so") || n.contains(".so.")).forEach(name -> {
                    String lower = name.toLowerCase(Locale.ROOT);
                    String architecture = AMD64.matcher(lower).find() ? "amd64" : ARM64.matcher(lower).find() ? "arm64" : "other";
                    String library = ARM64.matcher(AMD64.matcher(lower).replaceAll("{arch}")).replaceAll("{arch}");
                    libraries.computeIfAbsent(jar.getFileName().toString().replaceAll("-(linux|osx|windows)-[a-z0-9_]+\\.jar$", "")
                            + "!" + library, k -> new TreeSet<>()).add(architecture);
                });
            }
        }
        return libraries;
    }

    private static final Pattern AMD64 = Pattern.compile("x86[_-]64|amd64");
    private static final Pattern ARM64 = Pattern.compile("aarch[_-]?64|arm64");

    /** Those of {@link #linuxNativeLibraries} shipped for one of the image's two architectures only. */
    static Map<String, Set<String>> oneArchitectureOnly(Path lib) throws IOException {
        Map<String, Set<String>> lopsided = new TreeMap<>();
        linuxNativeLibraries(lib).forEach((library, architectures) -> {
            if (architectures.contains("amd64") != architectures.contains("arm64")) {
                lopsided.put(library, architectures);
            }
        });
        return lopsided;
    }

    /** The image is built for amd64 and arm64 (the CSV says so): a native library must come for both, or not at all. */
    @Test
    void everyNativeLibraryIsShippedForBothArchitecturesOrNotAtAll() throws IOException {
        assertEquals(Map.of(), oneArchitectureOnly(LIB.getParent()), "native libraries in target/quarkus-app for one architecture only");
    }

    @Test
    void thePackagedApplicationCarriesNoTestLibrary() throws IOException {
        assertTrue(Files.isDirectory(LIB), LIB + " is missing: the package phase should have written it");
        assertEquals(List.of(), testOnlyJars(LIB), "target/quarkus-app holds test libraries: java -jar would run with them");
    }
}
