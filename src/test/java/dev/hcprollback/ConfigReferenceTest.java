package dev.hcprollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

/**
 * config/README.md is the configuration reference: it must list every property of every
 * {@code @ConfigMapping} of the application (found in the compiled classes, named as SmallRye names
 * them: kebab-case, nested groups joined by dots), each with its default and meaning, and nothing
 * the mappings do not have.
 */
public class ConfigReferenceTest {

    private static final Path README = Path.of("config/README.md");
    private static final Path CLASSES = Path.of("target/classes");
    /** A table row of the reference: | `property` | default | meaning |. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|([^|]*)\\|(.*)\\|\\s*$");

    /** A documented property: its default and meaning cells. */
    record Documented(String defaultValue, String meaning) {
    }

    /** A property of a mapping: its name and its {@code @WithDefault}, if any. */
    public record Setting(String name, String defaultValue) {

        /** The environment variable that sets it: upper case, every other character {@code _}. */
        public String environmentVariable() {
            return name.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        }
    }

    @Test
    void everySettingOfTheMappingsIsDocumentedWithItsDefaultAndMeaning() throws IOException {
        Map<String, Documented> documented = documented();
        List<Setting> settings = settings();
        assertTrue(settings.size() > 40, "expected the properties of HcpRollbackConfig, found " + settings);
        Properties applicationProperties = applicationProperties();
        List<String> problems = new ArrayList<>();
        for (Setting setting : settings) {
            Documented row = documented.get(setting.name());
            if (row == null) {
                problems.add(setting.name() + " is missing" + (setting.defaultValue() == null ? "" : " (default " + setting.defaultValue() + ")"));
                continue;
            }
            if (row.meaning().isBlank() || row.defaultValue().isBlank()) {
                problems.add(setting.name() + " needs a default (or \"(none)\") and a meaning");
                continue;
            }
            // what the application runs with when nothing is set: application.properties first, then the mapping
            String effective = Optional.ofNullable(applicationProperties.getProperty(setting.name())).map(String::trim)
                    .orElse(setting.defaultValue());
            if (effective != null && !effective.contains("${") && !row.defaultValue().replace("`", "").trim().equals(effective)) {
                problems.add(setting.name() + " defaults to " + effective + ", the reference says " + row.defaultValue().trim());
            }
        }
        assertEquals(List.of(), problems, README + " should list every setting with its default and meaning");
    }

    @Test
    void theReferenceListsNoSettingTheMappingsLack() throws IOException {
        List<String> names = settings().stream().map(Setting::name).toList();
        List<String> prefixes = mappings().stream().map(m -> m.getAnnotation(ConfigMapping.class).prefix() + ".").toList();
        List<String> stale = documented().keySet().stream()
                .filter(name -> prefixes.stream().anyMatch(name::startsWith))
                .filter(name -> !names.contains(name))
                .toList();
        assertEquals(List.of(), stale, README + " documents settings that no longer exist");
    }

    /** Every property of every mapping, sorted by name. */
    public static List<Setting> settings() throws IOException {
        Map<String, Setting> settings = new TreeMap<>();
        for (Class<?> mapping : mappings()) {
            collect(mapping, mapping.getAnnotation(ConfigMapping.class).prefix(), settings);
        }
        return List.copyOf(settings.values());
    }

    private static void collect(Class<?> group, String prefix, Map<String, Setting> into) {
        for (Method method : group.getMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0) {
                continue;
            }
            String name = method.isAnnotationPresent(WithParentName.class) ? prefix
                    : prefix + "." + Optional.ofNullable(method.getAnnotation(WithName.class)).map(WithName::value)
                            .orElse(kebab(method.getName()));
            Type type = method.getGenericReturnType();
            Class<?> raw = raw(type);
            if (raw == Optional.class || Collection.class.isAssignableFrom(raw)) {
                Class<?> element = raw(((ParameterizedType) type).getActualTypeArguments()[0]);
                if (isGroup(element)) {
                    collect(element, name + (raw == Optional.class ? "" : "[*]"), into);
                    continue;
                }
            } else if (Map.class.isAssignableFrom(raw)) {
                Class<?> value = raw(((ParameterizedType) type).getActualTypeArguments()[1]);
                if (isGroup(value)) {
                    collect(value, name + ".*", into);
                } else {
                    into.put(name + ".*", new Setting(name + ".*", null));
                }
                continue;
            } else if (isGroup(raw)) {
                collect(raw, name, into);
                continue;
            }
            WithDefault defaultValue = method.getAnnotation(WithDefault.class);
            into.put(name, new Setting(name, defaultValue == null ? null : defaultValue.value()));
        }
    }

    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && !type.getName().startsWith("java.");
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType parameterized ? (Class<?>) parameterized.getRawType() : (Class<?>) type;
    }

    /** SmallRye's property name of a method: {@code maxPollInterval} becomes {@code max-poll-interval}. */
    static String kebab(String method) {
        return method.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replaceAll("([A-Z])([A-Z][a-z])", "$1-$2").toLowerCase();
    }

    /** The {@code @ConfigMapping} interfaces among the compiled main classes. */
    private static List<Class<?>> mappings() throws IOException {
        List<Class<?>> mappings = new ArrayList<>();
        try (Stream<Path> files = Files.walk(CLASSES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = CLASSES.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                try {
                    Class<?> type = Class.forName(name, false, ConfigReferenceTest.class.getClassLoader());
                    if (type.isAnnotationPresent(ConfigMapping.class)) {
                        mappings.add(type);
                    }
                } catch (ClassNotFoundException | LinkageError e) {
                    // generated classes that need the Quarkus runtime: never configuration mappings
                }
            }
        }
        assertFalse(mappings.isEmpty(), "no @ConfigMapping found in " + CLASSES);
        return mappings;
    }

    private static Map<String, Documented> documented() throws IOException {
        Map<String, Documented> rows = new TreeMap<>();
        for (String line : Files.readAllLines(README)) {
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                rows.put(row.group(1), new Documented(row.group(2), row.group(3)));
            }
        }
        return rows;
    }

    private static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties;
    }
}
