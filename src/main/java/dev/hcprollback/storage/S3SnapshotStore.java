package dev.hcprollback.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Optional;

import org.jboss.logging.Logger;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Snapshots in an S3 bucket: multi-part uploads, optional SSE-KMS, pre-signed GET URLs. */
public class S3SnapshotStore implements SnapshotStore {

    private static final Logger LOG = Logger.getLogger(S3SnapshotStore.class);

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final Optional<String> kmsKeyId;
    private final int partSize;

    public S3SnapshotStore(S3Client s3, S3Presigner presigner, String bucket, Optional<String> kmsKeyId, int partSize) {
        if (partSize < 5 * 1024 * 1024) {
            throw new IllegalArgumentException("S3 parts must be at least 5 MiB");
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
        this.kmsKeyId = kmsKeyId.filter(k -> !k.isBlank());
        this.partSize = partSize;
    }

    @Override
    public String backend() {
        return "s3";
    }

    @Override
    public StoredObject locate(String key) {
        return new StoredObject(key, "s3://" + bucket + "/" + key);
    }

    @Override
    public Upload upload(String key, String contentType) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(bucket).key(key).contentType(contentType);
        kmsKeyId.ifPresent(k -> create.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
        String uploadId = call("start an upload of " + key, () -> s3.createMultipartUpload(create.build()).uploadId());
        return new Upload(partSize) {
            @Override
            protected String sendPart(int number, byte[] bytes, int length) {
                return call("upload part " + number + " of " + key, () -> s3.uploadPart(UploadPartRequest.builder()
                        .bucket(bucket).key(key).uploadId(uploadId).partNumber(number).contentLength((long) length)
                        .build(), RequestBody.fromInputStream(new java.io.ByteArrayInputStream(bytes, 0, length), length))
                        .eTag());
            }

            @Override
            protected StoredObject commit(List<String> etags) {
                List<CompletedPart> parts = new ArrayList<>();
                for (int i = 0; i < etags.size(); i++) {
                    parts.add(CompletedPart.builder().partNumber(i + 1).eTag(etags.get(i)).build());
                }
                call("complete the upload of " + key, () -> s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
                        .bucket(bucket).key(key).uploadId(uploadId)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()).build()));
                return locate(key);
            }

            @Override
            protected void discard(int partsSent) {
                try {
                    s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(key)
                            .uploadId(uploadId).build());
                } catch (SdkException e) {
                    LOG.warnf("could not abort the multi-part upload of %s (a bucket lifecycle rule removes it): %s", key,
                            e.getMessage());
                }
            }
        };
    }

    @Override
    public StoredObject put(String key, byte[] content, String contentType) {
        PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType);
        kmsKeyId.ifPresent(k -> put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
        call("write " + key, () -> s3.putObject(put.build(), RequestBody.fromBytes(content)));
        return locate(key);
    }

    @Override
    public InputStream open(String key) {
        return call("read " + key, () -> s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build()));
    }

    @Override
    public boolean exists(String key) {
        return size(key).isPresent();
    }

    @Override
    public OptionalLong size(String key) {
        try {
            Long length = s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(key).build()).contentLength();
            if (length == null) {
                throw new StorageException("S3 bucket " + bucket + ": HEAD " + key + " answered no Content-Length", false, null);
            }
            return OptionalLong.of(length);
        } catch (NoSuchKeyException e) {
            return OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return OptionalLong.empty();
            }
            throw failure("look up " + key, e);
        } catch (SdkException e) {
            throw failure("look up " + key, e);
        }
    }

    @Override
    public void delete(String key) {
        call("delete " + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    @Override
    public List<String> list(String prefix) {
        return call("list " + prefix, () -> s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket)
                .prefix(prefix).build()).contents().stream().map(S3Object::key).toList());
    }

    @Override
    public URL readUrl(String key, Duration ttl) {
        return call("sign a URL for " + key, () -> presigner.presignGetObject(b -> b.signatureDuration(ttl)
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url());
    }

    private <T> T call(String what, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException e) {
            throw failure(what, e);
        }
    }

    private StorageException failure(String what, SdkException e) {
        boolean denied = e instanceof S3Exception s3e && (s3e.statusCode() == 401 || s3e.statusCode() == 403);
        String detail = e instanceof S3Exception s3e && s3e.awsErrorDetails() != null
                ? s3e.awsErrorDetails().errorCode() + " (HTTP " + s3e.statusCode() + ")"
                : e.getMessage();
        return new StorageException("S3 bucket " + bucket + ": could not " + what + ": " + detail, denied, e);
    }
}
