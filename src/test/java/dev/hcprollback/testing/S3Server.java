package dev.hcprollback.testing;

import java.net.URI;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * s3proxy in-process over a transient (in-memory) blob store, on loopback. It can be stopped and started
 * again on the same port and data, to play a bucket that is down for a while: hence a port picked by
 * {@link Ports} (below the ephemeral range, where nothing takes it by chance while the server is down) rather
 * than port 0, and a first start retried on another port when the one picked was taken meanwhile.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access";
    public static final String SECRET_KEY = "test-secret";

    private final BlobStoreContext context;
    private int port;
    private S3Proxy proxy;

    public S3Server() {
        this(ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class));
    }

    public S3Server(BlobStoreContext context) {
        this.context = context;
        Ports.startRetryingOnBindFailure("s3proxy", 1, ports -> {
            port = ports[0];
            start();
            return this;
        });
    }

    public BlobStore blobStore() {
        return context.getBlobStore();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * Starts s3proxy on this server's port (again, after {@link #stop()}).
     *
     * @throws Ports.AddressInUse when another process holds the port
     */
    public synchronized void start() {
        if (proxy != null) {
            return;
        }
        S3Proxy starting = null;
        try {
            starting = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(endpoint())
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
            starting.start();
            while (!"STARTED".equals(starting.getState())) {
                if ("FAILED".equals(starting.getState())) {
                    throw new IllegalStateException("s3proxy failed to start on port " + port);
                }
                TestTools.sleep(20);
            }
            proxy = starting;
        } catch (Exception e) {
            stopQuietly(starting);
            if (Ports.isBindFailure(e)) {
                throw new Ports.AddressInUse("s3proxy could not bind 127.0.0.1:" + port + ": " + e.getMessage(), e);
            }
            throw new IllegalStateException("s3proxy did not start on port " + port, e);
        }
    }

    private static void stopQuietly(S3Proxy proxy) {
        if (proxy != null) {
            try {
                proxy.stop();
            } catch (Exception alreadyStopped) {
                // nothing is left to stop
            }
        }
    }

    public synchronized void stop() {
        if (proxy != null) {
            try {
                proxy.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            proxy = null;
        }
    }

    /** A new bucket and the project's store on it, with unencrypted parts of {@code partSize} bytes. */
    public dev.hcprollback.storage.S3SnapshotStore snapshotStore(String bucket, int partSize) {
        createBucket(bucket);
        return new dev.hcprollback.storage.S3SnapshotStore(client(), presigner(), bucket, java.util.Optional.empty(), partSize);
    }

    /** The settings that point a sidecar process at this server and {@code bucket}. */
    public java.util.Map<String, String> sidecarConfig(String bucket) {
        return java.util.Map.ofEntries(
                java.util.Map.entry("hcp-rollback.storage.s3.bucket", bucket),
                java.util.Map.entry("quarkus.s3.endpoint-override", endpoint().toString()),
                java.util.Map.entry("quarkus.s3.path-style-access", "true"),
                // s3proxy 2.x rejects the x-amz-trailer that checksums and chunked encoding send
                java.util.Map.entry("quarkus.s3.checksum-validation", "false"),
                java.util.Map.entry("quarkus.s3.chunked-encoding", "false"),
                java.util.Map.entry("quarkus.s3.aws.credentials.type", "static"),
                java.util.Map.entry("quarkus.s3.aws.credentials.static-provider.access-key-id", ACCESS_KEY),
                java.util.Map.entry("quarkus.s3.aws.credentials.static-provider.secret-access-key", SECRET_KEY));
    }

    public void createBucket(String bucket) {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    public S3Client client() {
        return client(ACCESS_KEY, SECRET_KEY);
    }

    public S3Client client(String accessKey, String secretKey) {
        return client(endpoint(), accessKey, secretKey);
    }

    /** A client of an s3proxy running elsewhere (another JVM). */
    public static S3Client client(URI endpoint, String accessKey, String secretKey) {
        return clientBuilder(endpoint, accessKey, secretKey).httpClient(UrlConnectionHttpClient.create()).build();
    }

    /** A client's builder as the sidecar's configuration makes it, its transport still to choose. */
    public S3ClientBuilder clientBuilder() {
        return clientBuilder(endpoint(), ACCESS_KEY, SECRET_KEY);
    }

    private static S3ClientBuilder clientBuilder(URI endpoint, String accessKey, String secretKey) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true)
                        .chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }

    public S3Presigner presigner() {
        return S3Presigner.builder().endpointOverride(endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }

    @Override
    public void close() {
        stop();
        context.close();
    }
}
