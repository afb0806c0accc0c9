package dev.hcprollback.rollback.steps;

import java.time.Duration;

import dev.hcprollback.api.Step;
import dev.hcprollback.config.HcpRollbackConfig;

/** The timeouts and knobs of a rollback, from {@code hcp-rollback.rollback.*}; {@code window} is how long after an update it may be rolled back; {@code cancelAfter} how long after its record was created a rollback that has not reached its point of no return is cancelled; {@code fetchImage} is the image that fetches and verifies the snapshot in each stage Job and measures the volumes ({@link FetchImage}). */
public record RollbackSettings(Duration pauseTimeout, Duration quiesceTimeout, Duration restoreTimeout,
        Duration etcdQuorumTimeout, Duration verifyTimeout, Duration pollInterval, Duration maxPollInterval,
        Duration restoreUrlTtl, long bumpRevision, Duration window, boolean stageWhileServing, FetchImage fetchImage,
        Duration cancelAfter) {

    public static RollbackSettings of(HcpRollbackConfig.Rollback config, FetchImage fetchImage) {
        return new RollbackSettings(config.pauseTimeout(), config.quiesceTimeout(), config.restoreTimeout(),
                config.etcdQuorumTimeout(), config.verifyTimeout(), config.pollInterval(), config.maxPollInterval(),
                config.restoreUrlTtl(), config.bumpRevision(), config.window(), config.stageWhileServing(), fetchImage,
                config.cancelAfter());
    }

    /** The sidecar's image as the tests without Quarkus name it. */
    public static final String DEFAULT_FETCH_IMAGE = "quay.io/hcp-rollback/hcp-rollback:0.1.0-SNAPSHOT";

    /** The defaults of the configuration, for tests that run without Quarkus. */
    public static RollbackSettings defaults() {
        return new RollbackSettings(Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofMinutes(30),
                Duration.ofMinutes(15), Duration.ofMinutes(60), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofMinutes(30), 1_000_000_000L, Duration.ofHours(24), true,
                FetchImage.fixed(DEFAULT_FETCH_IMAGE, "hcp-rollback.rollback.fetch-image"), Duration.ofHours(6));
    }

    /** How long a step may wait for the world before it fails; zero for steps that do not wait. */
    public Duration timeoutOf(Step step) {
        return switch (step) {
            case Pause -> pauseTimeout;
            case Quiesce -> quiesceTimeout;
            case Stage, Swap -> restoreTimeout;
            case StartEtcd -> etcdQuorumTimeout;
            case Verify -> verifyTimeout;
            case Revert, Resume -> Duration.ZERO;
        };
    }

    /** The next look: a tenth of the time waited so far, between the poll interval and its maximum. */
    public Duration backOff(Duration waited) {
        Duration tenth = waited.dividedBy(10);
        if (tenth.compareTo(pollInterval) < 0) {
            return pollInterval;
        }
        return tenth.compareTo(maxPollInterval) > 0 ? maxPollInterval : tenth;
    }
}
