package dev.hcprollback.rollback;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.HcpRollbackConfig;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.DefaultBean;

/**
 * Reads the hosted etcd through its {@code etcd-client} Service over mutual TLS with the
 * control plane's own client certificate (Secret {@code etcd-client-tls}, CA in ConfigMap
 * {@code etcd-ca}). The additive NetworkPolicy that lets the sidecar reach port 2379 is the
 * snapshot controller's.
 */
@ApplicationScoped
@DefaultBean
public class JetcdRevisionReader implements EtcdRevisionReader {

    static final String SECRET = "etcd-client-tls";
    static final String CA_CONFIG_MAP = "etcd-ca";

    @Inject
    KubernetesClient kubernetes;

    @Inject
    HcpRollbackConfig config;

    @Override
    public DataLossWindow changesSince(String controlPlaneNamespace, long revision) throws Exception {
        Secret secret = kubernetes.secrets().inNamespace(controlPlaneNamespace).withName(SECRET).get();
        ConfigMap ca = kubernetes.configMaps().inNamespace(controlPlaneNamespace).withName(CA_CONFIG_MAP).get();
        if (secret == null || secret.getData() == null || ca == null || ca.getData() == null) {
            throw new IllegalStateException("etcd client credentials (Secret " + SECRET + ", ConfigMap " + CA_CONFIG_MAP
                    + ") are missing in " + controlPlaneNamespace);
        }
        byte[] cert = decode(secret, "etcd-client.crt");
        byte[] key = decode(secret, "etcd-client.key");
        byte[] caPem = Optional.ofNullable(ca.getData().get("ca.crt")).orElse("").getBytes(StandardCharsets.US_ASCII);
        String endpoint = "https://etcd-client." + controlPlaneNamespace + ".svc:2379";
        try (Client client = Client.builder().endpoints(URI.create(endpoint))
                .connectTimeout(config.rollback().etcdReadTimeout())
                .sslContext(ssl -> ssl.trustManager(new ByteArrayInputStream(caPem))
                        .keyManager(new ByteArrayInputStream(cert), new ByteArrayInputStream(key)))
                .build()) {
            return KeyChanges.since(client.getKVClient(), revision, config.rollback().etcdReadTimeout());
        }
    }

    private static byte[] decode(Secret secret, String key) {
        String value = secret.getData().get(key);
        if (value == null) {
            throw new IllegalStateException("Secret " + SECRET + " has no " + key);
        }
        return Base64.getDecoder().decode(value);
    }
}
