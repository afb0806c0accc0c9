package dev.hcprollback.rollback;

import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;

import dev.hcprollback.HcpRollbackConfig;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;

/**
 * JOSDK leader election: quarkus-operator-sdk picks up a {@link LeaderElectionConfiguration} bean and
 * activates it in the profiles of {@code quarkus.operator-sdk.activate-leader-election-for-profiles}
 * (prod). Only the holder of the Lease runs the controllers; every replica serves the webhook.
 * {@code hcp-rollback.rollback.leader-election.enabled=false} turns it off at run time (a single
 * replica, or an API server that cannot answer JOSDK's SelfSubjectRulesReview, as in the demo).
 */
public class RollbackLeaderElection {

    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(HcpRollbackConfig config) {
        if (!config.rollback().leaderElection().enabled()) {
            return null; // quarkus-operator-sdk then runs without leader election
        }
        return new LeaderElectionConfiguration(config.rollback().leaderElection().leaseName(),
                config.rollback().leaderElection().leaseNamespace());
    }
}
