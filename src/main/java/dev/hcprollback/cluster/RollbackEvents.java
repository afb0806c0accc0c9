package dev.hcprollback.cluster;

import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Kubernetes Events of a rollback or an update: each on the HostedCluster ({@code kubectl describe hc}) and the same
 * on the record it is about ({@code kubectl describe cprb|cpupd}), with a reason that names what happened
 * ({@code RollbackStepSucceeded}, {@code UpdateUnhealthy}, ...). The same event again on the same object counts up
 * ({@code count}, {@code lastTimestamp}) instead of adding one.
 */
public interface RollbackEvents {

    void normal(HostedCluster cluster, HasMetadata record, String reason, String message);

    void warning(HostedCluster cluster, HasMetadata record, String reason, String message);
}
