package dev.hcprollback.storage;

import java.net.URI;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;

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
            case azure -> new AzureSnapshotStore(azureContainer(storage.azure(), storage.idleTimeout()),
                    storage.partSizeBytes());
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

    static BlobContainerClient azureContainer(HcpRollbackConfig.Azure azure, java.time.Duration idleTimeout) {
        return azureContainer(azure, idleTimeout, EnvironmentProxy.fromEnvironment());
    }

    /** The container, reached through the proxy {@code proxy} selects for the account's endpoint. */
    static BlobContainerClient azureContainer(HcpRollbackConfig.Azure azure, java.time.Duration idleTimeout,
            EnvironmentProxy proxy) {
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder();
        String endpoint;
        if (azure.connectionString().filter(s -> !s.isBlank()).isPresent()) {
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
        // a read or a write that stalls this long fails (and is retried by the SDK, then by the snapshot's attempts)
        HttpClientOptions options = new HttpClientOptions().setReadTimeout(idleTimeout).setWriteTimeout(idleTimeout)
                .setResponseTimeout(idleTimeout)
                // the proxy is ours to choose (EnvironmentProxy reads NO_PROXY's CIDR blocks too): azure-core must not
                // read HTTPS_PROXY from the environment itself
                .setConfiguration(Configuration.NONE);
        proxy.proxyFor(URI.create(endpoint)).ifPresent(address -> options.setProxyOptions(new ProxyOptions(ProxyOptions.Type.HTTP, address)));
        return builder.clientOptions(options).buildClient().getBlobContainerClient(azure.container());
    }
}
