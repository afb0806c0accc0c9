package dev.hcprollback.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * A management cluster on one machine, for the demo and the benchmarks: an in-process Kubernetes
 * API (fabric8 mock server in CRUD mode, RBAC answered by {@link RbacSimulator}) with the HyperShift
 * stand-in CRDs and the project's generated CRDs, and the packaged sidecar as its own process
 * against it, serving a certificate from a CA this class creates.
 */
public final class SimulatedManagementCluster implements AutoCloseable {

    private final KubernetesServer kubernetes;
    private final Path workDir;
    private TestCertificates authority;
    private SidecarProcess sidecar;

    private SimulatedManagementCluster(KubernetesServer kubernetes, Path workDir) {
        this.kubernetes = kubernetes;
        this.workDir = workDir;
    }

    public static SimulatedManagementCluster start(Path workDir) throws IOException {
        Files.createDirectories(workDir);
        KubernetesServer kubernetes = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
        kubernetes.before();
        new RbacSimulator().accept(kubernetes);
        SimulatedManagementCluster cluster = new SimulatedManagementCluster(kubernetes, workDir);
        cluster.applyCrds();
        return cluster;
    }

    public KubernetesClient client() {
        return kubernetes.getClient();
    }

    /** Starts the packaged sidecar against this cluster and waits until it is ready. */
    public SidecarProcess startSidecar(Map<String, String> extraConfig) throws IOException, InterruptedException {
        authority = TestCertificates.newAuthority(workDir.resolve("tls"), "hcp-rollback-ca");
        TestCertificates.Issued serving = authority.issue(workDir.resolve("tls"), "webhook", Duration.ofHours(12));
        Map<String, String> config = new java.util.HashMap<>(Map.of(
                "quarkus.kubernetes-client.api-server-url", client().getMasterUrl().toString(),
                "quarkus.kubernetes-client.trust-certs", "true",
                "quarkus.kubernetes-client.namespace", "hcp-rollback",
                "hcp-rollback.tls.cert-file", serving.certFile().toAbsolutePath().toString(),
                "hcp-rollback.tls.key-file", serving.keyFile().toAbsolutePath().toString(),
                "hcp-rollback.service-account", RbacSimulator.SIDECAR));
        config.putAll(extraConfig);
        sidecar = SidecarProcess.start(workDir, config);
        sidecar.awaitReady(Duration.ofSeconds(120));
        return sidecar;
    }

    /** An HTTPS client that trusts only the CA that issued the sidecar's certificate. */
    public HttpClient httpsClient(HttpClient.Builder builder) {
        try {
            Path trustStore = authority.trustStore(workDir.resolve("tls").resolve("truststore.p12"), "changeit");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(trustStore)) {
                trust.load(in, "changeit".toCharArray());
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            return builder.sslContext(tls).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust the sidecar's CA", e);
        }
    }

    private void applyCrds() throws IOException {
        KubernetesClient client = client();
        Path generated = Path.of("target", "kubernetes");
        try (Stream<Path> files = Files.list(generated)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith("-v1.yml")).toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
                }
            }
        }
        for (String crd : List.of("/crds/hostedclusters.hypershift.openshift.io.yaml",
                "/crds/nodepools.hypershift.openshift.io.yaml")) {
            try (InputStream in = SimulatedManagementCluster.class.getResourceAsStream(crd)) {
                client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
            }
        }
    }

    /** Canned answers the API server gives before its store (what it lacks: admission of a dry run). */
    public io.fabric8.mockwebserver.dsl.MockServerExpectation expect() {
        return kubernetes.expect();
    }

    @Override
    public void close() {
        if (sidecar != null) {
            sidecar.close();
        }
        kubernetes.after();
    }
}
