package dev.hcprollback.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The CRDs committed under manifests/base/crds must be the ones the build generates. Runs in the
 * integration-test phase (maven-failsafe-plugin), after package has written target/kubernetes, so
 * it always compares against this build's output and never against a stale or missing one.
 */
class ManifestsIT {

    private static final Path GENERATED = Path.of("target/kubernetes");
    private static final Path COMMITTED = Manifests.BASE.resolve("crds");
    private static final String SUFFIX = "-v1.yml";

    @Test
    void committedCrdsEqualTheGeneratedOnes() throws IOException {
        Set<String> expected = Stream.of(ControlPlaneSnapshot.class, ControlPlaneRollback.class)
                .map(type -> HasMetadata.getFullResourceName(type) + SUFFIX)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> generated = crdFiles(GENERATED);
        assertTrue(generated.containsAll(expected), "the build did not generate " + expected + " in " + GENERATED
                + " (found " + generated + "); is quarkus.operator-sdk.crd.generate-all still on?");
        assertEquals(generated, crdFiles(COMMITTED), COMMITTED + " should hold exactly the generated CRDs");
        for (String file : generated) {
            String difference = firstDifference(Manifests.readOne(GENERATED.resolve(file)),
                    Manifests.readOne(COMMITTED.resolve(file)), "");
            assertNull(difference, COMMITTED.resolve(file) + " differs from the generated CRD at " + difference
                    + "; refresh it with: cp " + GENERATED.resolve(file) + " " + COMMITTED + "/");
        }
    }

    /** The JSON pointer of the first place the two trees differ, with both values; null when equal. */
    static String firstDifference(JsonNode generated, JsonNode committed, String pointer) {
        if (generated.equals(committed)) {
            return null;
        }
        if (generated.isObject() && committed.isObject()) {
            Set<String> names = new TreeSet<>();
            generated.fieldNames().forEachRemaining(names::add);
            committed.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String inner = firstDifference(generated.path(name), committed.path(name), pointer + "/" + name);
                if (inner != null) {
                    return inner;
                }
            }
        } else if (generated.isArray() && committed.isArray() && generated.size() == committed.size()) {
            for (int i = 0; i < generated.size(); i++) {
                String inner = firstDifference(generated.get(i), committed.get(i), pointer + "/" + i);
                if (inner != null) {
                    return inner;
                }
            }
        }
        return (pointer.isEmpty() ? "/" : pointer) + " (generated: " + shorten(generated) + ", committed: "
                + shorten(committed) + ")";
    }

    private static String shorten(JsonNode node) {
        String text = node.isMissingNode() ? "absent" : node.toString();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static Set<String> crdFiles(Path dir) throws IOException {
        assertTrue(Files.isDirectory(dir), dir + " is missing");
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(SUFFIX))
                    .filter(name -> isCrd(dir.resolve(name)))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static boolean isCrd(Path file) {
        List<Manifests.Doc> docs = Manifests.read(file);
        return docs.size() == 1 && docs.get(0).kind().equals("CustomResourceDefinition");
    }
}
