package dev.hcprollback.update;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How updates are watched for health ({@code hcp-rollback.update.*}; config/README.md lists them). */
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

    /** How long the HostedCluster's {@code Degraded} may be True. */
    @WithDefault("15m")
    Duration degradedThreshold();

    /** How long the HostedCluster's {@code ClusterVersionFailing} may be True. */
    @WithDefault("15m")
    Duration clusterVersionFailingThreshold();

    /** How long the HostedCluster's {@code EtcdAvailable} may be False. */
    @WithDefault("5m")
    Duration etcdAvailableThreshold();

    /** How long a Deployment of the control-plane namespace may have fewer available replicas than it wants. */
    @WithDefault("10m")
    Duration deploymentThreshold();

    /** Restarts of one container of a control-plane pod, since the update started, that count as restarting repeatedly. */
    @WithDefault("5")
    int restartLimit();
}
