package dev.hcprollback.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.testing.Install;
import dev.hcprollback.testing.Kustomize;
import dev.hcprollback.testing.TestCertificates;
import dev.hcprollback.testing.TestTools;

/**
 * Every webhook of the install gets the CA the API server needs to call it, whichever of the three ways of
 * manifests/README.md installs the certificate: each rendered as {@code kubectl kustomize} renders it. The webhooks
 * fail closed, so one left without its CA refuses every request it is registered for (x509: certificate signed by
 * unknown authority).
 */
class WebhookCaTest {

    private static final String NAMESPACE = "hcp-rollback";
    private static final String TLS_SECRET = "hcp-rollback-webhook-tls";
    private static final Path WORK = Path.of("target", "webhook-ca-test");

    private static int webhooksInBase;
    private static List<String> serviceNames;

    @BeforeAll
    static void readBase() {
        List<ObjectNode> base = Kustomize.render(Manifests.BASE);
        JsonNode webhooks = webhookConfiguration(base).path("webhooks");
        webhooksInBase = webhooks.size();
        assertTrue(webhooksInBase >= 5, "expected the install's five webhooks, found " + webhooksInBase);
        String service = webhooks.get(0).at("/clientConfig/service/name").asText();
        serviceNames = List.of(service + "." + NAMESPACE + ".svc", service + "." + NAMESPACE + ".svc.cluster.local");
        assertEquals(TLS_SECRET, find(base, "Deployment", "hcp-rollback").at("/spec/template/spec/volumes").findValue("secretName")
                .asText(), "the pods mount the serving certificate from " + TLS_SECRET);
    }

    @AfterAll
    static void cleanUp() {
        TestTools.deleteRecursively(WORK);
    }

    @Test
    void theOverlayOfTheReadmeGivesEveryWebhookTheCaAndThePodsTheCertificate() {
        TestCertificates authority = TestCertificates.newAuthority(WORK.resolve("tls"), "hcp-rollback-webhook-ca");
        TestCertificates.Issued serving = authority.issue(WORK.resolve("tls"), "webhook", Duration.ofHours(1));
        List<ObjectNode> rendered = Kustomize.render(Install.documentedCaOverlay(WORK.resolve("install"), authority.caPem(),
                serving));

        String expected = Base64.getEncoder().encodeToString(authority.caPem().getBytes(StandardCharsets.UTF_8));
        List<String> without = new ArrayList<>();
        JsonNode webhooks = webhookConfiguration(rendered).path("webhooks");
        assertEquals(webhooksInBase, webhooks.size());
        for (JsonNode webhook : webhooks) {
            if (!expected.equals(webhook.at("/clientConfig/caBundle").asText())) {
                without.add(webhook.path("name").asText());
            }
        }
        assertEquals(List.of(), without, "webhooks the README's overlay leaves without the CA as caBundle");
        JsonNode secret = find(rendered, "Secret", TLS_SECRET);
        assertEquals(NAMESPACE, secret.at("/metadata/namespace").asText());
        assertEquals(serving.certPem(), decode(secret.at("/data/tls.crt")));
        assertEquals(serving.keyPem(), decode(secret.at("/data/tls.key")));
    }

    @Test
    void onOpenShiftServiceCaIssuesTheMountedSecretAndInjectsIntoTheWholeConfiguration() {
        List<ObjectNode> rendered = Kustomize.render(Manifests.OPENSHIFT);
        // service-ca writes caBundle into every webhook of a configuration carrying this annotation
        JsonNode configuration = webhookConfiguration(rendered);
        assertEquals("true", configuration.at("/metadata/annotations").path("service.beta.openshift.io/inject-cabundle").asText());
        assertEquals(webhooksInBase, configuration.path("webhooks").size());
        assertEquals(TLS_SECRET, find(rendered, "Service", serviceNames.get(0).split("\\.")[0]).at("/metadata/annotations")
                .path("service.beta.openshift.io/serving-cert-secret-name").asText());
    }

    @Test
    void withCertManagerItsInjectorFillsEveryWebhookFromTheCertificateThePodsMount() {
        List<ObjectNode> rendered = Kustomize.render(Manifests.CERT_MANAGER);
        // cert-manager's CA injector writes caBundle into every webhook of a configuration carrying this annotation
        JsonNode configuration = webhookConfiguration(rendered);
        String injectFrom = configuration.at("/metadata/annotations").path("cert-manager.io/inject-ca-from").asText();
        assertEquals(webhooksInBase, configuration.path("webhooks").size());
        String[] namespaceAndName = injectFrom.split("/");
        assertEquals(2, namespaceAndName.length, "inject-ca-from names namespace/certificate, was '" + injectFrom + "'");
        JsonNode serving = find(rendered, "Certificate", namespaceAndName[1]);
        assertEquals(namespaceAndName[0], serving.at("/metadata/namespace").asText());
        assertEquals(TLS_SECRET, serving.at("/spec/secretName").asText(), "the certificate must go where the pods read it");
        List<String> dnsNames = new ArrayList<>();
        serving.at("/spec/dnsNames").forEach(n -> dnsNames.add(n.asText()));
        assertTrue(dnsNames.containsAll(serviceNames), "the serving certificate must name " + serviceNames + ", names " + dnsNames);
        assertEquals("PKCS8", serving.at("/spec/privateKey/encoding").asText(), "the sidecar reads PKCS#8 keys");

        // issued by a CA of the install's own, so that renewing the serving certificate keeps the CA the API server has
        JsonNode caIssuer = issuerOf(rendered, serving);
        JsonNode ca = find(rendered, "Certificate", secretOwner(rendered, caIssuer.at("/spec/ca/secretName").asText()));
        assertTrue(ca.at("/spec/isCA").asBoolean(), ca.at("/metadata/name").asText() + " should be a CA");
        assertTrue(issuerOf(rendered, ca).at("/spec/selfSigned").isObject(), "the CA is self-signed");
    }

    private static JsonNode issuerOf(List<ObjectNode> rendered, JsonNode certificate) {
        JsonNode ref = certificate.at("/spec/issuerRef");
        assertEquals("Issuer", ref.path("kind").asText(), "a namespaced Issuer the overlay brings");
        return find(rendered, "Issuer", ref.path("name").asText());
    }

    private static String secretOwner(List<ObjectNode> rendered, String secretName) {
        return rendered.stream().filter(o -> o.path("kind").asText().equals("Certificate"))
                .filter(o -> o.at("/spec/secretName").asText().equals(secretName)).map(o -> o.at("/metadata/name").asText())
                .findFirst().orElseThrow(() -> new AssertionError("no Certificate writes the Secret " + secretName));
    }

    private static JsonNode webhookConfiguration(List<ObjectNode> rendered) {
        List<ObjectNode> configurations = rendered.stream()
                .filter(o -> o.path("kind").asText().equals("ValidatingWebhookConfiguration")).toList();
        assertEquals(1, configurations.size(), "one ValidatingWebhookConfiguration");
        return configurations.get(0);
    }

    private static JsonNode find(List<ObjectNode> rendered, String kind, String name) {
        return rendered.stream().filter(o -> o.path("kind").asText().equals(kind) && o.at("/metadata/name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("the rendering holds no " + kind + " " + name));
    }

    private static String decode(JsonNode base64) {
        return new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.UTF_8);
    }
}
