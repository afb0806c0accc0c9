package dev.hcprollback;

import java.util.List;

import org.eclipse.microprofile.config.ConfigProvider;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The sidecar's entry point: checks its {@link Prerequisites} first, and exits with status 2 and one line
 * per missing one when it cannot run, before Quarkus would fail with a stack trace or retry forever.
 */
@QuarkusMain
public final class Main {

    /** The exit status when a prerequisite the sidecar cannot run without is missing. */
    public static final int MISSING_PREREQUISITE = 2;

    private Main() {
    }

    public static void main(String... args) {
        List<Prerequisites.Finding> missing = new Prerequisites(ConfigProvider.getConfig()).missing();
        if (missing.stream().anyMatch(Prerequisites.Finding::fatal)) {
            System.err.println("hcp-rollback cannot start:");
            missing.forEach(finding -> System.err.println("  " + finding));
            System.exit(MISSING_PREREQUISITE);
        }
        Quarkus.run(args);
    }
}
