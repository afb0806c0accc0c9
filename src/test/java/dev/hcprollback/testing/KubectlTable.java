package dev.hcprollback.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * What {@code kubectl get} prints for a kind of ours, from the printer columns of its CRD as shipped
 * ({@code manifests/base/crds}): {@code NAME} (after {@code NAMESPACE} with {@code -A}), then each column of priority 0
 * (every column with {@code -o wide}) named in capitals; a cell is the value at the column's path ({@code .a.b}), empty
 * when absent, a {@code date} as kubectl's age ({@code 42s}, {@code 3m12s}, {@code 5h}); columns 3 spaces apart, as
 * kubectl's tab writer aligns them (at least 6 wide). For the demo, whose in-process API server renders no tables;
 * {@code KubectlOnRealApiServerIT} checks the columns and cells against the Table a real API server renders.
 */
public final class KubectlTable {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** kubectl's tab writer: 3 spaces after each cell, a column at least 6 wide. */
    private static final int PADDING = 3;
    private static final int MIN_WIDTH = 6;

    private KubectlTable() {
    }

    /** The header kubectl prints, NAME first. */
    public static List<String> header(Class<? extends HasMetadata> kind, boolean wide) {
        List<String> header = new ArrayList<>(List.of("NAME"));
        columns(kind, wide).forEach(c -> header.add(c.getName().toUpperCase(Locale.ROOT)));
        return header;
    }

    /** One row: the name, then each column's cell. */
    public static List<String> row(Class<? extends HasMetadata> kind, HasMetadata object, boolean wide, Instant now) {
        JsonNode json = SERIALIZATION.convertValue(object, JsonNode.class);
        List<String> row = new ArrayList<>(List.of(object.getMetadata().getName()));
        for (CustomResourceColumnDefinition column : columns(kind, wide)) {
            JsonNode value = json;
            for (String field : column.getJsonPath().substring(1).split("\\.")) {
                value = value.path(field);
            }
            row.add(value.isMissingNode() || value.isNull() ? ""
                    : "date".equals(column.getType()) ? age(Duration.between(Instant.parse(value.asText()), now))
                    : value.asText());
        }
        return row;
    }

    /** The whole printout of {@code kubectl get} ({@code -A}: with the namespace first). */
    public static String print(Class<? extends HasMetadata> kind, List<? extends HasMetadata> objects, boolean allNamespaces,
            boolean wide, Instant now) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(withNamespace(allNamespaces, "NAMESPACE", header(kind, wide)));
        objects.forEach(o -> lines.add(withNamespace(allNamespaces, o.getMetadata().getNamespace(), row(kind, o, wide, now))));
        int[] widths = new int[lines.get(0).size()];
        lines.forEach(line -> {
            for (int i = 0; i < line.size(); i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        });
        StringBuilder out = new StringBuilder();
        for (List<String> line : lines) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                text.append(i == line.size() - 1 ? line.get(i) : pad(line.get(i), Math.max(widths[i] + PADDING, MIN_WIDTH)));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /**
     * A duration as kubectl prints an age (k8s.io/apimachinery's {@code duration.HumanDuration}): seconds up to 2
     * minutes, then minutes and seconds up to 10, minutes up to 3 hours, hours and minutes up to 8, hours up to 2 days,
     * days and hours up to 8, days up to 2 years, then years (and days up to 8).
     */
    static String age(Duration age) {
        long seconds = age.toSeconds();
        if (seconds < -1) {
            return "<invalid>";
        }
        if (seconds < 0) {
            return "0s";
        }
        long minutes = seconds / 60;
        long hours = minutes / 60;
        long days = hours / 24;
        if (seconds < 120) {
            return seconds + "s";
        }
        if (minutes < 10) {
            return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + seconds % 60 + "s";
        }
        if (minutes < 3 * 60) {
            return minutes + "m";
        }
        if (hours < 8) {
            return minutes % 60 == 0 ? hours + "h" : hours + "h" + minutes % 60 + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        if (hours < 8 * 24) {
            return hours % 24 == 0 ? days + "d" : days + "d" + hours % 24 + "h";
        }
        if (days < 2 * 365) {
            return days + "d";
        }
        if (days < 8 * 365) {
            return days % 365 == 0 ? days / 365 + "y" : days / 365 + "y" + days % 365 + "d";
        }
        return days / 365 + "y";
    }

    private static List<CustomResourceColumnDefinition> columns(Class<? extends HasMetadata> kind, boolean wide) {
        Path file = Install.BASE.resolve("crds").resolve(HasMetadata.getFullResourceName(kind) + "-v1.yml");
        try (InputStream in = Files.newInputStream(file)) {
            CustomResourceDefinition crd = SERIALIZATION.unmarshal(in, CustomResourceDefinition.class);
            return crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
                    .filter(c -> wide || c.getPriority() == null || c.getPriority() == 0).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<String> withNamespace(boolean allNamespaces, String namespace, List<String> line) {
        if (!allNamespaces) {
            return line;
        }
        List<String> with = new ArrayList<>(List.of(namespace));
        with.addAll(line);
        return with;
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }
}
