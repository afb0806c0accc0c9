package dev.hcprollback.install;

import static dev.hcprollback.testing.HostedClusters.tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import dev.hcprollback.testing.ApiRequest;
import dev.hcprollback.testing.Caller;
import dev.hcprollback.testing.ForwardProxy;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.KubeApiServer;
import dev.hcprollback.testing.OlmSimulator;
import dev.hcprollback.testing.RealObjects;
import dev.hcprollback.testing.RealObjects.Kind;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;
import dev.hcprollback.testing.WebhookProbes;

/**
 * docs/install.md's OLM install, with {@link OlmSimulator} acting for OLM (which cannot run here) on the committed
 * bundle {@code olm-bundle/}: everything OLM would create, created through a real API server as OLM creates it, then
 * the CSV's one container run as the kubelet would run it (its env, its mounts, OLM's certificate, its service
 * account's token), so that only the CSV's permissions are the sidecar's. The API server calls every webhook through
 * the Services OLM and the bundle create, by name, through {@code HTTPS_PROXY} (a {@link ForwardProxy#routing} proxy
 * that sends a Service's name to the sidecar's port on loopback when the Service selects the pod and targets one of
 * its ports), so that TLS is checked against that name and the injected CA, as in a cluster.
 *
 * <p>What this does not show: that OLM itself accepts the bundle (the catalog's and OLM's validation, the CSV's
 * phases), that the pods schedule and pass their probes on a node, and certificate rotation.
 */
class OlmInstallOnRealApiServerIT {

    private static final String PROBES = "olm-install-probes";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theBundleInstalledAsOlmWouldServesEveryWebhookWithTheCsvsPermissionsAndTheMetricsCa() throws Exception {
        Path dir = Path.of("target", "olm-install").toAbsolutePath();
        TestTools.deleteRecursively(dir);
        try (ForwardProxy proxy = ForwardProxy.routing();
                KubeApiServer server = KubeApiServer.start(dir.resolve("kube-apiserver"), Map.of("HTTPS_PROXY", proxy.url(),
                        "https_proxy", proxy.url(), "NO_PROXY", "", "no_proxy", ""))) {
            // what docs/install.md asks for first: HyperShift and the Prometheus Operator's CRDs; then the namespace
            // and its OperatorGroup (AllNamespaces), which OLM only reads
            Install.applyHyperShiftCrds(server);
            Install.applyOtherProjectsCrds(server, "monitoring.coreos.com_servicemonitors.yaml",
                    "monitoring.coreos.com_prometheusrules.yaml");
            try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
                for (String namespace : List.of(Install.NAMESPACE, PROBES)) {
                    Install.apply(admin, new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build());
                }
            }
            OlmSimulator olm = new OlmSimulator(server, OlmSimulator.BUNDLE, Install.NAMESPACE, dir.resolve("olm"));
            Deployment deployment = olm.install();

            // no registry lookup leaves the machine; everything else is the CSV's
            try (SidecarProcess sidecar = olm.start(deployment, Map.of("hcp-rollback.registry.enabled", "false"))) {
                routeEveryServiceOfThePod(server, olm, deployment, sidecar, proxy);
                sidecar.awaitReady(Duration.ofSeconds(180));

                ValidatingWebhookConfiguration registered = awaitRegistered(server);
                assertEquals(List.of(), WebhookProbes.unanswered(server, sidecar, PROBES),
                        "webhooks of " + registered.getMetadata().getName() + " the API server could not call");
                everyWebhookDefinitionOfTheCsvAnswers(server, proxy);
                theSidecarsOwnWritesAreAdmittedOrJudged(server);
                theServiceMonitorsCaAndNameVerifyTheMetricsPort(server, sidecar);
            } finally {
                try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
                    // OLM's removal of the operator; the configurations would refuse every release change without it
                    admin.admissionRegistration().v1().validatingWebhookConfigurations().delete();
                }
            }
        }
    }

    private static void routeEveryServiceOfThePod(KubeApiServer server, OlmSimulator olm, Deployment deployment,
            SidecarProcess sidecar, ForwardProxy proxy) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            List<Service> services = admin.services().inNamespace(Install.NAMESPACE).list().getItems();
            assertEquals(List.of("hcp-rollback-metrics", "hcp-rollback-service"),
                    services.stream().map(s -> s.getMetadata().getName()).sorted().toList(),
                    "the bundle's metrics Service and the one OLM creates for the webhooks");
            for (Service service : services) {
                for (ServicePort port : service.getSpec().getPorts()) {
                    String name = service.getMetadata().getName();
                    proxy.route(name + "." + Install.NAMESPACE + ".svc:" + port.getPort(),
                            olm.endpoint(deployment, sidecar, name, port.getPort()));
                }
            }
        }
    }

    /** The sidecar registers the plain install's configuration itself, with OLM's CA and Service (olm-bundle/README.md). */
    private static ValidatingWebhookConfiguration awaitRegistered(KubeApiServer server) {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            ValidatingWebhookConfiguration registered = Awaitility.await("the sidecar registers its webhooks")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> admin.admissionRegistration().v1().validatingWebhookConfigurations()
                            .withName(Install.WEBHOOK_CONFIGURATION).get(), c -> c != null);
            for (ValidatingWebhook webhook : registered.getWebhooks()) {
                assertEquals("hcp-rollback-service", webhook.getClientConfig().getService().getName(), webhook.getName());
            }
            return registered;
        }
    }

    /**
     * Every webhook of every configuration OLM made from the CSV's webhookdefinitions, called as the API server calls
     * it: its Service's name on its port and path, through the proxy, trusting only its caBundle. No request the API
     * server makes matches the carrier's rules, so this is the one way to call it.
     */
    private static void everyWebhookDefinitionOfTheCsvAnswers(KubeApiServer server, ForwardProxy proxy) throws Exception {
        List<ValidatingWebhookConfiguration> olms;
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            olms = admin.admissionRegistration().v1().validatingWebhookConfigurations()
                    .withLabel(OlmSimulator.WEBHOOK_DESCRIPTION_LABEL).list().getItems();
        }
        assertFalse(olms.isEmpty(), "OLM made a configuration of the CSV's webhook definitions");
        URI proxyUri = URI.create(proxy.url());
        for (ValidatingWebhookConfiguration configuration : olms) {
            for (ValidatingWebhook webhook : configuration.getWebhooks()) {
                var service = webhook.getClientConfig().getService();
                HttpClient client = HttpClient.newBuilder()
                        .proxy(ProxySelector.of(new InetSocketAddress(proxyUri.getHost(), proxyUri.getPort())))
                        .sslContext(trusting(decode(webhook.getClientConfig().getCaBundle()))).build();
                ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
                ObjectNode request = review.putObject("request").put("uid", "olm-carrier-probe").put("operation", "CONNECT")
                        .put("namespace", PROBES).put("name", "probe");
                request.putObject("kind").put("group", "rollback.hypershift.openshift.io").put("version", "v1alpha1")
                        .put("kind", "ControlPlaneRollback");
                request.putObject("resource").put("group", "rollback.hypershift.openshift.io").put("version", "v1alpha1")
                        .put("resource", "controlplanerollbacks");
                request.putObject("userInfo").put("username", "cluster-admin");
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("https://" + service.getName() + "."
                        + service.getNamespace() + ".svc:" + service.getPort() + service.getPath()))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(review.toString()))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), webhook.getName() + " at " + service.getPath() + ": " + answer.body());
                JsonNode response = JSON.readTree(answer.body()).path("response");
                assertEquals("olm-carrier-probe", response.path("uid").asText(), answer.body());
                assertTrue(response.path("allowed").asBoolean(), answer.body());
            }
        }
    }

    /**
     * As the sidecar's service account (a token the server issued, bound only by the CSV's permissions): a snapshot
     * recorded, as its snapshot controller does every night; and a move of a
     * HostedCluster to an older payload no SRE asked for, which the CSV's permissions let through to the webhook and
     * the webhook refuses.
     */
    private static void theSidecarsOwnWritesAreAdmittedOrJudged(KubeApiServer server) {
        ObjectNode cluster = RealObjects.hostedCluster(HostedClusters.onSixAfterFive("olm-write"), PROBES);
        assertTrue(Caller.ADMIN.send(server, ApiRequest.create(Kind.HOSTED_CLUSTER.collection(PROBES), cluster)).succeeded());
        ObjectNode stored = (ObjectNode) Caller.ADMIN.send(server, ApiRequest.get(Kind.HOSTED_CLUSTER.object(PROBES,
                "olm-write"))).body();
        ObjectNode snapshot = RealObjects.verifiedSnapshot("olm-write-point", stored, "4.18.5", tag("4.18.5"), Instant.now());
        snapshot.remove("status"); // the sidecar's own snapshot controller writes it, racing a second writer
        ApiRequest.Answer recorded = Caller.SIDECAR.send(server, ApiRequest.create(Kind.SNAPSHOT.collection(PROBES), snapshot));
        assertTrue(recorded.succeeded(), "the sidecar records a snapshot: " + recorded);

        ApiRequest.Answer back = Caller.SIDECAR.send(server, ApiRequest.mergePatch(Kind.HOSTED_CLUSTER.object(PROBES,
                "olm-write"), JSON.createObjectNode().set("spec", JSON.createObjectNode().set("release",
                        JSON.createObjectNode().put("image", tag("4.18.5"))))));
        assertFalse(back.succeeded(), back.toString());
        assertTrue(back.message().contains("denied the request") && back.message().contains("rollback-not-requested"),
                "the webhook's refusal, not RBAC's: " + back);
    }

    /**
     * The ServiceMonitor's TLS settings, as Prometheus uses them: the CA from the Secret and key it names verifies the
     * certificate the management port serves, which names its {@code serverName}; and {@code /metrics} answers.
     */
    private static void theServiceMonitorsCaAndNameVerifyTheMetricsPort(KubeApiServer server, SidecarProcess sidecar)
            throws Exception {
        try (KubernetesClient admin = server.client(TestUser.ADMIN)) {
            GenericKubernetesResource monitor = admin.genericKubernetesResources(new ResourceDefinitionContext.Builder()
                    .withGroup("monitoring.coreos.com").withVersion("v1").withKind("ServiceMonitor").withPlural("servicemonitors")
                    .withNamespaced(true).build()).inNamespace(Install.NAMESPACE).withName("hcp-rollback").get();
            assertNotNull(monitor, "the bundle's ServiceMonitor");
            JsonNode tls = JSON.valueToTree(monitor.getAdditionalProperties().get("spec")).path("endpoints").path(0)
                    .path("tlsConfig");
            String secretName = tls.path("ca").path("secret").path("name").asText();
            String key = tls.path("ca").path("secret").path("key").asText();
            var secret = admin.secrets().inNamespace(Install.NAMESPACE).withName(secretName).get();
            assertNotNull(secret, "the Secret the ServiceMonitor trusts: " + secretName);
            assertNotNull(secret.getData().get(key), "key " + key + " of " + secretName);
            String serverName = tls.path("serverName").asText();
            javax.net.ssl.HttpsURLConnection scrape = (javax.net.ssl.HttpsURLConnection) sidecar.management("/metrics").toURL()
                    .openConnection();
            scrape.setSSLSocketFactory(trusting(decode(secret.getData().get(key))).getSocketFactory());
            scrape.setHostnameVerifier((host, session) -> {
                try {
                    return ((X509Certificate) session.getPeerCertificates()[0]).getSubjectAlternativeNames().stream()
                            .anyMatch(name -> serverName.equals(name.get(1)));
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(200, scrape.getResponseCode(), "/metrics as Prometheus scrapes it with " + serverName);
            scrape.disconnect();
        }
    }

    private static SSLContext trusting(String caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8))));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
