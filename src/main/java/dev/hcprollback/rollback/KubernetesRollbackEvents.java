package dev.hcprollback.rollback;

import java.time.Clock;
import java.util.UUID;

import org.jboss.logging.Logger;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.Timestamps;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Writes core/v1 Events; an Event that cannot be written is logged, never fails a rollback. */
public class KubernetesRollbackEvents implements RollbackEvents {

    private static final Logger LOG = Logger.getLogger(KubernetesRollbackEvents.class);

    private final KubernetesClient client;
    private final Clock clock;

    public KubernetesRollbackEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
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
        String now = Timestamps.format(clock.instant());
        try {
            client.v1().events().inNamespace(cluster.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(cluster.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .withNamespace(cluster.getMetadata().getNamespace())
                    .endMetadata()
                    .withNewInvolvedObject()
                    .withApiVersion(cluster.getApiVersion()).withKind(cluster.getKind())
                    .withName(cluster.getMetadata().getName()).withNamespace(cluster.getMetadata().getNamespace())
                    .withUid(cluster.getMetadata().getUid())
                    .endInvolvedObject()
                    .withType(type).withReason(reason)
                    .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource("hcp-rollback", null)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("event %s on %s/%s not written: %s", reason, cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), e.getMessage());
        }
    }
}
