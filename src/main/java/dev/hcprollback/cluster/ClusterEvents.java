package dev.hcprollback.cluster;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.Timestamps;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Kubernetes Events (core v1) on a HostedCluster, where its owners already look, and on our own records. An event
 * equal to one this process recorded before (same object, type, reason and message) counts up on that Event
 * ({@code count}, {@code lastTimestamp}, a merge patch) instead of adding one, as kubectl's own recorders do; once the
 * API server has expired that Event (an hour by default) or after a restart, a new one starts at 1. Needs {@code create}
 * and {@code patch} on events. A failed write is logged, never thrown: an Event is no reason to stop a rollback.
 */
@ApplicationScoped
public class ClusterEvents implements RollbackEvents {

    private static final Logger LOG = Logger.getLogger(ClusterEvents.class);
    public static final String COMPONENT = "hcp-rollback";
    /** Events remembered for counting up, the least recently emitted forgotten first. */
    private static final int REMEMBERED = 2048;
    private static final int MAX_MESSAGE = 1000;

    private final KubernetesClient client;
    private final Map<String, Recorded> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Recorded> eldest) {
            return size() > REMEMBERED;
        }
    };

    private record Recorded(String name, int count) {
    }

    public ClusterEvents(KubernetesClient client) {
        this.client = client;
    }

    public void normal(HostedCluster cluster, String reason, String message) {
        emit(cluster, "Normal", reason, message);
    }

    public void warning(HostedCluster cluster, String reason, String message) {
        emit(cluster, "Warning", reason, message);
    }

    @Override
    public void normal(HostedCluster cluster, HasMetadata record, String reason, String message) {
        emit(cluster, "Normal", reason, message);
        emit(record, "Normal", reason, message);
    }

    @Override
    public void warning(HostedCluster cluster, HasMetadata record, String reason, String message) {
        emit(cluster, "Warning", reason, message);
        emit(record, "Warning", reason, message);
    }

    /** One object's Event, counted up when this process recorded the same before. */
    private synchronized void emit(HasMetadata about, String type, String reason, String message) {
        if (about == null) {
            return;
        }
        String namespace = about.getMetadata().getNamespace();
        String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message;
        String key = about.getMetadata().getUid() + "\n" + type + "\n" + reason + "\n" + text;
        String now = Timestamps.format(Instant.now());
        try {
            Recorded seen = recent.get(key);
            if (seen != null && countUp(namespace, seen, now)) {
                recent.put(key, new Recorded(seen.name(), seen.count() + 1));
                return;
            }
            Event created = client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(namespace)
                    .withName(about.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(about.getApiVersion())
                            .withKind(about.getKind()).withNamespace(namespace)
                            .withName(about.getMetadata().getName()).withUid(about.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(text)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withReportingComponent(COMPONENT)
                    .build()).create();
            recent.put(key, new Recorded(created.getMetadata().getName(), 1));
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record event %s on %s %s/%s: %s", reason, about.getKind(), namespace,
                    about.getMetadata().getName(), e.getMessage());
        }
    }

    /** False when the Event is gone (expired or deleted): the caller records a new one. */
    private boolean countUp(String namespace, Recorded seen, String now) {
        try {
            // a merge patch of an item is sent as it is; a patch given as text is read first, which needs get
            Event counted = new EventBuilder().withNewMetadata().withNamespace(namespace).withName(seen.name()).endMetadata()
                    .withCount(seen.count() + 1).withLastTimestamp(now).build();
            client.v1().events().inNamespace(namespace).resource(counted).patch(PatchContext.of(PatchType.JSON_MERGE));
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }
}
