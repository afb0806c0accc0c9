package dev.hcprollback.cluster;

import io.micrometer.core.instrument.Tags;

/**
 * The labels that name a HostedCluster on the sidecar's per-cluster series:
 * {@code hosted_cluster_namespace} and {@code hosted_cluster}. Not {@code namespace} and {@code cluster}:
 * Prometheus sets {@code namespace} on every scrape to the sidecar's own namespace (and OpenShift's user
 * workload monitoring enforces it), and {@code cluster} is the usual external label of a management
 * cluster in federated or Thanos set-ups; either would hide or overwrite the HostedCluster's.
 */
public final class ClusterSeries {

    /** The HostedCluster's namespace, e.g. {@code clusters}. */
    public static final String NAMESPACE = "hosted_cluster_namespace";
    /** The HostedCluster's name, e.g. {@code payments}. */
    public static final String NAME = "hosted_cluster";

    private ClusterSeries() {
    }

    /** The two labels of one HostedCluster. */
    public static Tags tags(String namespace, String name) {
        return Tags.of(NAMESPACE, namespace, NAME, name);
    }
}
