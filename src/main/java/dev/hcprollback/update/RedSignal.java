package dev.hcprollback.update;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import dev.hcprollback.api.HealthSignal;
import dev.hcprollback.hypershift.Timestamps;

/**
 * A signal that is red now: since when, and how long it may stay red before the update is
 * Unhealthy. {@code object} names what it concerns when that is not the HostedCluster itself;
 * {@code missing} is how many replicas a Deployment is short (else null); {@code preExisting} says how
 * it is known that the signal was red before the update started (null: it is the update's).
 */
public record RedSignal(String name, String object, Instant since, Duration threshold, String message, Integer missing,
        String preExisting) {

    public RedSignal(String name, String object, Instant since, Duration threshold, String message) {
        this(name, object, since, threshold, message, null, null);
    }

    public boolean overThreshold(Instant now) {
        return !since.plus(threshold).isAfter(now);
    }

    /** Red because of the update, as far as the evidence shows: only such a signal counts towards Unhealthy. */
    public boolean attributable() {
        return preExisting == null;
    }

    /** The same signal, known red since before the update: {@code why} says how that is known. */
    public RedSignal preExisting(String why) {
        return new RedSignal(name, object, since, threshold, message, missing, why);
    }

    /** The same signal counted from {@code from} at the earliest (an update is not blamed for before it began). */
    public RedSignal countedFrom(Instant from) {
        return since.isBefore(from) ? new RedSignal(name, object, from, threshold, message, missing, preExisting) : this;
    }

    /** The same signal of the same object (what evidence is carried over by). */
    public boolean sameAs(HealthSignal recorded) {
        return name.equals(recorded.getName()) && Objects.equals(object, recorded.getObject());
    }

    public HealthSignal evidence() {
        HealthSignal evidence = new HealthSignal(name, object, Timestamps.format(since), Timestamps.human(threshold), message);
        evidence.setMissing(missing);
        evidence.setPreExisting(preExisting);
        return evidence;
    }

    /** {@code Degraded} or {@code DeploymentUnavailable kube-apiserver}. */
    public String label() {
        return name + (object == null ? "" : " " + object);
    }
}
