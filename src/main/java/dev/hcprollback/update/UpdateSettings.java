package dev.hcprollback.update;

import java.time.Duration;

/** The knobs of {@link UpdateHealthConfig}, plus the rollback window, as a value tests can build without Quarkus. */
public record UpdateSettings(Duration soak, Duration pollInterval, Duration completionTimeout, Duration availableThreshold,
        Duration degradedThreshold, Duration clusterVersionFailingThreshold, Duration etcdAvailableThreshold,
        Duration deploymentThreshold, int restartLimit, Duration window) {

    public static UpdateSettings of(UpdateHealthConfig config, Duration window) {
        return new UpdateSettings(config.soak(), config.pollInterval(), config.completionTimeout(),
                config.availableThreshold(), config.degradedThreshold(), config.clusterVersionFailingThreshold(),
                config.etcdAvailableThreshold(), config.deploymentThreshold(), config.restartLimit(), window);
    }

    /** The configuration's defaults. */
    public static UpdateSettings defaults() {
        return new UpdateSettings(Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofHours(2), Duration.ofMinutes(10),
                Duration.ofMinutes(15), Duration.ofMinutes(15), Duration.ofMinutes(5), Duration.ofMinutes(10), 5,
                Duration.ofHours(24));
    }
}
