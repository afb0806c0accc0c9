package dev.hcprollback;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

import dev.hcprollback.config.CancelAfter;
import dev.hcprollback.storage.AzureCredentials;

/**
 * What the sidecar needs before it can run, checked before Quarkus starts so that a missing one is one
 * readable line instead of a stack trace or a retry loop: the webhook's serving certificate, a
 * reachable Kubernetes API, a configured object store, and settings Quarkus would otherwise refuse with a stack
 * trace (hcp-rollback.rollback.cancel-after).
 *
 * <p>Without a certificate or a cluster the sidecar cannot run ({@link Finding#fatal()}); without a
 * store it runs (the webhook still guards every downgrade) but takes no snapshot and restores none.
 */
public final class Prerequisites {

    /** One missing prerequisite: which one, and what to do about it, on one line. */
    public record Finding(String prerequisite, boolean fatal, String message) {

        @Override
        public String toString() {
            return prerequisite + ": " + message;
        }
    }

    /** How long the check waits for the API server to accept a connection. */
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final Config config;
    private final Map<String, String> environment;

    public Prerequisites(Config config) {
        this(config, System.getenv());
    }

    /** @param environment the process's variables (the Azure Workload Identity webhook's among them) */
    Prerequisites(Config config, Map<String, String> environment) {
        this.config = config;
        this.environment = environment;
    }

    /** Every missing prerequisite, in the order certificate, cluster connection, storage, configuration. */
    public List<Finding> missing() {
        List<Finding> missing = new ArrayList<>();
        certificate().ifPresent(missing::add);
        clusterConnection().ifPresent(missing::add);
        storage().ifPresent(missing::add);
        configuration().ifPresent(missing::add);
        return missing;
    }

    /**
     * A cancel-after the sidecar would refuse: read here with the converter Quarkus uses, so the refusal is its one
     * line ({@link CancelAfter#parse}) rather than Quarkus's configuration exception and stack trace.
     */
    Optional<Finding> configuration() {
        try {
            setting(CancelAfter.PROPERTY).ifPresent(CancelAfter::parse);
            return Optional.empty();
        } catch (IllegalArgumentException refused) {
            return Optional.of(new Finding("configuration", true, refused.getMessage()));
        }
    }

    Optional<Finding> certificate() {
        List<String> unreadable = new ArrayList<>();
        for (String property : List.of("hcp-rollback.tls.cert-file", "hcp-rollback.tls.key-file")) {
            String file = config.getOptionalValue(property, String.class).orElse("(not set)");
            if (!Files.isReadable(Path.of(file))) {
                unreadable.add(file + " (" + property + ")");
            }
        }
        return unreadable.isEmpty() ? Optional.empty() : Optional.of(new Finding("certificate", true,
                "cannot read " + String.join(" and ", unreadable) + "; mount the webhook's serving certificate "
                        + "and key there as PEM, or point these settings at them (README: run it on your machine)"));
    }

    Optional<Finding> clusterConnection() {
        Optional<String> configured = config.getOptionalValue("quarkus.kubernetes-client.api-server-url", String.class);
        String source;
        String url;
        if (configured.isPresent()) {
            url = configured.get();
            source = "quarkus.kubernetes-client.api-server-url";
        } else {
            // the fabric8 client's own discovery: KUBECONFIG or ~/.kube/config, else the pod's service account
            io.fabric8.kubernetes.client.Config discovered = io.fabric8.kubernetes.client.Config.autoConfigure(null);
            url = discovered.getMasterUrl();
            source = System.getenv("KUBERNETES_SERVICE_HOST") != null ? "the pod's service account"
                    : Files.isReadable(kubeconfig()) ? "kubeconfig " + kubeconfig() : "no kubeconfig and not in a pod";
        }
        URI api = URI.create(url);
        int port = api.getPort() > 0 ? api.getPort() : "http".equals(api.getScheme()) ? 80 : 443;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(api.getHost(), port), CONNECT_TIMEOUT_MILLIS);
            return Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.of(unreachable(url, source, "unknown host " + api.getHost()));
        } catch (IOException e) {
            return Optional.of(unreachable(url, source, e.getMessage()));
        }
    }

    private static Finding unreachable(String url, String source, String why) {
        return new Finding("cluster connection", true, "no Kubernetes API at " + url + " (" + source + "): " + why
                + "; set KUBECONFIG, or quarkus.kubernetes-client.api-server-url, to a cluster this machine reaches");
    }

    private static Path kubeconfig() {
        String configured = System.getenv("KUBECONFIG");
        return configured != null && !configured.isBlank() ? Path.of(configured.split(java.io.File.pathSeparator)[0])
                : Path.of(System.getProperty("user.home"), ".kube", "config");
    }

    Optional<Finding> storage() {
        String backend = config.getOptionalValue("hcp-rollback.storage.backend", String.class).orElse("s3");
        String missing;
        if ("azure".equals(backend)) {
            AzureCredentials.Settings azure = new AzureCredentials.Settings(
                    config.getOptionalValue("hcp-rollback.storage.azure.credential", String.class).orElse("shared-key"),
                    setting("hcp-rollback.storage.azure.endpoint"), setting("hcp-rollback.storage.azure.account-name"),
                    setting("hcp-rollback.storage.azure.account-key"),
                    setting("hcp-rollback.storage.azure.connection-string"),
                    setting("hcp-rollback.storage.azure.managed-identity-client-id"));
            // a credential set wrong is a mistake to fix, not a store left out: the sidecar does not start
            Optional<String> refused = AzureCredentials.refusal(azure, environment);
            if (refused.isPresent()) {
                return Optional.of(new Finding("storage", true, refused.get()));
            }
            if (AzureCredentials.kind(azure.credential()).isIdentity()) {
                missing = azure.accountName().or(azure::endpoint).isPresent() ? null
                        : "no Azure Blob account: set hcp-rollback.storage.azure.account-name (HCP_ROLLBACK_AZURE_ACCOUNT_NAME)";
            } else {
                boolean connectionString = azure.connectionString().isPresent();
                boolean account = azure.accountName().isPresent() && azure.accountKey().isPresent();
                missing = connectionString || account ? null : "no Azure Blob account: set hcp-rollback.storage.azure.connection-string "
                        + "(HCP_ROLLBACK_AZURE_CONNECTION_STRING) or account-name and account-key";
            }
        } else {
            missing = present("hcp-rollback.storage.s3.bucket") ? null
                    : "no S3 bucket: set hcp-rollback.storage.s3.bucket (HCP_ROLLBACK_S3_BUCKET)";
        }
        return Optional.ofNullable(missing).map(m -> new Finding("storage", false,
                m + "; until then the webhook runs but no snapshot is taken and no rollback can restore"));
    }

    private boolean present(String property) {
        return setting(property).isPresent();
    }

    private Optional<String> setting(String property) {
        return config.getOptionalValue(property, String.class).filter(v -> !v.isBlank());
    }
}
