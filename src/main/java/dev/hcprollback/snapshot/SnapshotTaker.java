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
import java.util.function.LongFunction;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.hcprollback.api.EncryptionKey;
import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.api.SnapshotEncryption;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.snapshot.EtcdSnapshotStreamer.Streamed;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.StorageException;
import dev.hcprollback.storage.StoredObject;
import dev.hcprollback.storage.Upload;

/**
 * Takes one snapshot end to end: read the payload, stream etcd (and each etcd shard on PersistentVolumes, one
 * after the other) into the store, check that the payload did not move meanwhile, read each object back and
 * compare hashes, then write the manifest. Every failure removes what it stored, so an attempt either leaves a
 * verified snapshot set and its manifest or nothing.
 */
public class SnapshotTaker {

    private static final Logger LOG = Logger.getLogger(SnapshotTaker.class);

    /** A stored, read-back and verified snapshot; {@code etcdImage}, {@code etcdVersion}: the etcd of the payload (null when unknown). */
    public record Taken(Payload payload, long revision, long sizeBytes, String sha256, StoredObject object,
            StoredObject manifest, Instant startTime, Instant completionTime, String etcdImage, String etcdVersion,
            SnapshotCompression compression, long etcdBytes, List<TakenShard> shards) {
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
        return take(snapshotName, reason, cluster, current, endpoint, authority, credentials, etcdImage, List.of());
    }

    /**
     * One snapshot set: the default etcd at {@code endpoint}, then each of {@code shards} in turn, each streamed into
     * its own object, all within one payload (checked before the first and after the last) and each read back and
     * verified. A member that fails fails the set: every object stored so far is removed and the failure names the
     * member ({@code etcd shard <name>: ...}).
     *
     * @param shards the PersistentVolume etcd shards of the cluster, with their client endpoints; empty without shards
     */
    public Taken take(String snapshotName, SnapshotReason reason, HostedCluster cluster, Supplier<HostedCluster> current,
            String endpoint, Optional<String> authority, EtcdCredentials credentials, String etcdImage,
            List<ShardEndpoint> shards) throws SnapshotFailure {
        Payload payload = Payload.of(cluster);
        if (payload.releaseImage() == null) {
            throw new SnapshotFailure(SnapshotFailure.Reason.ClusterNotReady,
                    "HostedCluster has no spec.release.image: nothing tells which payload a snapshot would belong to");
        }
        Instant start = clock.instant();
        Member main = streamMember(endpoint, authority, credentials, revision -> SnapshotKeys.snapshotKey(prefix,
                cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), payload.version(), start, revision));
        List<Member> stored = new ArrayList<>(List.of(main));
        try {
            for (ShardEndpoint shard : shards) {
                try {
                    stored.add(streamMember(shard.endpoint(), authority, credentials,
                            revision -> SnapshotKeys.shardKey(main.key(), shard.name())).named(shard.name()));
                } catch (SnapshotFailure e) {
                    throw shard.failed(e);
                }
            }
            Payload after = Payload.of(current.get());
            if (!payload.sameImages(after)) {
                throw new SnapshotFailure(SnapshotFailure.Reason.PayloadChanged, "the HostedCluster's payload changed "
                        + "while the snapshot ran (from " + payload + " to " + after
                        + "): a snapshot must belong to one payload; the stored object was removed");
            }
            Payload recorded = payload.withKeysOf(after);
            for (Member member : stored) {
                verify(member);
            }
            List<TakenShard> takenShards = stored.stream().skip(1).map(m -> new TakenShard(m.shard(), m.streamed().revision(),
                    m.streamed().sizeBytes(), m.streamed().sha256(), m.object(), m.streamed().etcdVersion(), m.streamed().etcdBytes()))
                    .toList();
            Instant end = clock.instant();
            Streamed streamed = main.streamed();
            SnapshotManifest manifest = new SnapshotManifest(SnapshotManifest.FORMAT, cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), cluster.getMetadata().getUid(), cluster.controlPlaneNamespace(),
                    snapshotName, reason.name(), payload.releaseImage(), payload.controlPlaneReleaseImage(),
                    payload.version(), payload.releaseDigest(), payload.releaseVersion(),
                    payload.controlPlaneReleaseDigest(), payload.controlPlaneReleaseVersion(), streamed.revision(),
                    streamed.sha256(), streamed.sizeBytes(), start.toString(), end.toString(), main.object().key(), etcdImage,
                    streamed.etcdVersion(), compression, streamed.etcdBytes(), takenShards.isEmpty() ? null
                            : takenShards.stream().map(TakenShard::manifest).toList());
            StoredObject manifestObject;
            try {
                manifestObject = store.put(SnapshotKeys.manifestKey(main.key()), manifest.toJson(), "application/json");
            } catch (StorageException e) {
                throw storageFailure(e);
            }
            return new Taken(recorded, streamed.revision(), streamed.sizeBytes(), streamed.sha256(), main.object(),
                    manifestObject, start, end, etcdImage, streamed.etcdVersion(), compression, streamed.etcdBytes(),
                    takenShards);
        } catch (SnapshotFailure | RuntimeException e) {
            stored.forEach(member -> deleteQuietly(member.key()));
            deleteQuietly(SnapshotKeys.manifestKey(main.key()));
            throw e;
        }
    }

    /** An etcd shard of the set: its name in {@code spec.etcd.managed.shards} and its client endpoint. */
    public record ShardEndpoint(String name, String endpoint) {

        /** {@code failure} with the shard named first, so that the snapshot's message says which member failed. */
        SnapshotFailure failed(SnapshotFailure failure) {
            return new SnapshotFailure(failure.reason(), "etcd shard " + name + ": " + failure.getMessage()
                    + " (the snapshot set holds every shard on PersistentVolumes or none)", failure);
        }
    }

    /**
     * A verified shard of a snapshot set: the shard etcd's own revision, and its object's size and SHA-256 as stored;
     * {@code etcdVersion} as that etcd reported it (null when it did not say); {@code etcdBytes} its size as etcd sent it.
     */
    public record TakenShard(String name, long revision, long sizeBytes, String sha256, StoredObject object,
            String etcdVersion, long etcdBytes) {

        SnapshotManifest.Shard manifest() {
            return new SnapshotManifest.Shard(name, object.key(), revision, sha256, sizeBytes, etcdVersion);
        }
    }

    /** One stored, not yet verified member of the set; {@code shard} is null for the default etcd. */
    private record Member(String shard, String key, StoredObject object, Streamed streamed) {

        Member named(String name) {
            return new Member(name, key, object, streamed);
        }

        String describe() {
            return shard == null ? "" : "etcd shard " + shard + ": ";
        }
    }

    /** Streams one etcd into a new object at the key {@code keyFor} gives for its revision; a failure leaves nothing stored. */
    private Member streamMember(String endpoint, Optional<String> authority, EtcdCredentials credentials,
            LongFunction<String> keyFor) throws SnapshotFailure {
        AtomicReference<Upload> upload = new AtomicReference<>();
        AtomicReference<String> key = new AtomicReference<>();
        Streamed streamed;
        try {
            streamed = streamer.stream(endpoint, authority, credentials, compression, revision -> {
                key.set(keyFor.apply(revision));
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
        try {
            return new Member(null, key.get(), upload.get().complete(), streamed);
        } catch (IOException | StorageException e) {
            throw storageFailure(e);
        }
    }

    /** Reads the stored object back: its SHA-256 must be the one streamed. */
    private void verify(Member member) throws SnapshotFailure {
        String readBack;
        try (InputStream in = store.open(member.key())) {
            readBack = SnapshotDigest.sha256Hex(in);
        } catch (IOException | StorageException e) {
            SnapshotFailure failure = storageFailure(e);
            throw member.shard() == null ? failure
                    : new SnapshotFailure(failure.reason(), member.describe() + failure.getMessage(), e);
        }
        if (!readBack.equals(member.streamed().sha256())) {
            throw new SnapshotFailure(SnapshotFailure.Reason.HashMismatch, member.describe() + "the stored object "
                    + member.object().location() + " reads back with SHA-256 " + readBack + " but "
                    + member.streamed().sha256() + " was streamed: storage damaged it; the object was removed");
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
        deleteStored(store, key, List.of());
    }

    /** Deletes a snapshot set: its etcd shards' objects ({@code shardKeys}), the default etcd's object and its manifest. */
    public static void deleteStored(SnapshotStore store, String key, List<String> shardKeys) {
        shardKeys.forEach(store::delete);
        store.delete(key);
        store.delete(SnapshotKeys.manifestKey(key));
    }

}
