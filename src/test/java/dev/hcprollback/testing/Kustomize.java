package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.zjsonpatch.JsonPatch;

/**
 * What {@code kubectl kustomize <dir>} renders, for the kustomizations this project ships and documents: the
 * install's base, its overlays and the overlay manifests/README.md tells a user to write. The tests need no
 * kustomize binary, so this does the part of kustomize those use and refuses everything else (a field, a patch
 * shape, a field path), naming it, rather than render something else than kustomize would.
 *
 * <p>Supported: {@code resources} (files and kustomization directories, in order); {@code secretGenerator} with
 * {@code files} and {@code disableNameSuffixHash: true}; {@code patches} as a file or inline, either a patch of
 * maps only (strategic merge without lists: maps merge, values replace) naming its object, or a JSON patch (RFC
 * 6902) with a {@code target} of kind and name; {@code replacements} from one field to fields of selected objects,
 * where {@code *} in a target path means every element of a list and {@code \.} a dot inside a key. Applied in
 * kustomize's order: resources, generators, patches, replacements. Output keeps the resources' order, generated
 * objects last (kustomize sorts by kind; nothing here depends on the order).
 */
public final class Kustomize {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "secretGenerator", "patches",
            "replacements");

    private Kustomize() {
    }

    /**
     * The objects {@code kubectl kustomize dir} renders, as YAML trees.
     *
     * @throws IllegalStateException when the kustomization uses something this renderer does not do, or refers to
     *     an object, file or field that is not there (as kustomize fails then too)
     * @throws UncheckedIOException when a file cannot be read
     */
    public static List<ObjectNode> render(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        JsonNode kustomization = readAll(file).get(0);
        kustomization.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw new IllegalStateException(file + " uses '" + field + "', which this renderer does not do: render "
                        + "it with kustomize instead");
            }
        });
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = dir.resolve(resource.asText());
            if (Files.isDirectory(path)) {
                objects.addAll(render(path));
            } else {
                readAll(path).forEach(doc -> objects.add((ObjectNode) doc));
            }
        }
        for (JsonNode generator : kustomization.path("secretGenerator")) {
            objects.add(secret(dir, generator));
        }
        for (JsonNode patch : kustomization.path("patches")) {
            applyPatch(dir, patch, objects);
        }
        for (JsonNode replacement : kustomization.path("replacements")) {
            replace(file, replacement, objects);
        }
        return objects;
    }

    private static ObjectNode secret(Path dir, JsonNode generator) {
        if (!generator.at("/options/disableNameSuffixHash").asBoolean(false)) {
            throw new IllegalStateException("secretGenerator " + generator.path("name").asText()
                    + ": only disableNameSuffixHash: true is done here (no hash suffix)");
        }
        ObjectNode secret = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
        ObjectNode metadata = secret.putObject("metadata").put("name", generator.path("name").asText());
        if (generator.hasNonNull("namespace")) {
            metadata.put("namespace", generator.path("namespace").asText());
        }
        secret.put("type", generator.path("type").asText("Opaque"));
        ObjectNode data = secret.putObject("data");
        for (JsonNode entry : generator.path("files")) {
            // "key=path" or "path", whose file name is the key
            String[] keyAndPath = entry.asText().split("=", 2);
            Path source = dir.resolve(keyAndPath[keyAndPath.length - 1]);
            String key = keyAndPath.length == 2 ? keyAndPath[0] : source.getFileName().toString();
            try {
                data.put(key, Base64.getEncoder().encodeToString(Files.readAllBytes(source)));
            } catch (IOException e) {
                throw new UncheckedIOException("secretGenerator " + generator.path("name").asText() + ": cannot read " + source, e);
            }
        }
        return secret;
    }

    private static void applyPatch(Path dir, JsonNode entry, List<ObjectNode> objects) {
        JsonNode patch = entry.hasNonNull("path") ? readAll(dir.resolve(entry.path("path").asText())).get(0)
                : parse(entry.path("patch").asText());
        if (patch.isArray()) {
            JsonNode target = entry.path("target");
            Set<String> known = Set.of("kind", "name", "namespace");
            target.fieldNames().forEachRemaining(field -> {
                if (!known.contains(field)) {
                    throw new IllegalStateException("a patch target by '" + field + "' is not done here");
                }
            });
            List<Integer> matched = new ArrayList<>();
            for (int i = 0; i < objects.size(); i++) {
                if (selects(target, objects.get(i))) {
                    matched.add(i);
                }
            }
            if (matched.isEmpty()) {
                throw new IllegalStateException("no object matches the patch target " + target);
            }
            for (int i : matched) {
                objects.set(i, (ObjectNode) JsonPatch.apply(patch, objects.get(i)));
            }
        } else {
            ObjectNode object = objects.stream().filter(o -> selects(patch, o)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the patch names " + patch.path("kind").asText() + " "
                            + patch.at("/metadata/name").asText() + ", which is not among the resources"));
            merge(object, (ObjectNode) patch, patch.path("kind").asText());
        }
    }

    /** Whether {@code selector} (a target, a patch or a replacement's source: kind, name, namespace) names {@code object}. */
    private static boolean selects(JsonNode selector, JsonNode object) {
        String name = selector.has("metadata") ? selector.at("/metadata/name").asText() : selector.path("name").asText();
        String namespace = selector.has("metadata") ? selector.at("/metadata/namespace").asText()
                : selector.path("namespace").asText();
        return object.path("kind").asText().equals(selector.path("kind").asText())
                && (name.isEmpty() || object.at("/metadata/name").asText().equals(name))
                && (namespace.isEmpty() || object.at("/metadata/namespace").asText().equals(namespace));
    }

    private static void merge(ObjectNode into, ObjectNode patch, String where) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = patch.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            String path = where + "." + field.getKey();
            if (field.getKey().startsWith("$") || value.isArray()) {
                // kustomize merges lists by their merge keys and obeys $patch directives: not done here
                throw new IllegalStateException(path + ": a patch of lists or with directives is not done here");
            }
            if (value.isObject() && into.path(field.getKey()).isObject()) {
                merge((ObjectNode) into.get(field.getKey()), (ObjectNode) value, path);
            } else if (value.isNull()) {
                into.remove(field.getKey());
            } else {
                into.set(field.getKey(), value.deepCopy());
            }
        }
    }

    private static void replace(Path file, JsonNode replacement, List<ObjectNode> objects) {
        JsonNode source = replacement.path("source");
        ObjectNode from = objects.stream().filter(o -> selects(source, o)).findFirst()
                .orElseThrow(() -> new IllegalStateException(file + ": no object matches the replacement source " + source));
        List<JsonNode> values = new ArrayList<>();
        collect(from, fieldPath(source.path("fieldPath").asText("metadata.name")), 0, false, values, null);
        if (values.size() != 1 || !values.get(0).isValueNode()) {
            throw new IllegalStateException(file + ": the replacement source " + source + " has no single value");
        }
        for (JsonNode target : replacement.path("targets")) {
            boolean create = target.at("/options/create").asBoolean(false);
            List<ObjectNode> selected = objects.stream().filter(o -> selects(target.path("select"), o)).toList();
            if (selected.isEmpty()) {
                throw new IllegalStateException(file + ": no object matches the replacement target " + target.path("select"));
            }
            for (ObjectNode object : selected) {
                for (JsonNode path : target.path("fieldPaths")) {
                    collect(object, fieldPath(path.asText()), 0, create, new ArrayList<>(), values.get(0));
                }
            }
        }
    }

    /**
     * Walks {@code path} from {@code node}: collects what it reaches into {@code found}, or, with {@code value},
     * sets every field it reaches (creating the missing ones when {@code create}, as kustomize's option does).
     */
    private static void collect(JsonNode node, List<String> path, int at, boolean create, List<JsonNode> found,
            JsonNode value) {
        String key = path.get(at);
        boolean last = at == path.size() - 1;
        if (key.startsWith("[")) {
            throw new IllegalStateException("the field path selector " + key + " is not done here");
        }
        if (key.equals("*")) {
            if (!node.isArray()) {
                throw new IllegalStateException("'*' in a field path needs a list, found " + node.getNodeType());
            }
            for (JsonNode element : node) {
                if (last) {
                    throw new IllegalStateException("a field path may not end in '*'");
                }
                collect(element, path, at + 1, create, found, value);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        ObjectNode object = (ObjectNode) node;
        if (last) {
            if (value == null) {
                if (object.has(key)) {
                    found.add(object.get(key));
                }
            } else if (object.has(key) || create) {
                object.set(key, value.deepCopy());
            }
            return;
        }
        if (!object.has(key)) {
            if (!create || value == null) {
                return;
            }
            object.putObject(key);
        }
        collect(object.get(key), path, at + 1, create, found, value);
    }

    /** {@code webhooks.*.clientConfig.caBundle} or {@code data.ca\.crt}, split at the dots that are not escaped. */
    private static List<String> fieldPath(String text) {
        List<String> keys = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '.') {
                key.append('.');
                i++;
            } else if (c == '.') {
                keys.add(key.toString());
                key.setLength(0);
            } else {
                key.append(c);
            }
        }
        keys.add(key.toString());
        return keys;
    }

    private static JsonNode parse(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (IOException e) {
            throw new IllegalStateException("an inline patch is not valid YAML: " + e.getMessage(), e);
        }
    }

    private static List<JsonNode> readAll(Path file) {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            return docs.readAll().stream().filter(doc -> doc != null && !doc.isNull() && !doc.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
