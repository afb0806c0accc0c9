package dev.hcprollback.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * HyperShift's kinds as the project's model classes declare them ({@code @Group}, {@code @Version},
 * {@code @Kind}, {@code @Plural}), read from the compiled classes so that a kind added to the model
 * reaches the bundle without a second list.
 */
final class HyperShiftModel {

    static final String GROUP = "hypershift.openshift.io";

    private HyperShiftModel() {
    }

    /** Plural resource name to an OLM {@code nativeAPIs} entry ({@code group}, {@code version}, {@code kind}). */
    static Map<String, JsonNode> byResource(Path classes) throws IOException {
        Map<String, JsonNode> models = new TreeMap<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type;
                try {
                    type = Class.forName(name, false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    continue; // generated or Quarkus-only classes that need more than the compile class path
                }
                if (HasMetadata.class.isAssignableFrom(type) && GROUP.equals(HasMetadata.getGroup(type.asSubclass(HasMetadata.class)))) {
                    Class<? extends HasMetadata> model = type.asSubclass(HasMetadata.class);
                    models.put(HasMetadata.getPlural(model), new ObjectMapper().createObjectNode()
                            .put("group", GROUP).put("version", HasMetadata.getVersion(model)).put("kind", HasMetadata.getKind(model)));
                }
            }
        }
        return models;
    }
}
