package dev.hcprollback.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Reads the install manifests and the application's configuration as files, the way kubectl and Quarkus do. */
final class Manifests {

    static final Path ROOT = Path.of("manifests");
    static final Path BASE = ROOT.resolve("base");
    static final Path OPENSHIFT = ROOT.resolve("overlays/openshift");
    static final Path CERT_MANAGER = ROOT.resolve("overlays/cert-manager");
    static final Path APPLICATION_PROPERTIES = Path.of("src/main/resources/application.properties");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One YAML document, with the file it came from. */
    record Doc(Path file, JsonNode node) {

        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        String namespace() {
            return node.path("metadata").path("namespace").asText();
        }

        @Override
        public String toString() {
            return kind() + " " + name() + " (" + file + ")";
        }
    }

    private Manifests() {
    }

    static List<Doc> read(Path file) {
        List<Doc> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isMissingNode() && !node.isNull()) {
                    docs.add(new Doc(file, node));
                }
            }
        } catch (IOException e) {
            fail(file + " is not valid YAML: " + e.getMessage());
        }
        return docs;
    }

    static JsonNode readOne(Path file) {
        List<Doc> docs = read(file);
        assertEquals(1, docs.size(), file + " should hold exactly one YAML document");
        return docs.get(0).node();
    }

    static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects the base kustomization installs, read from the files it lists. */
    static List<Doc> baseObjects() {
        JsonNode kustomization = readOne(BASE.resolve("kustomization.yaml"));
        List<Doc> docs = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path file = BASE.resolve(resource.asText());
            assertTrue(Files.isRegularFile(file), "kustomization lists " + resource.asText() + ", which is not a file");
            docs.addAll(read(file));
        }
        return docs;
    }

    static Doc find(List<Doc> docs, String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .orElseGet(() -> fail("no " + kind + " named " + name + " in " + docs));
    }

    static List<Doc> all(List<Doc> docs, String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    static Properties applicationProperties() {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(APPLICATION_PROPERTIES)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    static String property(Properties properties, String key, String defaultValue) {
        return Optional.ofNullable(properties.getProperty(key)).map(String::trim).orElse(defaultValue);
    }

    static String required(Properties properties, String key) {
        String value = properties.getProperty(key);
        assertTrue(value != null && !value.isBlank(), APPLICATION_PROPERTIES + " should set " + key);
        return value.trim();
    }

    /** Whether a rule grants the verb; resourceName null means "any name", which a rule with resourceNames does not grant. */
    static boolean grants(List<JsonNode> rules, String group, String resource, String verb, String resourceName) {
        for (JsonNode rule : rules) {
            List<String> names = texts(rule.path("resourceNames"));
            boolean nameOk = names.isEmpty() || (resourceName != null && names.contains(resourceName));
            if (texts(rule.path("apiGroups")).contains(group) && texts(rule.path("resources")).contains(resource)
                    && texts(rule.path("verbs")).contains(verb) && nameOk) {
                return true;
            }
        }
        return false;
    }

    static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
