package dev.hcprollback.rollback;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.hcprollback.HcpRollbackConfig;
import dev.hcprollback.snapshot.EtcdAccessPolicy;
import dev.hcprollback.snapshot.EtcdCredentials;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Reads the hosted etcd for the plan the way the snapshot controller reaches it: the same endpoint
 * and timeouts ({@code hcp-rollback.snapshot.etcd.*}), the control plane's client certificate, and
 * the additive NetworkPolicy that admits the sidecar to port 2379 while the read runs.
 */
@ApplicationScoped
public class EtcdKeyChangeReader implements EtcdRevisionReader {

    @Inject
    KubernetesClient kubernetes;

    @Inject
    HcpRollbackConfig config;

    @Inject
    EtcdAccessPolicy accessPolicy;

    @Override
    public DataLossWindow changesSince(String controlPlaneNamespace, long revision) throws Exception {
        EtcdCredentials credentials = credentials(controlPlaneNamespace);
        HcpRollbackConfig.Etcd etcd = config.snapshot().etcd();
        String endpoint = etcd.endpoint().map(e -> e.replace("{namespace}", controlPlaneNamespace))
                .orElse("https://etcd-client." + controlPlaneNamespace + ".svc:2379");
        accessPolicy.acquire(controlPlaneNamespace);
        try {
            ClientBuilder builder = Client.builder().endpoints(URI.create(endpoint)).connectTimeout(etcd.connectTimeout())
                    .sslContext(ssl -> ssl.trustManager(credentials.ca()).keyManager(credentials.cert(), credentials.key()));
            etcd.authority().ifPresent(builder::authority);
            try (Client client = builder.build()) {
                return KeyChanges.since(client.getKVClient(), revision, etcd.requestTimeout());
            }
        } finally {
            accessPolicy.release(controlPlaneNamespace);
        }
    }

    private EtcdCredentials credentials(String ns) {
        Secret secret = kubernetes.secrets().inNamespace(ns).withName(EtcdCredentials.SECRET).get();
        ConfigMap ca = kubernetes.configMaps().inNamespace(ns).withName(EtcdCredentials.CA_CONFIG_MAP).get();
        String cert = decode(secret, EtcdCredentials.SECRET_CERT_KEY);
        String key = decode(secret, EtcdCredentials.SECRET_KEY_KEY);
        String caPem = ca == null || ca.getData() == null ? null : ca.getData().get(EtcdCredentials.CA_KEY);
        if (cert == null || key == null || caPem == null) {
            throw new IllegalStateException("etcd client credentials (Secret " + EtcdCredentials.SECRET + ", ConfigMap "
                    + EtcdCredentials.CA_CONFIG_MAP + ") are missing in " + ns);
        }
        return new EtcdCredentials(caPem, cert, key);
    }

    private static String decode(Secret secret, String key) {
        if (secret == null || secret.getData() == null || secret.getData().get(key) == null) {
            return null;
        }
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
    }
}
