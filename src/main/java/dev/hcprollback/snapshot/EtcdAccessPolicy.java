package dev.hcprollback.snapshot;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.hcprollback.config.HcpRollbackConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * An additive NetworkPolicy in a control-plane namespace admitting this sidecar's pods to the etcd pods
 * on 2379, present while at least one snapshot of that namespace runs and removed afterwards.
 */
@ApplicationScoped
public class EtcdAccessPolicy {

    private static final Logger LOG = Logger.getLogger(EtcdAccessPolicy.class);
    public static final String NAME = "hcp-rollback-etcd-snapshot";

    private final KubernetesClient client;
    private final HcpRollbackConfig.NetworkPolicy config;
    private final Map<String, Integer> users = new HashMap<>();

    public EtcdAccessPolicy(KubernetesClient client, HcpRollbackConfig config) {
        this.client = client;
        this.config = config.snapshot().networkPolicy();
    }

    /** Opens the way for one snapshot; pair with {@link #release(String)}. */
    public void acquire(String namespace) {
        if (!config.enabled()) {
            return;
        }
        synchronized (users) {
            users.merge(namespace, 1, Integer::sum);
        }
        client.network().v1().networkPolicies().inNamespace(namespace).resource(policy(namespace)).createOr(
                existing -> existing.update());
    }

    public void release(String namespace) {
        if (!config.enabled()) {
            return;
        }
        synchronized (users) {
            int left = users.merge(namespace, -1, Integer::sum);
            if (left > 0) {
                return;
            }
            users.remove(namespace);
        }
        try {
            client.network().v1().networkPolicies().inNamespace(namespace).withName(NAME).delete();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not remove NetworkPolicy %s/%s: %s", namespace, NAME, e.getMessage());
        }
    }

    public NetworkPolicy policy(String namespace) {
        Map<String, String> podLabels = new LinkedHashMap<>();
        for (String pair : config.podLabels()) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                podLabels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(NAME).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "hcp-rollback").endMetadata()
                .withNewSpec()
                .withNewPodSelector().addToMatchLabels("app", "etcd").endPodSelector()
                .addToPolicyTypes("Ingress")
                .addNewIngress()
                .addNewFrom()
                .withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", config.podNamespace())
                .endNamespaceSelector()
                .withNewPodSelector().addToMatchLabels(podLabels).endPodSelector()
                .endFrom()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(2379)).endPort()
                .endIngress()
                .endSpec().build();
    }
}
