package dev.hcprollback.bench;

import java.util.List;
import java.util.logging.Level;

import org.jboss.logmanager.LogContext;
import org.slf4j.LoggerFactory;

/**
 * Production log levels for the snapshot benchmark's processes (the benchmark's own JVM, which hosts the
 * s3proxy/Jetty test server, and each snapshot child JVM), and a check that fails the run loudly when a
 * measured process would still format debug messages. Without a configuration the JBoss log manager lets
 * everything through, and Jetty and the AWS SDK then spend most of an upload formatting per-buffer debug
 * lines: the figures would measure logging.
 */
final class SnapshotLogLevels {

    /** The loggers whose debug output is heavy on the snapshot path (slf4j names, as the libraries log). */
    static final List<String> HOT = List.of("org.eclipse.jetty", "org.gaul.s3proxy", "org.jclouds", "software.amazon.awssdk",
            "org.apache.http", "io.netty", "io.grpc", "io.etcd.jetcd", "dev.hcprollback");

    private SnapshotLogLevels() {
    }

    /**
     * Root at INFO in this JVM's JBoss log context (what slf4j and, with the JBoss manager, java.util.logging
     * use), and the hot loggers back to inheriting it; then {@link #require}.
     */
    static void apply() {
        LogContext.getLogContext().getLogger("").setLevel(Level.INFO);
        java.util.logging.Logger.getLogger("").setLevel(Level.INFO);
        for (String name : HOT) {
            LogContext.getLogContext().getLogger(name).setLevel(null);
            java.util.logging.Logger.getLogger(name).setLevel(null);
        }
        require("pid " + ProcessHandle.current().pid());
    }

    /** Throws when DEBUG or TRACE is on for the root logger or any hot logger of this JVM. */
    static void require(String process) {
        for (String name : HOT) {
            if (LoggerFactory.getLogger(name).isDebugEnabled() || java.util.logging.Logger.getLogger(name).isLoggable(Level.FINE)) {
                throw new IllegalStateException("DEBUG logging is on for " + name + " in the measured process " + process
                        + ": its figures would measure log formatting; run it with production log levels (root INFO)");
            }
        }
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).isDebugEnabled()) {
            throw new IllegalStateException("DEBUG logging is on for the root logger in the measured process " + process);
        }
    }
}
