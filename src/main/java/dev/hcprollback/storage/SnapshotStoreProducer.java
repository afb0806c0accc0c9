package dev.hcprollback.storage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;

import dev.hcprollback.config.HcpRollbackConfig;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Builds the store {@code hcp-rollback.storage.backend} chooses. */
@ApplicationScoped
public class SnapshotStoreProducer {

    @Produces
    @Singleton
    SnapshotStore store(HcpRollbackConfig config, Instance<S3Client> s3, Instance<S3Presigner> presigner) {
        HcpRollbackConfig.Storage storage = config.storage();
        return switch (storage.backend()) {
            case s3 -> new S3SnapshotStore(s3.get(), presigner.get(), storage.s3().bucket().orElseThrow(
                    () -> new IllegalStateException("hcp-rollback.storage.s3.bucket is required for the s3 backend")),
                    storage.s3().sseKmsKeyId(), storage.partSizeBytes());
            case azure -> new AzureSnapshotStore(azureContainer(storage.azure(), storage.idleTimeout()),
                    storage.partSizeBytes());
        };
    }

    static BlobContainerClient azureContainer(HcpRollbackConfig.Azure azure, java.time.Duration idleTimeout) {
        // a read or a write that stalls this long fails (and is retried by the SDK, then by the snapshot's attempts)
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder().clientOptions(new com.azure.core.util.HttpClientOptions()
                .setReadTimeout(idleTimeout).setWriteTimeout(idleTimeout).setResponseTimeout(idleTimeout));
        if (azure.connectionString().filter(s -> !s.isBlank()).isPresent()) {
            builder.connectionString(azure.connectionString().get());
        } else {
            String account = azure.accountName().orElseThrow(() -> new IllegalStateException(
                    "hcp-rollback.storage.azure.account-name (or connection-string) is required for the azure backend"));
            builder.endpoint(azure.endpoint().orElse("https://" + account + ".blob.core.windows.net"))
                    .credential(new StorageSharedKeyCredential(account, azure.accountKey().orElseThrow(
                            () -> new IllegalStateException("hcp-rollback.storage.azure.account-key is required"))));
        }
        return builder.buildClient().getBlobContainerClient(azure.container());
    }
}
