package dev.hcprollback.rollback;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.hcprollback.HcpRollbackConfig;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;

/**
 * JOSDK leader election: quarkus-operator-sdk picks up a {@link LeaderElectionConfiguration} bean and
 * activates it in the profiles of {@code quarkus.operator-sdk.activate-leader-election-for-profiles}
 * (prod). Only the holder of the Lease runs the controllers; every replica serves the webhook.
 */
public class RollbackLeaderElection {

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(HcpRollbackConfig config) {
        return new LeaderElectionConfiguration(config.rollback().leaderElection().leaseName(),
                config.rollback().leaderElection().leaseNamespace());
    }
}
