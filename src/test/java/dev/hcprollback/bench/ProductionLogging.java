package dev.hcprollback.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Every process a benchmark measures logs at production levels: a debug log formats a message per buffer
 * and per request, and a benchmark that measures that measures the log. The benchmark's own JVM (and any
 * child JVM the suite starts) calls {@link #applyToThisJvm()} first and {@link #requireInThisJvm(String)}
 * before measuring; a sidecar started as its own process is checked from the outside with
 * {@link #requireInSidecar(long, String)}. Each check throws {@link IllegalStateException} naming the
 * process and the setting at fault.
 */
public final class ProductionLogging {

    /** The lowest level a measured process may log at: INFO (java.util.logging's and JBoss' INFO are 800). */
    static final Level LOWEST = Level.INFO;

    /** Levels that turn debug logging on, in Quarkus' and JBoss' spelling (ALL, FINEST ... DEBUG, TRACE). */
    private static final Set<String> DEBUG_LEVELS = Set.of("ALL", "TRACE", "DEBUG", "FINEST", "FINER", "FINE", "CONFIG");

    /**
     * A Quarkus logging key that sets a level: {@code quarkus.log.level}, a category's, a handler's (not
     * {@code min-level}, the floor below which nothing can be enabled, DEBUG by default).
     */
    private static final Pattern LEVEL_KEY = Pattern.compile("quarkus\\.log\\.(.+\\.)?level");

    private ProductionLogging() {
    }

    /**
     * Raises this JVM's root logger (java.util.logging, which the JBoss log manager backs when installed) to
     * INFO if it is lower, and has every logger set below INFO inherit it: with no configuration, the JBoss log
     * manager's root level is ALL, and every library in the JVM (an in-process S3 server, the AWS SDK, Jetty)
     * then formats a debug message per buffer.
     */
    public static void applyToThisJvm() {
        LogManager manager = LogManager.getLogManager();
        Logger root = manager.getLogger("");
        if (root.getLevel() == null || root.getLevel().intValue() < LOWEST.intValue()) {
            root.setLevel(LOWEST);
        }
        for (Enumeration<String> names = manager.getLoggerNames(); names.hasMoreElements();) {
            Logger logger = manager.getLogger(names.nextElement());
            if (logger != null && logger != root && logger.getLevel() != null && logger.getLevel().intValue() < LOWEST.intValue()) {
                logger.setLevel(null);
            }
        }
    }

    /**
     * Fails if this JVM's root logger, or any logger configured explicitly, logs below INFO.
     *
     * @param what the process, as the error should name it ("the benchmark's JVM", "the snapshot child")
     */
    public static void requireInThisJvm(String what) {
        LogManager manager = LogManager.getLogManager();
        List<String> tooLow = new ArrayList<>();
        for (Enumeration<String> names = manager.getLoggerNames(); names.hasMoreElements();) {
            String name = names.nextElement();
            Logger logger = manager.getLogger(name);
            Level level = logger == null ? null : logger.getLevel();
            boolean root = name.isEmpty();
            if ((root && level == null) || (level != null && level.intValue() < LOWEST.intValue())) {
                tooLow.add((root ? "root logger" : "logger " + name) + " at " + (level == null ? "no level" : level.getName()));
            }
        }
        if (!tooLow.isEmpty()) {
            throw new IllegalStateException(what + " logs below INFO (" + String.join(", ", tooLow) + ", log manager "
                    + manager.getClass().getName() + "): a measurement of a process that logs at debug level measures the"
                    + " log; call ProductionLogging.applyToThisJvm() first");
        }
    }

    /**
     * Fails if the sidecar process runs with a debug level: from its command line ({@code -Dquarkus.log...level}),
     * its environment ({@code QUARKUS_LOG_..._LEVEL}) and the prod-profile entries of the packaged
     * {@code application.properties}, the three places its effective configuration comes from here.
     *
     * @param pid the sidecar's process id (Linux: read from {@code /proc/<pid>/cmdline} and {@code environ})
     * @param what the process, as the error should name it
     */
    public static void requireInSidecar(long pid, String what) throws IOException {
        List<String> tooLow = new ArrayList<>();
        List<String> arguments = nulSeparated(Path.of("/proc", Long.toString(pid), "cmdline"));
        String jar = null;
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            if (argument.startsWith("-D") && argument.contains("=")) {
                String key = argument.substring(2, argument.indexOf('='));
                check("command line " + argument, key, argument.substring(argument.indexOf('=') + 1), tooLow);
            }
            if ("-jar".equals(argument) && i + 1 < arguments.size()) {
                jar = arguments.get(i + 1);
            }
        }
        for (String variable : nulSeparated(Path.of("/proc", Long.toString(pid), "environ"))) {
            int equals = variable.indexOf('=');
            if (equals > 0 && variable.startsWith("QUARKUS_LOG") && variable.substring(0, equals).endsWith("LEVEL")) {
                String value = variable.substring(equals + 1);
                if (DEBUG_LEVELS.contains(value.toUpperCase(Locale.ROOT))) {
                    tooLow.add("environment " + variable);
                }
            }
        }
        if (jar != null) {
            Properties packaged = packagedProperties(Path.of(jar));
            for (String key : packaged.stringPropertyNames()) {
                if (!key.startsWith("%") || key.startsWith("%prod.")) {
                    check("application.properties " + key, key.replaceFirst("^%prod\\.", ""), packaged.getProperty(key), tooLow);
                }
            }
        }
        if (!tooLow.isEmpty()) {
            throw new IllegalStateException(what + " (pid " + pid + ") runs with debug logging: " + String.join("; ", tooLow)
                    + ". Benchmarks measure production log levels only.");
        }
    }

    private static void check(String where, String key, String value, List<String> tooLow) {
        if (LEVEL_KEY.matcher(key).matches() && DEBUG_LEVELS.contains(value.trim().toUpperCase(Locale.ROOT))) {
            tooLow.add(where + (where.endsWith(value) ? "" : "=" + value));
        }
    }

    /** The application.properties inside the packaged application (quarkus-app/app/*.jar beside quarkus-run.jar). */
    private static Properties packagedProperties(Path runJar) throws IOException {
        Properties properties = new Properties();
        Path app = runJar.toAbsolutePath().getParent().resolve("app");
        if (!Files.isDirectory(app)) {
            return properties;
        }
        try (var jars = Files.list(app)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    var entry = file.getJarEntry("application.properties");
                    if (entry != null) {
                        try (InputStream in = file.getInputStream(entry)) {
                            properties.load(in);
                        }
                    }
                }
            }
        }
        return properties;
    }

    private static List<String> nulSeparated(Path file) throws IOException {
        String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        List<String> parts = new ArrayList<>();
        for (String part : content.split("\0")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        return parts;
    }
}
