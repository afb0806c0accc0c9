package dev.hcprollback.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.hcprollback.api.EncryptionKey;
import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.api.SnapshotEncryption;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.StorageException;
import dev.hcprollback.storage.StoredObject;
import dev.hcprollback.storage.Upload;

/**
 * Takes one snapshot end to end: read the payload, stream etcd into the store, check that the payload
 * did not move meanwhile, read the object back and compare hashes, then write the manifest. Every
 * failure removes what it stored, so an attempt either leaves a verified snapshot and its manifest or
 * nothing.
 */
public class SnapshotTaker {

    private static final Logger LOG = Logger.getLogger(SnapshotTaker.class);

    /** A stored, read-back and verified snapshot; {@code etcdImage}, {@code etcdVersion}: the etcd of the payload (null when unknown). */
    public record Taken(Payload payload, long revision, long sizeBytes, String sha256, StoredObject object,
            StoredObject manifest, Instant startTime, Instant completionTime, String etcdImage, String etcdVersion,
            SnapshotCompression compression, long etcdBytes) {
    }

    /**
     * The payload a cluster runs: both image fields with their digests and versions, the version of the
     * control plane, and the uid of the HostedCluster they were read from.
     */
    public record Payload(String releaseImage, String controlPlaneReleaseImage, String version, String releaseDigest,
            String releaseVersion, String controlPlaneReleaseDigest, String controlPlaneReleaseVersion,
            String hostedClusterUid, SnapshotEncryption encryption) {

        public static Payload of(HostedCluster cluster) {
            Optional<PayloadIdentity> release = cluster.releaseImage().map(cluster::identifyWithHistory);
            Optional<PayloadIdentity> controlPlane = cluster.controlPlaneReleaseImage().map(cluster::identifyWithHistory);
            String version = controlPlane.or(() -> release).flatMap(PayloadIdentity::version).map(ReleaseVersion::toString)
                    .orElse(null);
            return new Payload(release.map(p -> p.image().pullSpec()).orElse(null),
                    controlPlane.map(p -> p.image().pullSpec()).orElse(null), version,
                    release.flatMap(PayloadIdentity::digest).orElse(null),
                    release.flatMap(PayloadIdentity::version).map(Object::toString).orElse(null),
                    controlPlane.flatMap(PayloadIdentity::digest).orElse(null),
                    controlPlane.flatMap(PayloadIdentity::version).map(Object::toString).orElse(null),
                    cluster.getMetadata().getUid(), encryptionOf(cluster));
        }

        /** The encryption type and the API server's keys, by identity (what a restore will need to read the data). */
        public static SnapshotEncryption encryptionOf(HostedCluster cluster) {
            return new SnapshotEncryption(cluster.secretEncryptionType().orElse(SnapshotEncryption.NONE),
                    cluster.encryptionKeys().stream()
                            .map(k -> new EncryptionKey(k.provider(), k.id(), k.fingerprint(), k.source())).toList());
        }

        /**
         * This payload with the keys of {@code after} added: a key rotation may have moved while the snapshot
         * streamed, so its data may be encrypted with any key configured at its start or its end.
         */
        Payload withKeysOf(Payload after) {
            List<EncryptionKey> keys = new ArrayList<>(encryption.getKeys());
            after.encryption.getKeys().stream()
                    .filter(k -> keys.stream().noneMatch(mine -> Objects.equals(mine.getProvider(), k.getProvider())
                            && Objects.equals(mine.getId(), k.getId()) && Objects.equals(mine.getFingerprint(), k.getFingerprint())))
                    .forEach(keys::add);
            String type = SnapshotEncryption.NONE.equals(encryption.getType()) ? after.encryption.getType() : encryption.getType();
            return new Payload(releaseImage, controlPlaneReleaseImage, version, releaseDigest, releaseVersion,
                    controlPlaneReleaseDigest, controlPlaneReleaseVersion, hostedClusterUid, new SnapshotEncryption(type, keys));
        }

        /** The same pull specs, spelled the same: a payload that moved in any way while the snapshot ran fails it. */
        public boolean sameImages(Payload other) {
            return Objects.equals(releaseImage, other.releaseImage)
                    && Objects.equals(controlPlaneReleaseImage, other.controlPlaneReleaseImage);
        }

        @Override
        public String toString() {
            return releaseImage + (controlPlaneReleaseImage == null ? "" : " (control plane " + controlPlaneReleaseImage + ")");
        }
    }

    private final EtcdSnapshotStreamer streamer;
    private final SnapshotStore store;
    private final String prefix;
    private final Clock clock;
    private final SnapshotCompression compression;

    public SnapshotTaker(EtcdSnapshotStreamer streamer, SnapshotStore store, String prefix, Clock clock) {
        this(streamer, store, prefix, clock, SnapshotCompression.none);
    }

    /** @param compression how the object is stored; the SHA-256 and size recorded are of what is stored */
    public SnapshotTaker(EtcdSnapshotStreamer streamer, SnapshotStore store, String prefix, Clock clock,
            SnapshotCompression compression) {
        this.streamer = streamer;
        this.store = store;
        this.prefix = prefix;
        this.clock = clock;
        this.compression = compression;
    }

    /**
     * @param cluster the HostedCluster when the attempt starts
     * @param current reads the HostedCluster again once the stream ended
     */
    public Taken take(String snapshotName, SnapshotReason reason, HostedCluster cluster, Supplier<HostedCluster> current,
            String endpoint, Optional<String> authority, EtcdCredentials credentials) throws SnapshotFailure {
        return take(snapshotName, reason, cluster, current, endpoint, authority, credentials, null);
    }

    /** @param etcdImage the etcd StatefulSet's {@code etcd} container image, recorded as the payload's etcd */
    public Taken take(String snapshotName, SnapshotReason reason, HostedCluster cluster, Supplier<HostedCluster> current,
            String endpoint, Optional<String> authority, EtcdCredentials credentials, String etcdImage)
            throws SnapshotFailure {
        Payload payload = Payload.of(cluster);
        if (payload.releaseImage() == null) {
            throw new SnapshotFailure(SnapshotFailure.Reason.ClusterNotReady,
                    "HostedCluster has no spec.release.image: nothing tells which payload a snapshot would belong to");
        }
        Instant start = clock.instant();
        AtomicReference<Upload> upload = new AtomicReference<>();
        AtomicReference<String> key = new AtomicReference<>();
        EtcdSnapshotStreamer.Streamed streamed;
        try {
            streamed = streamer.stream(endpoint, authority, credentials, compression, revision -> {
                key.set(SnapshotKeys.snapshotKey(prefix, cluster.getMetadata().getNamespace(),
                        cluster.getMetadata().getName(), payload.version(), start, revision));
                if (store.exists(key.get())) {
                    // never overwrite (and later delete) another snapshot's object; the next attempt gets a new key
                    throw new KeyTakenException(key.get());
                }
                upload.set(store.upload(key.get(), compression.contentType()));
                return upload.get();
            });
        } catch (KeyTakenException e) {
            throw new SnapshotFailure(SnapshotFailure.Reason.Internal, "an object already exists at "
                    + store.locate(e.getMessage()).location() + "; not overwriting it");
        } catch (EtcdSnapshotStreamer.StreamSinkException e) {
            abort(upload.get());
            throw storageFailure(e.getCause());
        } catch (StorageException e) {
            abort(upload.get());
            throw storageFailure(e);
        } catch (SnapshotFailure | RuntimeException e) {
            abort(upload.get());
            throw e;
        }

        StoredObject object;
        try {
            object = upload.get().complete();
        } catch (IOException | StorageException e) {
            throw storageFailure(e);
        }

        try {
            Payload after = Payload.of(current.get());
            if (!payload.sameImages(after)) {
                throw new SnapshotFailure(SnapshotFailure.Reason.PayloadChanged, "the HostedCluster's payload changed "
                        + "while the snapshot ran (from " + payload + " to " + after
                        + "): a snapshot must belong to one payload; the stored object was removed");
            }
            Payload recorded = payload.withKeysOf(after);
            String readBack;
            try (InputStream in = store.open(key.get())) {
                readBack = SnapshotDigest.sha256Hex(in);
            } catch (IOException | StorageException e) {
                throw storageFailure(e);
            }
            if (!readBack.equals(streamed.sha256())) {
                throw new SnapshotFailure(SnapshotFailure.Reason.HashMismatch, "the stored object " + object.location()
                        + " reads back with SHA-256 " + readBack + " but " + streamed.sha256()
                        + " was streamed: storage damaged it; the object was removed");
            }
            Instant end = clock.instant();
            SnapshotManifest manifest = new SnapshotManifest(SnapshotManifest.FORMAT, cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), cluster.getMetadata().getUid(), cluster.controlPlaneNamespace(),
                    snapshotName, reason.name(), payload.releaseImage(), payload.controlPlaneReleaseImage(),
                    payload.version(), payload.releaseDigest(), payload.releaseVersion(),
                    payload.controlPlaneReleaseDigest(), payload.controlPlaneReleaseVersion(), streamed.revision(),
                    streamed.sha256(), streamed.sizeBytes(), start.toString(), end.toString(), object.key(), etcdImage,
                    streamed.etcdVersion(), compression, streamed.etcdBytes());
            StoredObject manifestObject;
            try {
                manifestObject = store.put(SnapshotKeys.manifestKey(key.get()), manifest.toJson(), "application/json");
            } catch (StorageException e) {
                throw storageFailure(e);
            }
            return new Taken(recorded, streamed.revision(), streamed.sizeBytes(), streamed.sha256(), object,
                    manifestObject, start, end, etcdImage, streamed.etcdVersion(), compression, streamed.etcdBytes());
        } catch (SnapshotFailure | RuntimeException e) {
            deleteQuietly(key.get());
            deleteQuietly(SnapshotKeys.manifestKey(key.get()));
            throw e;
        }
    }

    private static final class KeyTakenException extends RuntimeException {
        KeyTakenException(String key) {
            super(key);
        }
    }

    private void abort(Upload upload) {
        if (upload != null) {
            upload.abort();
        }
    }

    private void deleteQuietly(String key) {
        try {
            store.delete(key);
        } catch (StorageException e) {
            LOG.warnf("could not remove %s after a failed snapshot: %s", key, e.getMessage());
        }
    }

    static SnapshotFailure storageFailure(Throwable failure) {
        Throwable e = failure;
        while (!(e instanceof StorageException) && e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        if (e instanceof StorageException s) {
            return new SnapshotFailure(s.denied() ? SnapshotFailure.Reason.StorageDenied
                    : SnapshotFailure.Reason.StorageUnavailable, s.getMessage(), s);
        }
        return new SnapshotFailure(SnapshotFailure.Reason.StorageUnavailable, "storage failed: "
                + EtcdSnapshotStreamer.rootMessage(failure), failure);
    }

    /** Deletes a snapshot object and its manifest. */
    public static void deleteStored(SnapshotStore store, String key) {
        store.delete(key);
        store.delete(SnapshotKeys.manifestKey(key));
    }

}
