package dev.hcprollback.update;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import dev.hcprollback.api.HealthSignal;
import dev.hcprollback.hypershift.Timestamps;

/**
 * A signal that is red now: since when, and how long it may stay red before the update is
 * Unhealthy. {@code object} names what it concerns when that is not the HostedCluster itself.
 */
public record RedSignal(String name, String object, Instant since, Duration threshold, String message) {

    public boolean overThreshold(Instant now) {
        return !since.plus(threshold).isAfter(now);
    }

    /** The same signal of the same object (what evidence is carried over by). */
    public boolean sameAs(HealthSignal recorded) {
        return name.equals(recorded.getName()) && Objects.equals(object, recorded.getObject());
    }

    public HealthSignal evidence() {
        return new HealthSignal(name, object, Timestamps.format(since), Timestamps.human(threshold), message);
    }

    /** {@code Degraded} or {@code DeploymentUnavailable kube-apiserver}. */
    public String label() {
        return name + (object == null ? "" : " " + object);
    }
}
