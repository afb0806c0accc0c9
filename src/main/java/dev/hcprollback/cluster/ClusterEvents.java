package dev.hcprollback.cluster;

import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Kubernetes Events on a HostedCluster, where its owners already look. */
@ApplicationScoped
public class ClusterEvents implements RollbackEvents {

    private static final Logger LOG = Logger.getLogger(ClusterEvents.class);
    public static final String COMPONENT = "hcp-rollback";

    private final KubernetesClient client;

    public ClusterEvents(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void normal(HostedCluster cluster, String reason, String message) {
        emit(cluster, "Normal", reason, message);
    }

    @Override
    public void warning(HostedCluster cluster, String reason, String message) {
        emit(cluster, "Warning", reason, message);
    }

    private void emit(HostedCluster cluster, String type, String reason, String message) {
        String now = Instant.now().toString();
        try {
            client.v1().events().inNamespace(cluster.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(cluster.getMetadata().getNamespace())
                    .withName(cluster.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(cluster.getApiVersion())
                            .withKind(cluster.getKind()).withNamespace(cluster.getMetadata().getNamespace())
                            .withName(cluster.getMetadata().getName()).withUid(cluster.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withReportingComponent(COMPONENT)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record event %s on HostedCluster %s/%s: %s", reason, cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), e.getMessage());
        }
    }
}
