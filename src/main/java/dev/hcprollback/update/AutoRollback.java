package dev.hcprollback.update;

import java.util.Map;
import java.util.Optional;

import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.cluster.RollbackRequests;
import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The sidecar's own rollback request, for clusters an SRE opted in with
 * {@code rollback.hypershift.openshift.io/auto-rollback: "true"} (an annotation of the guarded prefix:
 * only holders of the rollback verb set it). It is the same request annotations an SRE would set,
 * with the reason {@code automatic: <signals>}: the webhook admits them as the sidecar's, and the
 * rollback trigger takes it from there.
 */
final class AutoRollback {

    static final String ANNOTATION = RollbackRequest.AUTO_ROLLBACK;

    private final KubernetesClient client;

    AutoRollback(KubernetesClient client) {
        this.client = client;
    }

    static boolean optedIn(HostedCluster cluster) {
        return RollbackRequest.autoRollback(cluster);
    }

    /** Why no request may be filed now (an SRE's request pending, a rollback unfinished), or empty. */
    Optional<String> blocked(HostedCluster cluster) {
        if (RollbackRequest.of(cluster).isPresent()) {
            return Optional.of("a rollback request is pending on the HostedCluster (to "
                    + RollbackRequest.of(cluster).toVersion().get() + ")");
        }
        return RollbackRequests.unfinished(client, cluster).map(r -> "rollback " + r.getMetadata().getName() + " is unfinished");
    }

    /** Whether the HostedCluster says the automatic rollback of the update {@code record} names was filed. */
    static boolean filedFor(HostedCluster cluster, String record) {
        return RollbackRequest.autoRollbackFiled(cluster).map(record::equals).orElse(false);
    }

    /**
     * Sets the request annotations and, in the same patch, {@link RollbackRequest#AUTO_ROLLBACK_FILED} naming the
     * update's record (whose name the update determines), guarded by the resourceVersion read: a concurrent SRE
     * request wins.
     */
    void file(HostedCluster cluster, String toVersion, String reason, String record) {
        Map<String, String> request = new java.util.LinkedHashMap<>();
        request.put(RollbackRequest.TO_VERSION, toVersion);
        request.put(RollbackRequest.REASON, reason);
        request.put(RollbackRequest.AUTO_ROLLBACK_FILED, record);
        RollbackRequests.patchAnnotations(client, cluster, request, null);
    }
}
