package dev.hcprollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The arrows of docs/architecture.md, checked on the sources: a package uses only packages of lower
 * layers (never one beside it or above it), and the project's resource types live in {@code api}.
 * A new package fails here until it is given its layer.
 */
class PackageLayersTest {

    /** Bottom first; packages of one layer do not use each other. "" is the root package (start-up). */
    static final List<List<String>> LAYERS = List.of(
            List.of("net", "hypershift"),
            List.of("api"),
            List.of("config"),
            List.of("cluster", "storage", "registry"),
            List.of("eligibility"),
            List.of("snapshot"),
            List.of("update"),
            List.of("rollback.etcd", "rollback.restore.fetch"),
            List.of("rollback.restore"),
            List.of("rollback.steps"),
            List.of("rollback"),
            List.of("webhook.review"),
            List.of("webhook.authz"),
            List.of("webhook.rules"),
            List.of("webhook"),
            List.of("olm"),
            List.of(""));

    private static final Path SOURCES = Path.of("src/main/java/dev/hcprollback");
    /** A use of one of our classes in code: an import, or a fully qualified name. */
    private static final Pattern USE = Pattern.compile("dev\\.hcprollback\\.((?:[a-z]\\w*\\.)*)[A-Z]");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void everyPackageUsesOnlyLowerLayers() {
        Map<String, Set<String>> wrong = new TreeMap<>();
        sources().forEach(file -> {
            String from = packageOf(file);
            int fromLayer = layer(from);
            Matcher use = USE.matcher(COMMENT.matcher(read(file)).replaceAll(""));
            while (use.find()) {
                String to = use.group(1).isEmpty() ? "" : use.group(1).substring(0, use.group(1).length() - 1);
                if (!to.equals(from) && layer(to) >= fromLayer) {
                    wrong.computeIfAbsent(from + " -> " + to, k -> new TreeSet<>()).add(file.getFileName().toString());
                }
            }
        });
        assertEquals(Map.of(), wrong, "arrows that point sideways or up (from -> to: files)");
    }

    @Test
    void everyPackageHasALayer() {
        List<String> missing = new ArrayList<>();
        sources().map(PackageLayersTest::packageOf).distinct()
                .filter(p -> LAYERS.stream().noneMatch(l -> l.contains(p))).forEach(missing::add);
        assertEquals(List.of(), missing, "packages without a layer in this test and docs/architecture.md");
    }

    @Test
    void ourResourceTypesLiveInApi() {
        List<String> elsewhere = sources()
                .filter(f -> read(f).contains("extends CustomResource<"))
                .map(PackageLayersTest::packageOf)
                .filter(p -> !p.equals("api") && !p.equals("hypershift"))
                .toList();
        assertEquals(List.of(), elsewhere, "custom resource types outside api (ours) and hypershift (HyperShift's)");
        assertTrue(sources().anyMatch(f -> packageOf(f).equals("api") && read(f).contains("extends CustomResource<")),
                "the scan found the resource types in api");
    }

    private static int layer(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static String packageOf(Path file) {
        Path dir = SOURCES.relativize(file).getParent();
        return dir == null ? "" : dir.toString().replace('/', '.');
    }

    private static Stream<Path> sources() {
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            return walk.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
