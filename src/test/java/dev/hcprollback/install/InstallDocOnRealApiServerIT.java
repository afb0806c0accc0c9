package dev.hcprollback.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.hcprollback.testing.CaInjectors;
import dev.hcprollback.testing.ForwardProxy;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.InstallDoc;
import dev.hcprollback.testing.KubeApiServer;
import dev.hcprollback.testing.RealAdmission;
import dev.hcprollback.testing.RealManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;
import dev.hcprollback.testing.WebhookProbes;

/**
 * docs/install.md's steps, run as written (kubectl and its kustomize, {@link InstallDoc}) against a real API server of
 * the test's own, one per install: the cert-manager overlay and the OpenShift overlay, each from the apply to the
 * uninstall. cert-manager and service-ca do not run here: {@link CaInjectors} does what they would do, where they
 * would do it, on cert-manager's real CRDs. The sidecar then serves the certificate the Secret holds (as the pods
 * mount it), and every webhook, registered as shipped with its Service reference, must answer the API server: the
 * server calls {@code https://hcp-rollback-webhook.hcp-rollback.svc:443/...} and, as any Go client, through
 * {@code HTTPS_PROXY}, here a proxy that sends that one name to the sidecar on loopback and refuses every other
 * (no DNS is asked), so that the TLS handshake checks the served certificate against that name and the injected
 * {@code caBundle}, exactly as in a cluster.
 */
class InstallDocOnRealApiServerIT {

    private static final String PROBES = "install-doc-probes";
    /** The host the API server calls a webhook's Service by (and checks the certificate against). */
    private static final String SERVICE_HOST = "hcp-rollback-webhook.hcp-rollback.svc";

    @Test
    void theCertManagerInstallOfTheDocServesEveryWebhookAndTheMetricsCa() throws Exception {
        Path dir = fresh("install-doc-cert-manager");
        try (ForwardProxy proxy = ForwardProxy.routing(); KubeApiServer server = startBehind(proxy, dir)) {
            prerequisites(server);
            Install.applyOtherProjectsCrds(server, "cert-manager.io_certificates.yaml", "cert-manager.io_issuers.yaml");
            CaInjectors.CertManager certManager = new CaInjectors.CertManager(server, dir.resolve("cert-manager"));

            ok(InstallDoc.run("cert-manager", server, TestUser.ADMIN, dir));
            assertEquals(List.of("hcp-rollback/hcp-rollback-webhook-ca", "hcp-rollback/hcp-rollback-webhook"),
                    certManager.reconcile(), "the Certificates the overlay asks for, the CA first");

            try (SidecarProcess sidecar = startAsThePodsWould(server, proxy, dir)) {
                everyWebhookAnswers(server, sidecar, dir);
                ok(InstallDoc.run("cert-manager-monitoring", server, TestUser.ADMIN, dir));
                assertMetricsCaVerifiesTheServedCertificate(server);
            }
            uninstall(server, dir, "cert-manager-uninstall");
        }
    }

    @Test
    void theOpenShiftInstallOfTheDocServesEveryWebhookAndTheMetricsCa() throws Exception {
        Path dir = fresh("install-doc-openshift");
        try (ForwardProxy proxy = ForwardProxy.routing(); KubeApiServer server = startBehind(proxy, dir)) {
            prerequisites(server);
            CaInjectors.ServiceCa serviceCa = new CaInjectors.ServiceCa(server, dir.resolve("service-ca"));

            ok(InstallDoc.run("openshift", server, TestUser.ADMIN, dir));
            serviceCa.reconcile();

            try (SidecarProcess sidecar = startAsThePodsWould(server, proxy, dir)) {
                everyWebhookAnswers(server, sidecar, dir);
                ok(InstallDoc.run("openshift-monitoring", server, TestUser.ADMIN, dir));
                assertMetricsCaVerifiesTheServedCertificate(server);
                try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
                    assertEquals("true", admin.namespaces().withName(Install.NAMESPACE).get().getMetadata().getLabels()
                            .get("openshift.io/cluster-monitoring"), "the platform Prometheus picks the namespace up");
                }
            }
            uninstall(server, dir, "openshift-uninstall");
        }
    }

    @Test
    void everyShellBlockOfTheDocIsRunByATestOrSaysWhyNot() {
        // InstallDoc.blocks() fails on an unmarked block; these are the steps the tests above run
        assertEquals(List.of("cert-manager", "openshift", "check", "cert-manager-monitoring", "openshift-monitoring",
                "cert-manager-uninstall", "openshift-uninstall"), List.copyOf(InstallDoc.blocks().keySet()));
    }

    private static Path fresh(String name) {
        Path dir = Path.of("target", name).toAbsolutePath();
        TestTools.deleteRecursively(dir);
        return dir;
    }

    /** A server that calls webhooks through {@code proxy}, and nothing else (etcd is on loopback, never proxied). */
    private static KubeApiServer startBehind(ForwardProxy proxy, Path dir) {
        return KubeApiServer.start(dir.resolve("kube-apiserver"), Map.of("HTTPS_PROXY", proxy.url(), "https_proxy", proxy.url(),
                "NO_PROXY", "", "no_proxy", ""));
    }

    /** What docs/install.md asks to be there first: HyperShift, and the Prometheus Operator's CRDs (cluster monitoring). */
    private static void prerequisites(KubeApiServer server) {
        Install.applyHyperShiftCrds(server);
        Install.applyOtherProjectsCrds(server, "monitoring.coreos.com_servicemonitors.yaml",
                "monitoring.coreos.com_prometheusrules.yaml");
    }

    /**
     * Starts the sidecar with the certificate and key the Secret {@code hcp-rollback-webhook-tls} holds, as the pods
     * mount it, and routes the webhook Service's name (port 443) to it.
     */
    private static SidecarProcess startAsThePodsWould(KubeApiServer server, ForwardProxy proxy, Path dir) throws Exception {
        Path tls = Files.createDirectories(dir.resolve("tls"));
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            Secret secret = admin.secrets().inNamespace(Install.NAMESPACE).withName("hcp-rollback-webhook-tls").get();
            assertNotNull(secret, "the Secret the pods mount was issued");
            Files.writeString(tls.resolve("tls.crt"), decode(secret.getData().get("tls.crt")));
            Files.writeString(tls.resolve("tls.key"), decode(secret.getData().get("tls.key")));
        }
        Map<String, String> config = RealManagementCluster.sidecarSettings(server, "sidecar", tls.resolve("tls.crt"),
                tls.resolve("tls.key"));
        config.putAll(RealAdmission.sidecarConfig(Map.of()));
        SidecarProcess sidecar = SidecarProcess.start(Files.createDirectories(dir.resolve("sidecar")), config);
        sidecar.awaitReady(Duration.ofSeconds(180));
        proxy.route(SERVICE_HOST + ":443", SidecarProcess.LOOPBACK + ":" + sidecar.httpsPort);
        return sidecar;
    }

    private static void everyWebhookAnswers(KubeApiServer server, SidecarProcess sidecar, Path dir) {
        // the probes first: they say what the API server got from each webhook, the doc's check only whether it refused
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            Install.apply(admin, new NamespaceBuilder().withNewMetadata().withName(PROBES).endMetadata().build());
        }
        assertEquals(List.of(), WebhookProbes.unanswered(server, sidecar, PROBES), "webhooks the API server could not call");
        InstallDoc.Ran check = InstallDoc.run("check", server, TestUser.ADMIN, dir);
        ok(check);
        assertTrue(check.output().contains("denied the request"), "the doc's check shows the webhook's own refusal: " + check);
    }

    /** The ConfigMap the ServiceMonitor trusts holds the CA that issued the certificate the metrics port serves. */
    private static void assertMetricsCaVerifiesTheServedCertificate(KubeApiServer server) throws Exception {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            String ca = admin.configMaps().inNamespace(Install.NAMESPACE).withName("hcp-rollback-serving-ca").get().getData()
                    .get("service-ca.crt");
            assertNotNull(ca, "service-ca.crt in the ConfigMap hcp-rollback-serving-ca");
            String served = decode(admin.secrets().inNamespace(Install.NAMESPACE).withName("hcp-rollback-webhook-tls").get()
                    .getData().get("tls.crt"));
            certificate(served).verify(certificate(ca).getPublicKey());
        }
    }

    private static void uninstall(KubeApiServer server, Path dir, String step) {
        ok(InstallDoc.run(step, server, TestUser.ADMIN, dir));
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            assertNull(admin.admissionRegistration().v1().validatingWebhookConfigurations()
                    .withName(Install.WEBHOOK_CONFIGURATION).get(), "no webhook left to refuse writes");
            // the API server itself removes a deleted CRD once its objects are gone
            Awaitility.await("the CRDs are gone").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> admin.apiextensions().v1().customResourceDefinitions()
                            .withName("controlplanesnapshots.rollback.hypershift.openshift.io").get() == null);
        }
    }

    private static void ok(InstallDoc.Ran ran) {
        assertEquals(0, ran.exitCode(), ran.toString());
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    }
}
