package dev.hcprollback.api;

/**
 * The verdict on an update, greenboot-style: {@code Soaking} while it runs and for the soak period
 * after it completed; {@code Healthy} when the soak stayed green; {@code Unhealthy} when a signal
 * stayed red past its threshold (back to {@code Soaking} once every signal is green again);
 * {@code Inconclusive} when the evidence is mixed (a signal flaps, or only the control-plane objects are
 * red while the HostedCluster reports nothing wrong): a person should look, nothing is done automatically
 * (the term is Argo Rollouts' for an analysis that neither passed nor failed);
 * {@code RolledBack} when a rollback undid it; {@code Superseded} when a later update started.
 */
public enum UpdateHealth {
    Soaking,
    Healthy,
    Unhealthy,
    Inconclusive,
    RolledBack,
    Superseded;

    /** No further verdict follows: the record is history. */
    public boolean isFinal() {
        return this == Healthy || this == RolledBack || this == Superseded;
    }
}
