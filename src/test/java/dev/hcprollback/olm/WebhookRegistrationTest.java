package dev.hcprollback.olm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.hcprollback.olm.WebhookRegistration.Outcome;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * Under OLM the sidecar registers the plain install's webhook configuration itself, with the CA OLM
 * wrote into its carrier configuration. Reads the definition the bundle ships (the committed
 * olm-bundle ConfigMap, which OlmBundleIT keeps equal to the build's) and compares the result with
 * manifests/base. The mock API server stands in for the API server: it does not evaluate
 * matchConditions nor garbage-collect owned objects; these tests check what is registered.
 */
@EnableKubernetesMockClient(crud = true)
class WebhookRegistrationTest {

    private static final Path BUNDLE_CONFIGMAP = Path.of("olm-bundle/manifests/hcp-rollback-webhook-configuration.configmap.yaml");
    private static final Path BASE = Path.of("manifests/base/validatingwebhookconfiguration.yaml");
    private static final String CARRIER = "olm-certificate.rollback.hypershift.openshift.io";
    private static final String SERVICE = "hcp-rollback-service";
    private static final String CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCm9sbS1jYQ==";

    static KubernetesMockServer server;
    static KubernetesClient client;

    @TempDir
    Path dir;

    private ValidatingWebhookConfiguration definition;

    @BeforeEach
    void readTheBundlesDefinition() throws IOException {
        JsonNode map = new ObjectMapper(new YAMLFactory()).readTree(BUNDLE_CONFIGMAP.toFile());
        Path file = dir.resolve("validatingwebhookconfiguration.yaml");
        Files.writeString(file, map.at("/data/validatingwebhookconfiguration.yaml").asText());
        definition = WebhookRegistration.readDefinition(file);
    }

    @AfterEach
    void removeEverything() {
        client.admissionRegistration().v1().validatingWebhookConfigurations().delete();
    }

    @Test
    void registersThePlainInstallsFilteringWithOlmsServiceAndCa() {
        ValidatingWebhookConfiguration carrier = olmCreatesItsCarrier(CA);
        assertEquals(Outcome.CREATED, registration("hcp-rollback").register());

        ValidatingWebhookConfiguration registered = registered();
        ValidatingWebhookConfiguration plain = WebhookRegistration.readDefinition(BASE);
        assertEquals(names(plain.getWebhooks()), names(registered.getWebhooks()));
        for (int i = 0; i < plain.getWebhooks().size(); i++) {
            ValidatingWebhook expected = plain.getWebhooks().get(i);
            ValidatingWebhook actual = registered.getWebhooks().get(i);
            String name = expected.getName();
            assertEquals(expected.getMatchConditions(), actual.getMatchConditions(), name + ": the matchConditions of the plain install");
            assertEquals(expected.getNamespaceSelector(), actual.getNamespaceSelector(), name + ": its own namespace stays excluded");
            assertEquals(expected.getRules(), actual.getRules(), name);
            assertEquals(expected.getFailurePolicy(), actual.getFailurePolicy(), name);
            assertEquals(expected.getSideEffects(), actual.getSideEffects(), name);
            assertEquals(expected.getTimeoutSeconds(), actual.getTimeoutSeconds(), name);
            assertEquals(expected.getMatchPolicy(), actual.getMatchPolicy(), name);
            assertEquals(expected.getClientConfig().getService().getPath(), actual.getClientConfig().getService().getPath(), name);
            assertEquals(SERVICE, actual.getClientConfig().getService().getName(), name + ": OLM's Service");
            assertEquals("hcp-rollback", actual.getClientConfig().getService().getNamespace(), name);
            assertEquals(443, actual.getClientConfig().getService().getPort(), name);
            assertEquals(CA, actual.getClientConfig().getCaBundle(), name + ": the CA OLM issued");
        }
        assertEquals(1, registered.getMetadata().getOwnerReferences().size());
        assertEquals(carrier.getMetadata().getUid(), registered.getMetadata().getOwnerReferences().get(0).getUid(),
                "removing the operator (OLM deletes its carrier) must remove the fail-closed configuration too");
    }

    @Test
    void followsOlmsCertificateRotationAndRepairsEdits() {
        SharedIndexInformer<ValidatingWebhookConfiguration> informer = registration("hcp-rollback").watch(Duration.ofMinutes(10));
        try {
            olmCreatesItsCarrier(CA);
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> registeredOrNull() != null);

            ValidatingWebhookConfiguration carrier = carrier();
            carrier.getWebhooks().get(0).getClientConfig().setCaBundle("cm90YXRlZC1jYQ==");
            client.resource(carrier).update();
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> registered().getWebhooks().stream()
                    .allMatch(w -> "cm90YXRlZC1jYQ==".equals(w.getClientConfig().getCaBundle())));
        } finally {
            informer.close();
        }

        ValidatingWebhookConfiguration edited = registered();
        edited.getWebhooks().forEach(w -> w.setMatchConditions(List.of()));
        client.resource(edited).update();
        assertEquals(Outcome.UPDATED, registration("hcp-rollback").register());
        assertEquals(WebhookRegistration.readDefinition(BASE).getWebhooks().get(0).getMatchConditions(),
                registered().getWebhooks().get(0).getMatchConditions());
        assertEquals(Outcome.UNCHANGED, registration("hcp-rollback").register());
    }

    @Test
    void withoutOlmsCaItRegistersNothingAndSaysWhy() {
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> registration("hcp-rollback").register());
        assertTrue(none.getMessage().contains("OLM has not created"), none.getMessage());
        olmCreatesItsCarrier(null);
        IllegalStateException empty = assertThrows(IllegalStateException.class, () -> registration("hcp-rollback").register());
        assertTrue(empty.getMessage().contains("no CA bundle"), empty.getMessage());
        assertNull(registeredOrNull(), "a fail-closed webhook the API server cannot trust would block every release change");
    }

    @Test
    void refusesANamespaceTheFilteringWasNotWrittenFor() {
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> registration("operators"));
        assertTrue(wrong.getMessage().contains("install the operator into hcp-rollback"), wrong.getMessage());
    }

    @Test
    void aMissingDefinitionNamesTheFile() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> WebhookRegistration.readDefinition(dir.resolve("absent.yaml")));
        assertTrue(missing.getMessage().contains("absent.yaml"), missing.getMessage());
    }

    private WebhookRegistration registration(String namespace) {
        return new WebhookRegistration(client, definition, CARRIER, SERVICE, namespace);
    }

    /** What OLM creates for the CSV's carrier definition (its createOrUpdateValidatingWebhook). */
    private ValidatingWebhookConfiguration olmCreatesItsCarrier(String caBundle) {
        return client.resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName(CARRIER + "-x7k2p").withUid("3c1f6c2e-olm-carrier")
                .withLabels(Map.of(WebhookRegistration.OLM_GENERATE_NAME_LABEL, CARRIER, "olm.owner", "hcp-rollback.v0.1.0"))
                .endMetadata()
                .addNewWebhook().withName(CARRIER).withAdmissionReviewVersions("v1").withSideEffects("None")
                .withNewClientConfig().withCaBundle(caBundle)
                .withNewService().withName(SERVICE).withNamespace("hcp-rollback").withPath("/validate/olm-certificate").withPort(443)
                .endService().endClientConfig().endWebhook()
                .build()).create();
    }

    private ValidatingWebhookConfiguration carrier() {
        return client.admissionRegistration().v1().validatingWebhookConfigurations().withName(CARRIER + "-x7k2p").get();
    }

    private ValidatingWebhookConfiguration registeredOrNull() {
        return client.admissionRegistration().v1().validatingWebhookConfigurations().withName("hcp-rollback").get();
    }

    private ValidatingWebhookConfiguration registered() {
        ValidatingWebhookConfiguration registered = registeredOrNull();
        assertTrue(registered != null, "no ValidatingWebhookConfiguration hcp-rollback was registered");
        return registered;
    }

    private static List<String> names(List<ValidatingWebhook> webhooks) {
        return webhooks.stream().map(ValidatingWebhook::getName).toList();
    }
}
