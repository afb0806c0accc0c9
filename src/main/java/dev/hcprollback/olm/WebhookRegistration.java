package dev.hcprollback.olm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Under OLM, registers the plain install's ValidatingWebhookConfiguration (matchConditions and
 * namespace selection included, which OLM's webhook definitions cannot carry) with OLM's serving
 * certificate.
 * <p>
 * OLM issues the certificate for the CSV's one webhook definition, a carrier that matches no request,
 * and writes its CA into the configuration it creates for it (labelled
 * {@value #OLM_GENERATE_NAME_LABEL}). This class copies that CA and OLM's Service into every webhook
 * of the plain install's configuration and creates or updates it under the plain install's name. The
 * configuration is owned by OLM's carrier configuration, so that removing the operator removes it too
 * (a fail-closed webhook left without its sidecar would block every HostedCluster release change).
 * Changing nothing else keeps the filtering of the two installs identical.
 */
public final class WebhookRegistration {

    /** The label OLM puts on the webhook configuration it creates for a definition: the definition's generateName. */
    public static final String OLM_GENERATE_NAME_LABEL = "olm.webhook-description-generate-name";

    private static final Logger LOG = Logger.getLogger(WebhookRegistration.class);

    /** What a registration did. */
    public enum Outcome {
        CREATED,
        UPDATED,
        UNCHANGED
    }

    private final KubernetesClient client;
    private final ValidatingWebhookConfiguration definition;
    private final String certificateWebhook;
    private final String serviceName;
    private final String namespace;

    /**
     * @param definition the plain install's configuration; its webhooks name the Service namespace
     *        the filtering was written for, which must be {@code namespace}
     * @throws IllegalArgumentException when the definition is written for another namespace
     */
    public WebhookRegistration(KubernetesClient client, ValidatingWebhookConfiguration definition, String certificateWebhook,
            String serviceName, String namespace) {
        this.client = client;
        this.definition = definition;
        this.certificateWebhook = certificateWebhook;
        this.serviceName = serviceName;
        this.namespace = namespace;
        for (ValidatingWebhook webhook : definition.getWebhooks()) {
            String written = webhook.getClientConfig().getService().getNamespace();
            if (!namespace.equals(written)) {
                throw new IllegalArgumentException("the webhook " + webhook.getName() + " is written for namespace " + written
                        + " (its namespace exclusion and the sidecar's identity name it); install the operator into "
                        + written + ", not " + namespace);
            }
        }
    }

    /**
     * Reads a ValidatingWebhookConfiguration from a YAML file.
     *
     * @throws IllegalStateException naming the file when it is missing, unreadable or not such a configuration
     */
    public static ValidatingWebhookConfiguration readDefinition(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            // static, with no client at hand: a serialization of its own (it knows the model's kinds)
            Object parsed = new KubernetesSerialization().unmarshal(in);
            if (!(parsed instanceof ValidatingWebhookConfiguration configuration) || configuration.getWebhooks() == null
                    || configuration.getWebhooks().isEmpty()) {
                throw new IllegalStateException(file + " holds no ValidatingWebhookConfiguration with webhooks");
            }
            return configuration;
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("the webhook configuration to register is missing: " + file
                    + " (the bundle's ConfigMap hcp-rollback-webhook-configuration, mounted by the CSV's Deployment)", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException("cannot read the webhook configuration " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates or updates the configuration from OLM's current carrier configuration.
     *
     * @throws IllegalStateException when OLM has not (yet) created the carrier or written its CA
     * @throws KubernetesClientException when the API server refuses (RBAC, conflict); the next resync retries
     */
    public Outcome register() {
        List<ValidatingWebhookConfiguration> carriers = client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withLabel(OLM_GENERATE_NAME_LABEL, certificateWebhook).list().getItems();
        if (carriers.isEmpty()) {
            throw new IllegalStateException("OLM has not created the webhook configuration of " + certificateWebhook
                    + " (label " + OLM_GENERATE_NAME_LABEL + ") yet; its CA is what the API server must trust");
        }
        return register(carriers.get(0));
    }

    Outcome register(ValidatingWebhookConfiguration carrier) {
        ValidatingWebhookConfiguration desired = desired(carrier);
        var resource = client.admissionRegistration().v1().validatingWebhookConfigurations();
        ValidatingWebhookConfiguration existing = resource.withName(desired.getMetadata().getName()).get();
        if (existing == null) {
            resource.resource(desired).create();
            LOG.infof("registered ValidatingWebhookConfiguration %s (%d webhooks) with the CA OLM issued for %s",
                    desired.getMetadata().getName(), desired.getWebhooks().size(), certificateWebhook);
            return Outcome.CREATED;
        }
        if (Objects.equals(existing.getWebhooks(), desired.getWebhooks())
                && Objects.equals(existing.getMetadata().getOwnerReferences(), desired.getMetadata().getOwnerReferences())) {
            return Outcome.UNCHANGED;
        }
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        resource.resource(desired).update();
        LOG.infof("updated ValidatingWebhookConfiguration %s: OLM's CA rotated or the configuration was edited",
                desired.getMetadata().getName());
        return Outcome.UPDATED;
    }

    /** The definition, pointed at OLM's Service and CA, owned by OLM's carrier configuration. */
    ValidatingWebhookConfiguration desired(ValidatingWebhookConfiguration carrier) {
        ValidatingWebhook carried = carrier.getWebhooks() == null || carrier.getWebhooks().isEmpty() ? null : carrier.getWebhooks().get(0);
        String caBundle = carried == null || carried.getClientConfig() == null ? null : carried.getClientConfig().getCaBundle();
        if (caBundle == null || caBundle.isEmpty()) {
            throw new IllegalStateException("OLM's webhook configuration " + carrier.getMetadata().getName() + " has no CA bundle yet");
        }
        Integer port = carried.getClientConfig().getService() == null ? null : carried.getClientConfig().getService().getPort();
        ValidatingWebhookConfiguration desired = client.getKubernetesSerialization().clone(definition);
        desired.getMetadata().setResourceVersion(null);
        desired.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
                .withApiVersion("admissionregistration.k8s.io/v1").withKind("ValidatingWebhookConfiguration")
                .withName(carrier.getMetadata().getName()).withUid(carrier.getMetadata().getUid()).build()));
        for (ValidatingWebhook webhook : desired.getWebhooks()) {
            ServiceReference service = webhook.getClientConfig().getService();
            service.setName(serviceName);
            service.setNamespace(namespace);
            if (port != null) {
                service.setPort(port);
            }
            webhook.getClientConfig().setCaBundle(caBundle);
            // the API server defaults an absent selector to {}; defaulting it here keeps an unchanged configuration unchanged
            if (webhook.getObjectSelector() == null) {
                webhook.setObjectSelector(new LabelSelector());
            }
        }
        return desired;
    }

    /**
     * Registers whenever OLM creates or updates its carrier configuration (a certificate rotation
     * rewrites the CA there) and again every {@code resync}.
     */
    public SharedIndexInformer<ValidatingWebhookConfiguration> watch(Duration resync) {
        return client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withLabel(OLM_GENERATE_NAME_LABEL, certificateWebhook)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ValidatingWebhookConfiguration carrier) {
                        registerLogged(carrier);
                    }

                    @Override
                    public void onUpdate(ValidatingWebhookConfiguration before, ValidatingWebhookConfiguration carrier) {
                        registerLogged(carrier);
                    }

                    @Override
                    public void onDelete(ValidatingWebhookConfiguration carrier, boolean unknownFinalState) {
                        LOG.warnf("OLM removed %s; the API server removes %s with it", carrier.getMetadata().getName(),
                                definition.getMetadata().getName());
                    }
                }, resync.toMillis());
    }

    private void registerLogged(ValidatingWebhookConfiguration carrier) {
        try {
            register(carrier);
        } catch (IllegalStateException | KubernetesClientException e) {
            LOG.errorf("cannot register ValidatingWebhookConfiguration %s: %s (retried on the next change or resync)",
                    definition.getMetadata().getName(), e.getMessage());
        }
    }
}
