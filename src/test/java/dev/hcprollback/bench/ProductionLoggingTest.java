package dev.hcprollback.bench;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;

import org.jboss.logmanager.LogContext;
import org.junit.jupiter.api.Test;

/** A benchmark refuses to measure a JVM that would format debug messages, and production levels pass. */
class ProductionLoggingTest {

    @Test
    void debugOnTheRootOrALibraryLoggerFailsTheRunLoudly() {
        var root = LogContext.getLogContext().getLogger("");
        var jetty = LogContext.getLogContext().getLogger("org.eclipse.jetty");
        Level rootBefore = root.getLevel();
        Level jettyBefore = jetty.getLevel();
        try {
            root.setLevel(Level.ALL); // what the JBoss log manager does without a configuration
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> ProductionLogging.requireInThisJvm("the test JVM"));
            assertTrue(failure.getMessage().contains("root logger"), failure.getMessage());

            root.setLevel(Level.INFO);
            jetty.setLevel(Level.FINE);
            IllegalStateException jettyFailure = assertThrows(IllegalStateException.class,
                    () -> ProductionLogging.requireInThisJvm("the test JVM"));
            assertTrue(jettyFailure.getMessage().contains("org.eclipse.jetty"), jettyFailure.getMessage());

            root.setLevel(Level.ALL);
            ProductionLogging.applyToThisJvm();
            assertDoesNotThrow(() -> ProductionLogging.requireInThisJvm("the test JVM"), "production levels, applied, pass");
        } finally {
            root.setLevel(rootBefore);
            jetty.setLevel(jettyBefore);
        }
    }
}
