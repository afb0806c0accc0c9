package dev.hcprollback.update;

import java.time.Duration;

/** The knobs of {@link UpdateHealthConfig}, plus the rollback window, as a value tests can build without Quarkus. */
public record UpdateSettings(Duration soak, Duration pollInterval, Duration completionTimeout, Duration availableThreshold,
        Duration degradedThreshold, Duration clusterVersionFailingThreshold, Duration etcdAvailableThreshold,
        Duration deploymentThreshold, int restartLimit, Duration window, Duration flapWindow, int flapChanges) {

    /** The settings with the default flapping rule: more than 3 changes in 15 minutes. */
    public UpdateSettings(Duration soak, Duration pollInterval, Duration completionTimeout, Duration availableThreshold,
            Duration degradedThreshold, Duration clusterVersionFailingThreshold, Duration etcdAvailableThreshold,
            Duration deploymentThreshold, int restartLimit, Duration window) {
        this(soak, pollInterval, completionTimeout, availableThreshold, degradedThreshold, clusterVersionFailingThreshold,
                etcdAvailableThreshold, deploymentThreshold, restartLimit, window, Duration.ofMinutes(15), 3);
    }

    public static UpdateSettings of(UpdateHealthConfig config, Duration window) {
        return new UpdateSettings(config.soak(), config.pollInterval(), config.completionTimeout(),
                config.availableThreshold(), config.degradedThreshold(), config.clusterVersionFailingThreshold(),
                config.etcdAvailableThreshold(), config.deploymentThreshold(), config.restartLimit(), window,
                config.flapWindow(), config.flapChanges());
    }

    /** The configuration's defaults. */
    public static UpdateSettings defaults() {
        return new UpdateSettings(Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofHours(2), Duration.ofMinutes(10),
                Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofMinutes(5), Duration.ofMinutes(10), 5,
                Duration.ofHours(24));
    }
}
