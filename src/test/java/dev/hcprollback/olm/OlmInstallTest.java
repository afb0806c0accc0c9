package dev.hcprollback.olm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.hcprollback.testing.RbacSimulator;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The application started as the CSV starts it ({@code hcp-rollback.olm.register-webhooks=true},
 * the definition file mounted): once OLM has created its carrier configuration, the sidecar
 * registers the plain install's webhooks with OLM's CA. The definition here is the plain
 * install's file itself, which OlmBundleIT shows the bundle's ConfigMap carries unchanged.
 */
@QuarkusTest
@TestProfile(OlmInstallTest.Olm.class)
@WithKubernetesTestServer(setup = RbacSimulator.class)
class OlmInstallTest {

    private static final String CARRIER = "olm-certificate.rollback.hypershift.openshift.io";

    public static class Olm implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("hcp-rollback.olm.register-webhooks", "true",
                    "hcp-rollback.olm.webhook-configuration-file", "manifests/base/validatingwebhookconfiguration.yaml",
                    "hcp-rollback.olm.namespace", "hcp-rollback");
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void theSidecarRegistersThePlainInstallsWebhooksOnceOlmHasIssuedTheCertificate() {
        client.resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName(CARRIER + "-q4z8m").withUid("5d0c-olm-carrier")
                .withLabels(Map.of(WebhookRegistration.OLM_GENERATE_NAME_LABEL, CARRIER)).endMetadata()
                .addNewWebhook().withName(CARRIER).withNewClientConfig().withCaBundle("b2xtLWNh")
                .withNewService().withName("hcp-rollback-service").withNamespace("hcp-rollback").withPort(443).endService()
                .endClientConfig().endWebhook()
                .build()).create();

        ValidatingWebhookConfiguration registered = Awaitility.await().atMost(Duration.ofSeconds(120))
                .until(() -> client.admissionRegistration().v1().validatingWebhookConfigurations().withName("hcp-rollback").get(),
                        c -> c != null);
        ValidatingWebhookConfiguration plain = WebhookRegistration.readDefinition(
                java.nio.file.Path.of("manifests/base/validatingwebhookconfiguration.yaml"));
        assertEquals(plain.getWebhooks().size(), registered.getWebhooks().size());
        for (int i = 0; i < plain.getWebhooks().size(); i++) {
            assertEquals(plain.getWebhooks().get(i).getMatchConditions(), registered.getWebhooks().get(i).getMatchConditions());
            assertEquals("hcp-rollback-service", registered.getWebhooks().get(i).getClientConfig().getService().getName());
            assertEquals("b2xtLWNh", registered.getWebhooks().get(i).getClientConfig().getCaBundle());
        }
    }
}
