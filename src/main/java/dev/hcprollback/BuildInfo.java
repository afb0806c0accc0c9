package dev.hcprollback;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

/**
 * {@code hcp_rollback_build_info{version,java_version} 1}: which build each replica runs, so that a dashboard or
 * an alert can join on it (e.g. during a rolling update, two versions side by side). {@code version} is the
 * project's version ({@code quarkus.application.version}, from {@code pom.xml}), {@code java_version} the
 * running JVM's ({@link Runtime#version()}).
 */
@ApplicationScoped
public class BuildInfo {

    static final String NAME = "hcp_rollback_build_info";

    void export(@Observes StartupEvent started, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.application.version") String version) {
        Gauge.builder(NAME, () -> 1).description("The build this replica runs; always 1")
                .tag("version", version).tag("java_version", Runtime.version().toString()).register(registry);
    }
}
