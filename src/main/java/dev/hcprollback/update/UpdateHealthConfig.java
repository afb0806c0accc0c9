package dev.hcprollback.update;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How updates are watched for health ({@code hcp-rollback.update.*}; config/README.md lists them).
 *
 * <p>
 * The thresholds are no shorter than the HyperShift rollout they judge (docs/update-health.md, "Where the
 * defaults come from"): HyperShift rolls a control-plane Deployment of 3 replicas with {@code maxSurge: 0,
 * maxUnavailable: 1} ({@code support/config/deployment.go}, {@code DeploymentConfig.ApplyTo}) and sets no
 * {@code progressDeadlineSeconds}, so Kubernetes' default of 600 s applies: each of the 3 replacements may
 * take up to 10 minutes before the Deployment is stuck, 30 minutes in all with 2 of 3 available.
 */
@ConfigMapping(prefix = "hcp-rollback.update")
public interface UpdateHealthConfig {

    /** Whether the sidecar records updates and judges their health at all. */
    @WithDefault("true")
    boolean enabled();

    /** How long after the update completed every signal must stay green for the update to be Healthy. */
    @WithDefault("1h")
    Duration soak();

    /** How often a cluster with an unfinished verdict is looked at again. */
    @WithDefault("1m")
    Duration pollInterval();

    /** The update is not Completed this long after it started: the signal {@code UpdateNotCompleted}. */
    @WithDefault("2h")
    Duration completionTimeout();

    /** How long the HostedCluster's {@code Available} may be False. */
    @WithDefault("10m")
    Duration availableThreshold();

    /**
     * How long the HostedCluster's {@code Degraded} may be True: 30m, the longest healthy rollout of a
     * 3-replica control-plane Deployment (3 replacements of up to progressDeadlineSeconds, 600 s, each), during
     * which HyperShift may report the replica short.
     */
    @WithDefault("30m")
    Duration degradedThreshold();

    /** How long the HostedCluster's {@code ClusterVersionFailing} may be True. */
    @WithDefault("15m")
    Duration clusterVersionFailingThreshold();

    /** How long the HostedCluster's {@code EtcdAvailable} may be False. */
    @WithDefault("5m")
    Duration etcdAvailableThreshold();

    /**
     * How long a Deployment of the control-plane namespace may be short of replicas beyond its rollout's
     * {@code maxUnavailable}, or stuck ({@code Progressing=False}, {@code ProgressDeadlineExceeded}); a rollout
     * within {@code maxUnavailable} that is progressing is not counted at all. 10m: Kubernetes' default
     * {@code progressDeadlineSeconds} (600 s), which HyperShift does not override; a stuck Deployment has already
     * gone that long without progress. Also the threshold of {@code PodRestarting}.
     */
    @WithDefault("10m")
    Duration deploymentThreshold();

    /** Restarts of one container of a control-plane pod, since the update started, that count as restarting repeatedly. */
    @WithDefault("5")
    int restartLimit();

    /**
     * The window in which a signal's changes between red and green are counted: 15m, as in the flapping rule
     * proposed for ARO-HCP's control-plane alerts ({@code changes(...[15m]) > 3}).
     */
    @WithDefault("15m")
    Duration flapWindow();

    /** More changes than this within {@code flap-window} and a signal is flapping: the verdict is Inconclusive. */
    @WithDefault("3")
    int flapChanges();
}
