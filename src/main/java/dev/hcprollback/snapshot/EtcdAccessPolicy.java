package dev.hcprollback.snapshot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

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
 * on 2379, present while at least one snapshot of that namespace runs and removed afterwards. The etcd pods
 * are those of the default etcd ({@code app: etcd}) and of each etcd shard HyperShift runs there
 * ({@code app: etcd-<shard>}, the StatefulSet's name: control-plane-operator's v2/etcd/shard.go): a policy
 * selecting only these never isolates another pod of the namespace.
 */
@ApplicationScoped
public class EtcdAccessPolicy {

    private static final Logger LOG = Logger.getLogger(EtcdAccessPolicy.class);
    public static final String NAME = "hcp-rollback-etcd-snapshot";
    /** The default etcd's pods' {@code app} label (StatefulSet {@code etcd}). */
    public static final String DEFAULT_ETCD = "etcd";

    private final KubernetesClient client;
    private final HcpRollbackConfig.NetworkPolicy config;
    /** Per namespace, the etcd apps each running user asked for. */
    private final Map<String, List<Collection<String>>> users = new HashMap<>();

    public EtcdAccessPolicy(KubernetesClient client, HcpRollbackConfig config) {
        this.client = client;
        this.config = config.snapshot().networkPolicy();
    }

    /** Opens the way to the default etcd for one user; pair with {@link #release(String)}. */
    public void acquire(String namespace) {
        acquire(namespace, List.of(DEFAULT_ETCD));
    }

    /**
     * Opens the way to the etcd pods labelled {@code app} with one of {@code etcdApps} (e.g. {@code etcd},
     * {@code etcd-events}) for one user; pair with {@link #release(String)}. The policy admits what every
     * current user of the namespace asked for, so one user never narrows another's way.
     */
    public void acquire(String namespace, Collection<String> etcdApps) {
        if (!config.enabled()) {
            return;
        }
        TreeSet<String> apps = new TreeSet<>();
        synchronized (users) {
            List<Collection<String>> current = users.computeIfAbsent(namespace, n -> new ArrayList<>());
            current.add(List.copyOf(etcdApps));
            current.forEach(apps::addAll);
        }
        client.network().v1().networkPolicies().inNamespace(namespace).resource(policy(namespace, apps)).createOr(
                existing -> existing.update());
    }

    public void release(String namespace) {
        if (!config.enabled()) {
            return;
        }
        synchronized (users) {
            List<Collection<String>> current = users.get(namespace);
            if (current != null) {
                current.remove(current.size() - 1);
                if (!current.isEmpty()) {
                    return; // left as wide as it is until the last user goes: never narrowed under a running user
                }
            }
            users.remove(namespace);
        }
        try {
            client.network().v1().networkPolicies().inNamespace(namespace).withName(NAME).delete();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not remove NetworkPolicy %s/%s: %s", namespace, NAME, e.getMessage());
        }
    }

    /** The policy for the default etcd only. */
    public NetworkPolicy policy(String namespace) {
        return policy(namespace, List.of(DEFAULT_ETCD));
    }

    /** The policy admitting this sidecar's pods to the etcd pods whose {@code app} label is one of {@code etcdApps}. */
    public NetworkPolicy policy(String namespace, Collection<String> etcdApps) {
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
                .withNewPodSelector().addNewMatchExpression().withKey("app").withOperator("In")
                .withValues(List.copyOf(new TreeSet<>(etcdApps))).endMatchExpression().endPodSelector()
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
