package dev.hcprollback.hypershift;

/**
 * HyperShift's handshake after a control plane is restored from a backup (openshift/hypershift, read at commit
 * 3ee9615567):
 * <ul>
 * <li>{@link #ANNOTATION} on the HostedCluster (HyperShift's OADP plugin sets it to {@code "true"}; only its presence
 * counts) is copied by the hypershift-operator to the HostedControlPlane
 * (hostedcluster_controller.go, mirrored annotations). While the cluster is paused nothing is copied.</li>
 * <li>The hosted cluster config operator, seeing it on the HostedControlPlane, runs its recovery on every pass
 * (control-plane-operator/hostedclusterconfigoperator/controllers/resources/resources.go,
 * {@code reconcileClusterRecovery}; recovery/recovery.go): when StatefulSet {@code openshift-monitoring/prometheus-k8s}
 * of the hosted cluster has fewer available replicas than replicas, it deletes every PVC of
 * {@code openshift-monitoring} and the StatefulSet's pods (once each per operator process), and looks again after
 * 120 s. It sets {@link #CONDITION} on the HostedControlPlane: {@code False} "Hosted cluster recovery not finished
 * yet", then {@code True} "Hosted cluster recovery finished", reason {@link #REASON} either way.</li>
 * <li>The hypershift-operator copies the condition to the HostedCluster ({@code Unknown} until the HostedControlPlane
 * reports one) and, once it is True, removes the annotation from the HostedCluster, and so from the
 * HostedControlPlane. It never removes the condition: a cluster restored before keeps a True one, which it copies
 * as soon as the annotation is set again (keeping an old status over an {@code Unknown}), and so removes the
 * annotation at once, with that True's old transition time.</li>
 * <li>While the annotation is there, each new NodePool token Secret is marked ignition-reached
 * (hypershift-operator/controllers/nodepool/token.go), so that pools whose nodes already run keep
 * {@link #REACHED_IGNITION_ENDPOINT} True and their MachineHealthChecks.</li>
 * </ul>
 */
public final class RestoreRecovery {

    public static final String ANNOTATION = HostedCluster.GROUP + "/restored-from-backup";
    /** The value HyperShift's OADP plugin writes. */
    public static final String VALUE = "true";
    public static final String CONDITION = "HostedClusterRestoredFromBackup";
    public static final String REASON = "RecoveryFinished";
    /** NodePool condition: an instance of the pool fetched its ignition payload (MachineHealthChecks wait for it). */
    public static final String REACHED_IGNITION_ENDPOINT = "ReachedIgnitionEndpoint";

    private RestoreRecovery() {
    }
}
