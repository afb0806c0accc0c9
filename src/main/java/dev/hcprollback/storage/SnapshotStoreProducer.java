package dev.hcprollback.storage;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;

import com.azure.core.http.HttpClient;
import com.azure.core.http.ProxyOptions;
import com.azure.core.util.Configuration;
import com.azure.core.util.HttpClientOptions;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.net.EnvironmentProxy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Builds the store {@code hcp-rollback.storage.backend} chooses. */
@ApplicationScoped
public class SnapshotStoreProducer {

    @Produces
    @Singleton
    SnapshotStore store(HcpRollbackConfig config, Instance<S3Client> unused, Instance<S3ClientBuilder> s3,
            Instance<S3Presigner> presigner) {
        // the extension makes its configured builder only where the client is asked for: hence the S3Client parameter,
        // never resolved; the client is built here from that builder, on S3Transport
        HcpRollbackConfig.Storage storage = config.storage();
        return switch (storage.backend()) {
            case s3 -> new S3SnapshotStore(s3Client(s3.get(), storage.idleTimeout(), EnvironmentProxy.fromEnvironment()),
                    presigner.get(), storage.s3().bucket().orElseThrow(
                    () -> new IllegalStateException("hcp-rollback.storage.s3.bucket is required for the s3 backend")),
                    storage.s3().sseKmsKeyId(), storage.partSizeBytes());
            case azure -> azureStore(storage.azure(), storage.idleTimeout(), storage.partSizeBytes(),
                    EnvironmentProxy.fromEnvironment(), System.getenv(), HttpClient::createDefault);
        };
    }

    /**
     * The client the Quarkus extension configured (region, endpoint, credentials), on {@link S3Transport}: through the
     * proxy {@code proxy} selects, reads limited to {@code idleTimeout}, connections to
     * {@code quarkus.s3.sync-client.connection-timeout} (2 s unless set, the extension's default).
     */
    static S3Client s3Client(S3ClientBuilder configured, java.time.Duration idleTimeout, EnvironmentProxy proxy) {
        java.time.Duration connect = ConfigProvider.getConfig()
                .getOptionalValue("quarkus.s3.sync-client.connection-timeout", java.time.Duration.class)
                .orElse(java.time.Duration.ofSeconds(2));
        return configured.httpClientBuilder(new S3Transport(proxy, connect, idleTimeout)).build();
    }

    /**
     * The store on the container {@code azure} names, with the credential its {@code credential} setting chooses and
     * read URLs to match (service SAS with a shared key, user-delegation SAS with an identity); each connection (to the
     * account, and to Entra ID for a workload identity) made by {@code transport} from its options.
     *
     * @throws IllegalStateException naming the setting to change when the settings are refused or incomplete
     */
    static AzureSnapshotStore azureStore(HcpRollbackConfig.Azure azure, Duration idleTimeout, int blockSize,
            EnvironmentProxy proxy, Map<String, String> env, Function<HttpClientOptions, HttpClient> transport) {
        AzureCredentials.Kind kind = refuseOrKind(settings(azure), env);
        return new AzureSnapshotStore(azureContainer(azure, idleTimeout, proxy, env, transport), blockSize,
                kind.isIdentity());
    }

    /** A shared-key container (the tests' Azurite), reached through the environment's proxy. */
    static BlobContainerClient azureContainer(HcpRollbackConfig.Azure azure, Duration idleTimeout) {
        return azureContainer(azure, idleTimeout, EnvironmentProxy.fromEnvironment());
    }

    /** A shared-key container, reached through the proxy {@code proxy} selects for the account's endpoint. */
    static BlobContainerClient azureContainer(HcpRollbackConfig.Azure azure, Duration idleTimeout,
            EnvironmentProxy proxy) {
        return azureContainer(azure, idleTimeout, proxy, Map.of(), HttpClient::createDefault);
    }

    /** The container, reached through the proxy {@code proxy} selects for the account's endpoint. */
    static BlobContainerClient azureContainer(HcpRollbackConfig.Azure azure, Duration idleTimeout,
            EnvironmentProxy proxy, Map<String, String> env, Function<HttpClientOptions, HttpClient> transport) {
        AzureCredentials.Settings settings = settings(azure);
        AzureCredentials.Kind kind = refuseOrKind(settings, env);
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder();
        String endpoint;
        if (kind.isIdentity()) {
            endpoint = azure.endpoint().or(() -> azure.accountName().map(a -> "https://" + a + ".blob.core.windows.net"))
                    .orElseThrow(() -> new IllegalStateException("hcp-rollback.storage.azure.account-name "
                            + "(HCP_ROLLBACK_AZURE_ACCOUNT_NAME) or endpoint is required for the azure backend"));
            // Entra ID through the proxy chosen for its own host; the metadata service of a managed identity is
            // link-local, never behind a proxy
            Optional<java.net.InetSocketAddress> tokenProxy = kind == AzureCredentials.Kind.WORKLOAD_IDENTITY
                    ? proxy.proxyFor(URI.create(AzureCredentials.authorityHost(env))) : Optional.empty();
            builder.endpoint(endpoint).credential(AzureCredentials.token(settings, env,
                    transport.apply(httpOptions(idleTimeout, tokenProxy))));
        } else if (azure.connectionString().filter(s -> !s.isBlank()).isPresent()) {
            builder.connectionString(azure.connectionString().get());
            // the connection string names the endpoint; building a client reads it without a request
            endpoint = new BlobServiceClientBuilder().connectionString(azure.connectionString().get()).buildClient().getAccountUrl();
        } else {
            String account = azure.accountName().orElseThrow(() -> new IllegalStateException(
                    "hcp-rollback.storage.azure.account-name (or connection-string) is required for the azure backend"));
            endpoint = azure.endpoint().orElse("https://" + account + ".blob.core.windows.net");
            builder.endpoint(endpoint)
                    .credential(new StorageSharedKeyCredential(account, azure.accountKey().orElseThrow(
                            () -> new IllegalStateException("hcp-rollback.storage.azure.account-key is required"))));
        }
        return builder.httpClient(transport.apply(httpOptions(idleTimeout, proxy.proxyFor(URI.create(endpoint)))))
                .buildClient().getBlobContainerClient(azure.container());
    }

    private static HttpClientOptions httpOptions(Duration idleTimeout, Optional<java.net.InetSocketAddress> proxy) {
        // a read or a write that stalls this long fails (and is retried by the SDK, then by the snapshot's attempts)
        HttpClientOptions options = new HttpClientOptions().setReadTimeout(idleTimeout).setWriteTimeout(idleTimeout)
                .setResponseTimeout(idleTimeout)
                // the proxy is ours to choose (EnvironmentProxy reads NO_PROXY's CIDR blocks too): azure-core must not
                // read HTTPS_PROXY from the environment itself
                .setConfiguration(Configuration.NONE);
        proxy.ifPresent(address -> options.setProxyOptions(new ProxyOptions(ProxyOptions.Type.HTTP, address)));
        return options;
    }

    private static AzureCredentials.Kind refuseOrKind(AzureCredentials.Settings settings, Map<String, String> env) {
        AzureCredentials.refusal(settings, env).ifPresent(message -> {
            throw new IllegalStateException(message);
        });
        return AzureCredentials.kind(settings.credential());
    }

    /** The settings that choose the credential, as the start-up check reads them too. */
    static AzureCredentials.Settings settings(HcpRollbackConfig.Azure azure) {
        return new AzureCredentials.Settings(azure.credential(), azure.endpoint(), azure.accountName(),
                azure.accountKey(), azure.connectionString(), azure.managedIdentityClientId());
    }
}
