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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

/**
 * A management cluster on one machine, for the demo and the benchmarks: an in-process Kubernetes
 * API (fabric8 mock server in CRUD mode, RBAC answered by {@link RbacSimulator}) with the HyperShift
 * stand-in CRDs and the project's generated CRDs, and the packaged sidecar as its own process
 * against it, serving a certificate from a CA this class creates.
 */
public final class SimulatedManagementCluster implements AutoCloseable {

    private final KubernetesMockServer kubernetes;
    private final KubernetesClient client;
    private final Path workDir;
    private TestCertificates authority;
    private TestCertificates.Issued serving;
    private final List<SidecarProcess> sidecars = new java.util.ArrayList<>();

    private SimulatedManagementCluster(KubernetesMockServer kubernetes, Path workDir) {
        this.kubernetes = kubernetes;
        this.client = kubernetes.createClient();
        this.workDir = workDir;
    }

    /** The API server in CRUD mode on loopback; it takes the packaged sidecar's server-side applies as merge patches. */
    public static SimulatedManagementCluster start(Path workDir) throws IOException {
        Files.createDirectories(workDir);
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer kubernetes = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new ServerSideApplyAsMergePatch(new KubernetesMixedDispatcher(expectations)), false);
        kubernetes.init(InetAddress.getLoopbackAddress(), 0);
        new RbacSimulator().install(kubernetes);
        SimulatedManagementCluster cluster = new SimulatedManagementCluster(kubernetes, workDir);
        cluster.applyCrds();
        return cluster;
    }

    public KubernetesClient client() {
        return client;
    }

    /** The mock API server itself, for answers its store cannot give (a dry run's admission verdict). */
    public KubernetesMockServer server() {
        return kubernetes;
    }

    /** Starts the packaged sidecar against this cluster and waits until it is ready; its log is {@code sidecar.log}. */
    public SidecarProcess startSidecar(Map<String, String> extraConfig) throws IOException, InterruptedException {
        return startSidecar(workDir, extraConfig);
    }

    private synchronized SidecarProcess startSidecar(Path dir, Map<String, String> extraConfig)
            throws IOException, InterruptedException {
        SidecarProcess sidecar = SidecarProcess.start(dir, sidecarConfig(extraConfig));
        sidecars.add(sidecar);
        sidecar.awaitReady(Duration.ofSeconds(120));
        return sidecar;
    }

    /** The settings of a sidecar against this cluster: its serving certificate (made on first use), and {@code extraConfig}. */
    public synchronized Map<String, String> sidecarConfig(Map<String, String> extraConfig) {
        if (authority == null) {
            authority = TestCertificates.newAuthority(workDir.resolve("tls"), "hcp-rollback-ca");
            serving = authority.issue(workDir.resolve("tls"), "webhook", Duration.ofHours(12));
        }
        Map<String, String> config = new java.util.HashMap<>(Map.of(
                "quarkus.kubernetes-client.api-server-url", client().getMasterUrl().toString(),
                "quarkus.kubernetes-client.trust-certs", "true",
                "quarkus.kubernetes-client.namespace", "hcp-rollback",
                "hcp-rollback.tls.cert-file", serving.certFile().toAbsolutePath().toString(),
                "hcp-rollback.tls.key-file", serving.keyFile().toAbsolutePath().toString(),
                "hcp-rollback.service-account", RbacSimulator.SIDECAR));
        config.putAll(extraConfig);
        return config;
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
        sidecars.forEach(SidecarProcess::close);
        client.close();
        kubernetes.destroy();
    }
}
