package dev.hcprollback.olm;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.hcprollback.config.HcpRollbackConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts {@link WebhookRegistration} when the CSV asks for it ({@code hcp-rollback.olm.register-webhooks});
 * every replica registers (the update is idempotent), so that the configuration never waits for a leader.
 */
@ApplicationScoped
public class OlmWebhookRegistrar {

    private static final Logger LOG = Logger.getLogger(OlmWebhookRegistrar.class);

    @Inject
    HcpRollbackConfig config;

    @Inject
    KubernetesClient client;

    private SharedIndexInformer<ValidatingWebhookConfiguration> informer;

    void start(@Observes StartupEvent event) {
        HcpRollbackConfig.Olm olm = config.olm();
        if (!olm.registerWebhooks()) {
            return;
        }
        ValidatingWebhookConfiguration definition = WebhookRegistration.readDefinition(Path.of(olm.webhookConfigurationFile()));
        WebhookRegistration registration = new WebhookRegistration(client, definition, olm.certificateWebhook(),
                olm.serviceName(), olm.namespace());
        LOG.infof("OLM install: registering ValidatingWebhookConfiguration %s from %s", definition.getMetadata().getName(),
                olm.webhookConfigurationFile());
        informer = registration.watch(olm.resync());
    }

    void stop(@Observes ShutdownEvent event) {
        if (informer != null) {
            informer.close();
        }
    }
}
