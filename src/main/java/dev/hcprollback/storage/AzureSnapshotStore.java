package dev.hcprollback.storage;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Supplier;

import com.azure.core.exception.AzureException;
import com.azure.core.exception.HttpResponseException;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.UserDelegationKey;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.sas.BlobSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.blob.specialized.BlockBlobClient;

/**
 * Snapshots in an Azure Blob container: staged blocks committed at the end (uncommitted blocks are never
 * visible and Azure drops them), SAS read URLs: a service SAS signed with the account key, or with an Entra ID
 * identity a user-delegation SAS, signed with a delegation key the service hands that identity for the URL's lifetime.
 */
public class AzureSnapshotStore implements SnapshotStore {

    /** How far the delegation key's start is put back, for a service clock ahead of ours. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final BlobContainerClient container;
    private final int blockSize;
    private final boolean userDelegation;

    /** A store on a shared-key client: read URLs are service SAS. */
    public AzureSnapshotStore(BlobContainerClient container, int blockSize) {
        this(container, blockSize, false);
    }

    /**
     * @param userDelegation the client holds an Entra ID token credential, no key: read URLs are user-delegation SAS
     */
    public AzureSnapshotStore(BlobContainerClient container, int blockSize, boolean userDelegation) {
        this.container = container;
        this.blockSize = blockSize;
        this.userDelegation = userDelegation;
    }

    @Override
    public String backend() {
        return "azure";
    }

    @Override
    public StoredObject locate(String key) {
        return new StoredObject(key, container.getBlobContainerUrl() + "/" + key);
    }

    @Override
    public Upload upload(String key, String contentType) {
        BlockBlobClient blob = container.getBlobClient(key).getBlockBlobClient();
        String uploadId = UUID.randomUUID().toString().substring(0, 8);
        return new Upload(blockSize) {
            @Override
            protected String sendPart(int number, byte[] bytes, int length) {
                String id = Base64.getEncoder().encodeToString(
                        String.format("%s-%08d", uploadId, number).getBytes(StandardCharsets.US_ASCII));
                call("stage block " + number + " of " + key,
                        () -> {
                            blob.stageBlock(id, new ByteArrayInputStream(bytes, 0, length), length);
                            return null;
                        });
                return id;
            }

            @Override
            protected StoredObject commit(List<String> blocks) {
                call("commit " + key, () -> blob.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(blocks)
                        .setHeaders(new BlobHttpHeaders().setContentType(contentType)), null, null));
                return locate(key);
            }

            @Override
            protected void discard(int partsSent) {
                // staged blocks that were never committed are invisible and garbage-collected by the service
            }
        };
    }

    @Override
    public StoredObject put(String key, byte[] content, String contentType) {
        call("write " + key, () -> {
            BlockBlobClient blob = container.getBlobClient(key).getBlockBlobClient();
            blob.upload(new ByteArrayInputStream(content), content.length, true);
            blob.setHttpHeaders(new BlobHttpHeaders().setContentType(contentType));
            return null;
        });
        return locate(key);
    }

    @Override
    public InputStream open(String key) {
        return call("read " + key, () -> container.getBlobClient(key).openInputStream());
    }

    @Override
    public boolean exists(String key) {
        return call("look up " + key, () -> container.getBlobClient(key).exists());
    }

    @Override
    public OptionalLong size(String key) {
        return call("look up " + key, () -> {
            try {
                return OptionalLong.of(container.getBlobClient(key).getProperties().getBlobSize());
            } catch (BlobStorageException e) {
                if (e.getStatusCode() == 404) {
                    return OptionalLong.empty();
                }
                throw e;
            }
        });
    }

    @Override
    public void delete(String key) {
        call("delete " + key, () -> container.getBlobClient(key).deleteIfExists());
    }

    @Override
    public List<String> list(String prefix) {
        return call("list " + prefix, () -> container.listBlobs(new ListBlobsOptions().setPrefix(prefix), null).stream()
                .map(BlobItem::getName).toList());
    }

    @Override
    public URL readUrl(String key, Duration ttl) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        BlobServiceSasSignatureValues values = new BlobServiceSasSignatureValues(now.plus(ttl),
                new BlobSasPermission().setReadPermission(true));
        String sas = call("sign a URL for " + key, () -> {
            if (!userDelegation) {
                return container.getBlobClient(key).generateSas(values);
            }
            // a key of its own per URL, living as long as the URL: revoking the identity's role ends both
            UserDelegationKey delegation = container.getServiceClient().getUserDelegationKey(now.minus(CLOCK_SKEW),
                    now.plus(ttl));
            return container.getBlobClient(key).generateUserDelegationSas(values, delegation);
        });
        try {
            return new URL(container.getBlobClient(key).getBlobUrl() + "?" + sas);
        } catch (MalformedURLException e) {
            throw new StorageException("Azure container " + container.getBlobContainerName() + ": bad URL for " + key, false, e);
        }
    }

    private <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (BlobStorageException e) {
            int status = e.getStatusCode();
            throw new StorageException("Azure container " + container.getBlobContainerName() + ": could not " + what + ": "
                    + e.getErrorCode() + " (HTTP " + status + ")", status == 401 || status == 403, e);
        } catch (HttpResponseException e) {
            int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
            throw new StorageException("Azure container " + container.getBlobContainerName() + ": could not " + what + ": "
                    + e.getMessage(), status == 401 || status == 403, e);
        } catch (AzureException | java.io.UncheckedIOException e) {
            throw new StorageException("Azure container " + container.getBlobContainerName() + ": could not " + what + ": "
                    + e.getMessage(), false, e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof java.io.IOException) {
                throw new StorageException("Azure container " + container.getBlobContainerName() + ": could not " + what
                        + ": " + e.getCause().getMessage(), false, e);
            }
            throw e;
        }
    }

}
