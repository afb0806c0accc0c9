package dev.hcprollback.bench;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;

import org.jboss.logmanager.LogContext;
import org.junit.jupiter.api.Test;

/** The snapshot benchmark refuses to measure a JVM that would format debug messages. */
class SnapshotLogLevelsTest {

    @Test
    void debugOnTheRootOrAHotLoggerFailsTheRunLoudly() {
        var root = LogContext.getLogContext().getLogger("");
        var jetty = LogContext.getLogContext().getLogger("org.eclipse.jetty");
        var project = LogContext.getLogContext().getLogger("dev.hcprollback");
        Level rootBefore = root.getLevel();
        Level jettyBefore = jetty.getLevel();
        Level projectBefore = project.getLevel();
        try {
            root.setLevel(Level.ALL); // what the JBoss log manager does without a configuration
            IllegalStateException failure = assertThrows(IllegalStateException.class, () -> SnapshotLogLevels.require("test"));
            assertTrue(failure.getMessage().contains("DEBUG logging is on"), failure.getMessage());

            root.setLevel(Level.INFO);
            jetty.setLevel(Level.FINE);
            IllegalStateException jettyFailure = assertThrows(IllegalStateException.class,
                    () -> SnapshotLogLevels.require("test"));
            assertTrue(jettyFailure.getMessage().contains("org.eclipse.jetty"), jettyFailure.getMessage());

            assertDoesNotThrow(SnapshotLogLevels::apply, "production levels, applied, pass");
        } finally {
            root.setLevel(rootBefore);
            jetty.setLevel(jettyBefore);
            project.setLevel(projectBefore);
        }
    }
}
