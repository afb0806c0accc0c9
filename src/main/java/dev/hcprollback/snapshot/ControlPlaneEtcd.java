package dev.hcprollback.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.ManagedEtcd;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * How the sidecar reaches the etcd of one hosted control plane: its client endpoint (the
 * {@code etcd-client} Service, or the configured override), each etcd shard's likewise through its own Service, and the client certificate HyperShift
 * keeps in that namespace. Snapshots stream through it; a rollback plan reads key changes through it.
 */
@ApplicationScoped
public class ControlPlaneEtcd {

    /** The default etcd's client Service. */
    static final String CLIENT_SERVICE = "etcd-client";

    @Inject
    KubernetesClient client;

    @Inject
    HcpRollbackConfig config;

    /** The default etcd's client endpoint: {@code https://etcd-client.<controlPlane>.svc:2379} unless configured. */
    public String endpoint(String controlPlane) {
        return endpoint(config.snapshot().etcd().endpoint(), controlPlane, CLIENT_SERVICE);
    }

    /**
     * The client endpoint of etcd shard {@code shard}, derived as the default etcd's but through its own client Service
     * {@code etcd-client-<shard>} ({@link ManagedEtcd.Shard#clientService()}):
     * {@code https://etcd-client-<shard>.<controlPlane>.svc:2379}, the setting {@code shard-endpoints.<shard>}, or
     * the setting {@code endpoint} with {@code {service}} replaced.
     *
     * @throws SnapshotFailure (EtcdUnreachable) when {@code endpoint} is set without {@code {service}} and the shard has
     *         no endpoint of its own: it would name the default etcd, whose snapshot must never stand for the shard's
     */
    public SnapshotTaker.ShardEndpoint shardEndpoint(String controlPlane, ManagedEtcd.Shard shard) throws SnapshotFailure {
        HcpRollbackConfig.Etcd etcd = config.snapshot().etcd();
        String own = etcd.shardEndpoints().get(shard.name);
        if (own != null) {
            return new SnapshotTaker.ShardEndpoint(shard.name, own.replace("{namespace}", controlPlane));
        }
        if (etcd.endpoint().isPresent() && !etcd.endpoint().get().contains("{service}")) {
            throw new SnapshotFailure(SnapshotFailure.Reason.EtcdUnreachable, "etcd shard " + shard.name
                    + ": no endpoint: hcp-rollback.snapshot.etcd.endpoint (" + etcd.endpoint().get()
                    + ") names the default etcd only; write {service} in it or set"
                    + " hcp-rollback.snapshot.etcd.shard-endpoints." + shard.name);
        }
        return new SnapshotTaker.ShardEndpoint(shard.name, endpoint(etcd.endpoint(), controlPlane, shard.clientService()));
    }

    private static String endpoint(java.util.Optional<String> configured, String controlPlane, String service) {
        return configured.map(e -> e.replace("{namespace}", controlPlane).replace("{service}", service))
                .orElse("https://" + service + "." + controlPlane + ".svc:2379");
    }

    public EtcdSnapshotStreamer streamer() {
        HcpRollbackConfig.Etcd etcd = config.snapshot().etcd();
        return new EtcdSnapshotStreamer(etcd.connectTimeout(), etcd.requestTimeout(), etcd.snapshotTimeout(),
                etcd.idleTimeout());
    }

    /** A client with the control plane's credentials; the caller closes it. */
    public Client connect(String controlPlane) throws SnapshotFailure {
        return streamer().connect(endpoint(controlPlane), config.snapshot().etcd().authority(), credentials(controlPlane));
    }

    /**
     * A client of etcd shard {@code shard} through its own endpoint ({@link #shardEndpoint}), with the credentials
     * the snapshot of it uses; the caller closes it.
     */
    public Client connect(String controlPlane, ManagedEtcd.Shard shard) throws SnapshotFailure {
        return streamer().connect(shardEndpoint(controlPlane, shard).endpoint(), config.snapshot().etcd().authority(),
                credentials(controlPlane));
    }

    /** Secret {@code etcd-client-tls} and ConfigMap {@code etcd-ca} of the control-plane namespace, read by name only. */
    public EtcdCredentials credentials(String controlPlane) throws SnapshotFailure {
        Secret secret = client.secrets().inNamespace(controlPlane).withName(EtcdCredentials.SECRET).get();
        ConfigMap ca = client.configMaps().inNamespace(controlPlane).withName(EtcdCredentials.CA_CONFIG_MAP).get();
        List<String> missing = new ArrayList<>();
        String cert = secret == null ? null : decode(secret, EtcdCredentials.SECRET_CERT_KEY);
        String key = secret == null ? null : decode(secret, EtcdCredentials.SECRET_KEY_KEY);
        String caPem = ca == null || ca.getData() == null ? null : ca.getData().get(EtcdCredentials.CA_KEY);
        if (secret == null) {
            missing.add("Secret " + controlPlane + "/" + EtcdCredentials.SECRET + " not found");
        } else if (cert == null || key == null) {
            missing.add("Secret " + controlPlane + "/" + EtcdCredentials.SECRET + " lacks " + EtcdCredentials.SECRET_CERT_KEY
                    + " or " + EtcdCredentials.SECRET_KEY_KEY);
        }
        if (ca == null) {
            missing.add("ConfigMap " + controlPlane + "/" + EtcdCredentials.CA_CONFIG_MAP + " not found");
        } else if (caPem == null) {
            missing.add("ConfigMap " + controlPlane + "/" + EtcdCredentials.CA_CONFIG_MAP + " lacks " + EtcdCredentials.CA_KEY);
        }
        if (!missing.isEmpty()) {
            throw new SnapshotFailure(SnapshotFailure.Reason.CredentialsMissing,
                    "etcd client certificate missing: " + String.join("; ", missing));
        }
        return new EtcdCredentials(caPem, cert, key);
    }

    private static String decode(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
        }
        return secret.getStringData() == null ? null : secret.getStringData().get(key);
    }
}
