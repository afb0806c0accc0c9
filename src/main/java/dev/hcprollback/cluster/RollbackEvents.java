package dev.hcprollback.cluster;

import dev.hcprollback.hypershift.HostedCluster;

/** Kubernetes Events on the HostedCluster, so that {@code kubectl describe hc} tells the story. */
public interface RollbackEvents {

    void normal(HostedCluster cluster, String reason, String message);

    void warning(HostedCluster cluster, String reason, String message);
}
