package dev.hcprollback.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Filing and clearing a rollback request on a HostedCluster, for every writer of one (an SRE's request
 * answered by the rollback trigger, the update watch's automatic request): whether a rollback of the
 * cluster is still being worked on, and the fenced patch of the request annotations.
 */
public final class RollbackRequests {

    private RollbackRequests() {
    }

    /**
     * Merge-patches {@code rollback.hypershift.openshift.io/} annotations (null {@code remove} removes
     * none), guarded by the resourceVersion read: a concurrent writer makes it fail with 409.
     */
    public static void patchAnnotations(KubernetesClient client, HostedCluster cluster, Map<String, String> set,
            String remove) {
        patchAnnotations(client, cluster, set, remove == null ? List.of() : List.of(remove), List.of());
    }

    /** As above, removing every key of both lists. */
    public static void patchAnnotations(KubernetesClient client, HostedCluster cluster, Map<String, String> set,
            List<String> remove, List<String> removeToo) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode metadata = patch.putObject("metadata");
        metadata.put("resourceVersion", cluster.getMetadata().getResourceVersion());
        ObjectNode annotations = metadata.putObject("annotations");
        set.forEach(annotations::put);
        remove.forEach(annotations::putNull);
        removeToo.forEach(annotations::putNull);
        client.resources(HostedCluster.class).inNamespace(cluster.getMetadata().getNamespace())
                .withName(cluster.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    /** A rollback of {@code cluster} not yet started or still running: while one exists, no other is filed. */
    public static Optional<ControlPlaneRollback> unfinished(KubernetesClient client, HostedCluster cluster) {
        return client.resources(ControlPlaneRollback.class).inNamespace(cluster.getMetadata().getNamespace()).list()
                .getItems().stream()
                .filter(r -> r.getSpec() != null && cluster.getMetadata().getName().equals(r.getSpec().getHostedClusterName()))
                .filter(r -> r.getStatus() == null || r.getStatus().getPhase() == null
                        || r.getStatus().getPhase() == RollbackPhase.Pending || r.getStatus().getPhase() == RollbackPhase.Running)
                .findFirst();
    }

}
