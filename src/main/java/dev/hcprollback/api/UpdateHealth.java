package dev.hcprollback.api;

/**
 * The verdict on an update, greenboot-style: {@code Soaking} while it runs and for the soak period
 * after it completed; {@code Healthy} when the soak stayed green; {@code Unhealthy} when a signal
 * stayed red past its threshold (back to {@code Soaking} once every signal is green again);
 * {@code RolledBack} when a rollback undid it; {@code Superseded} when a later update started.
 */
public enum UpdateHealth {
    Soaking,
    Healthy,
    Unhealthy,
    RolledBack,
    Superseded;

    /** No further verdict follows: the record is history. */
    public boolean isFinal() {
        return this == Healthy || this == RolledBack || this == Superseded;
    }
}
