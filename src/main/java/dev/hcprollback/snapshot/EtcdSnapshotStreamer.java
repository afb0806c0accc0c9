package dev.hcprollback.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.hcprollback.api.SnapshotCompression;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.options.GetOption;

/**
 * Streams a snapshot out of etcd through the Maintenance API over mutual TLS, straight into an output
 * stream (an upload), hashing on the way: etcd's own trailing SHA-256 is checked on the snapshot as etcd
 * sent it, and the SHA-256 of what is stored (the same bytes, or their zstd encoding) is computed in the
 * same pass. Holds no more than a gRPC message, a 32-byte tail and, compressed, the encoder's window.
 */
public class EtcdSnapshotStreamer {

    /**
     * What was streamed: the revision read just before; the size and SHA-256 of what is stored (after
     * {@code compression}); the size of the snapshot as etcd sent it; the etcd server version that
     * answered (Maintenance Status; null when it did not say).
     */
    public record Streamed(long revision, long sizeBytes, String sha256, String etcdVersion, long etcdBytes,
            SnapshotCompression compression) {
    }

    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration snapshotTimeout;
    private final Duration idleTimeout;

    /**
     * @param snapshotTimeout limit for one whole snapshot
     * @param idleTimeout longest wait for the stream's next bytes
     */
    public EtcdSnapshotStreamer(Duration connectTimeout, Duration requestTimeout, Duration snapshotTimeout,
            Duration idleTimeout) {
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.snapshotTimeout = snapshotTimeout;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Reads the current revision, then streams the snapshot into {@code out}. Does not close {@code out}.
     *
     * @param afterRevision called with the revision before any byte is streamed (to choose the object key)
     */
    public Streamed stream(String endpoint, Optional<String> authority, EtcdCredentials credentials,
            java.util.function.LongFunction<OutputStream> afterRevision) throws SnapshotFailure {
        return stream(endpoint, authority, credentials, SnapshotCompression.none, afterRevision);
    }

    /** As {@link #stream(String, Optional, EtcdCredentials, java.util.function.LongFunction)}, storing {@code compression}'s encoding. */
    public Streamed stream(String endpoint, Optional<String> authority, EtcdCredentials credentials,
            SnapshotCompression compression, java.util.function.LongFunction<OutputStream> afterRevision)
            throws SnapshotFailure {
        try (Client client = connect(endpoint, authority, credentials)) {
            long revision = revision(client, endpoint);
            String version = version(client, endpoint);
            OutputStream out = afterRevision.apply(revision);
            StoredBytes stored = compression == SnapshotCompression.none ? null
                    : new StoredBytes(out);
            OutputStream encoder;
            try {
                encoder = stored == null ? out : compression.encoder(stored);
            } catch (IOException e) {
                throw new StreamSinkException(e);
            }
            SnapshotDigest digest = new SnapshotDigest(encoder);
            CompletableFuture<Long> done = client.getMaintenanceClient().snapshot(digest);
            try {
                awaitStream(done, digest, endpoint);
            } catch (ExecutionException e) {
                if (digest.failure() != null) {
                    throw new StreamSinkException(digest.failure());
                }
                throw new SnapshotFailure(SnapshotFailure.Reason.EtcdError,
                        "etcd at " + endpoint + ": the snapshot stream broke after " + digest.size() + " bytes: "
                                + rootMessage(e), e);
            }
            if (digest.failure() != null) {
                throw new StreamSinkException(digest.failure());
            }
            if (!digest.trailerMatches()) {
                throw new SnapshotFailure(SnapshotFailure.Reason.HashMismatch, "etcd at " + endpoint
                        + ": the snapshot's trailing SHA-256 does not match its content (" + digest.size()
                        + " bytes): the stream was damaged");
            }
            if (stored == null) {
                return new Streamed(revision, digest.size(), digest.sha256Hex(), version, digest.size(), compression);
            }
            try {
                encoder.close(); // the encoding's end; the upload itself stays open for the caller to complete
            } catch (IOException e) {
                throw new StreamSinkException(e);
            }
            return new Streamed(revision, stored.size(), stored.sha256Hex(), version, digest.size(), compression);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SnapshotFailure(SnapshotFailure.Reason.Internal, "interrupted while streaming from " + endpoint, e);
        }
    }

    /**
     * Waits for the stream's end, giving up when no byte arrived for the idle limit (a stalled member, a half-open
     * connection) or the whole snapshot took longer than its limit.
     */
    private void awaitStream(CompletableFuture<Long> done, SnapshotDigest digest, String endpoint)
            throws ExecutionException, InterruptedException, SnapshotFailure {
        long started = System.nanoTime();
        long tick = Math.max(10, Math.min(1000, idleTimeout.toMillis() / 4));
        long bytes = -1;
        long lastProgress = started;
        while (true) {
            try {
                done.get(tick, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException notYet) {
                long now = System.nanoTime();
                long size = digest.size();
                if (size != bytes) {
                    bytes = size;
                    lastProgress = now;
                } else if (now - lastProgress >= idleTimeout.toNanos()) {
                    done.cancel(true);
                    throw new SnapshotFailure(SnapshotFailure.Reason.EtcdError, "etcd at " + endpoint + " sent no data for "
                            + idleTimeout.toMillis() / 1000.0 + " s after " + size + " bytes of the snapshot", notYet);
                }
                if (now - started >= snapshotTimeout.toNanos()) {
                    done.cancel(true);
                    throw new SnapshotFailure(SnapshotFailure.Reason.EtcdError,
                            "etcd at " + endpoint + ": the snapshot did not finish within " + snapshotTimeout, notYet);
                }
            }
        }
    }

    /** Thrown when the output (the upload), not etcd, failed; carries the output's own exception. */
    public static class StreamSinkException extends RuntimeException {
        public StreamSinkException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A client with this streamer's timeouts; the caller closes it. */
    public Client connect(String endpoint, Optional<String> authority, EtcdCredentials credentials)
            throws SnapshotFailure {
        try {
            ClientBuilder builder = Client.builder()
                    .endpoints(URI.create(endpoint))
                    .connectTimeout(connectTimeout)
                    .retryMaxDuration(requestTimeout)
                    .retryMaxAttempts(2)
                    .maxInboundMessageSize(64 * 1024 * 1024)
                    .sslContext(ssl -> ssl.trustManager(credentials.ca()).keyManager(credentials.cert(), credentials.key()));
            authority.ifPresent(builder::authority);
            return builder.build();
        } catch (IOException | IllegalArgumentException e) {
            throw new SnapshotFailure(SnapshotFailure.Reason.CredentialsMissing,
                    "the etcd client certificate, key or CA cannot be used: " + rootMessage(e), e);
        }
    }

    private long revision(Client client, String endpoint) throws SnapshotFailure, InterruptedException {
        try {
            return client.getKVClient()
                    .get(ByteSequence.from("\0", StandardCharsets.UTF_8), GetOption.builder().withCountOnly(true).build())
                    .get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getHeader().getRevision();
        } catch (TimeoutException e) {
            throw new SnapshotFailure(SnapshotFailure.Reason.EtcdUnreachable,
                    "etcd at " + endpoint + " did not answer within " + requestTimeout, e);
        } catch (ExecutionException e) {
            throw new SnapshotFailure(SnapshotFailure.Reason.EtcdUnreachable,
                    "etcd at " + endpoint + " is unreachable: " + rootMessage(e), e);
        }
    }

    /** The etcd server version, for the snapshot's record of its payload's etcd; null if etcd does not say. */
    private String version(Client client, String endpoint) throws InterruptedException {
        try {
            return client.getMaintenanceClient().statusMember(endpoint).get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getVersion();
        } catch (TimeoutException | ExecutionException e) {
            return null;
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message;
    }
}
