package dev.hcprollback;

import java.net.BindException;
import java.time.Duration;
import java.util.List;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The sidecar's entry point: checks its {@link Prerequisites} first, and exits with status 2 and one line
 * per missing one when it cannot run, before Quarkus would fail with a stack trace or retry forever. When
 * Quarkus fails (a port already in use), {@link #exit} logs why; as the JVM exits, the log's last lines are
 * written ({@link ConsoleLogs#drain}).
 */
@QuarkusMain
public final class Main {

    /** The exit status when a prerequisite the sidecar cannot run without is missing. */
    public static final int MISSING_PREREQUISITE = 2;

    private static final Logger LOG = Logger.getLogger(Main.class);
    /** Quarkus's setting for JSON console logs (also {@code QUARKUS_LOG_CONSOLE_JSON_ENABLED}). */
    static final String JSON_LOGS = "quarkus.log.console.json.enabled";

    private Main() {
    }

    public static void main(String... args) {
        List<Prerequisites.Finding> missing = new Prerequisites(ConfigProvider.getConfig()).missing();
        if (missing.stream().anyMatch(Prerequisites.Finding::fatal)) {
            cannotStart(missing, ConfigProvider.getConfig().getOptionalValue(JSON_LOGS, Boolean.class).orElse(false))
                    .forEach(System.err::println);
            System.exit(MISSING_PREREQUISITE);
        }
        Quarkus.run(null, Main::exit, args);
    }

    /**
     * The lines that say why the sidecar cannot start: a heading and one line per missing prerequisite; with JSON logs
     * on ({@value #JSON_LOGS}), one JSON object per missing prerequisite instead, with the fields of Quarkus's own JSON
     * lines that a log pipeline keys on ({@code timestamp}, {@code level}: ERROR, or WARN for one it can run without,
     * {@code loggerName}, {@code message}), since Quarkus's log is not set up yet.
     */
    static List<String> cannotStart(List<Prerequisites.Finding> missing, boolean json) {
        if (!json) {
            List<String> lines = new java.util.ArrayList<>();
            lines.add("hcp-rollback cannot start:");
            missing.forEach(finding -> lines.add("  " + finding));
            return lines;
        }
        ObjectMapper mapper = new ObjectMapper();
        String now = java.time.OffsetDateTime.now().toString();
        return missing.stream().map(finding -> {
            ObjectNode line = mapper.createObjectNode().put("timestamp", now)
                    .put("level", finding.fatal() ? "ERROR" : "WARN").put("loggerName", Main.class.getName())
                    .put("message", "hcp-rollback cannot start: " + finding);
            return line.toString();
        }).toList();
    }

    /**
     * Quarkus's exit, as its default one but for the log: Quarkus leaves a failure to an exit handler of the
     * application's (it logs none itself then), and the JVM does not wait for the asynchronous console handler of
     * the prod profile, which could lose the last lines, the failure among them.
     */
    static void exit(int status, Throwable failure) {
        if (failure != null) {
            if (rootCause(failure) instanceof BindException) {
                LOG.errorf("hcp-rollback stopped: %s", reason(failure));
            } else {
                LOG.error("hcp-rollback stopped: " + reason(failure), failure);
            }
        }
        ConsoleLogs.drain(Duration.ofSeconds(5));
        System.exit(status);
    }

    /** The failure and, when another, its root cause, each as {@code Type: message}. */
    static String reason(Throwable failure) {
        Throwable root = rootCause(failure);
        return root == failure ? failure.toString() : failure + " (root cause: " + root + ")";
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
