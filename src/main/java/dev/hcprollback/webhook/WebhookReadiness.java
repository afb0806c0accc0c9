package dev.hcprollback.webhook;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.hcprollback.webhook.rules.AdmissionCaches;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;

/**
 * Ready only when the webhook can judge correctly: every informer cache has listed once, and a
 * serving certificate is loaded. Until then the Service sends the API server elsewhere.
 */
@Readiness
@ApplicationScoped
public class WebhookReadiness implements HealthCheck {

    /** {@code quarkus.http.tls-configuration-name}: the webhook's serving certificate. */
    static final String TLS_CONFIGURATION = "webhook";

    @Inject
    AdmissionCaches caches;

    @Inject
    TlsConfigurationRegistry tls;

    @Override
    public HealthCheckResponse call() {
        List<String> unsynced = caches.unsynced();
        boolean certificateLoaded = tls.get(TLS_CONFIGURATION).map(TlsConfiguration::getKeyStore).isPresent();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("admission-webhook")
                .status(unsynced.isEmpty() && certificateLoaded)
                .withData("caches", unsynced.isEmpty() ? "synced" : "waiting for " + String.join(", ", unsynced))
                .withData("certificate", certificateLoaded ? "loaded" : "missing");
        return response.build();
    }
}
