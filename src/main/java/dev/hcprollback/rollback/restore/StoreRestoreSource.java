package dev.hcprollback.rollback.restore;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.rollback.etcd.KeyChanges;
import dev.hcprollback.storage.SnapshotStore;

/**
 * Restore downloads through the snapshot store: a pre-signed S3 URL or an Azure read SAS of the
 * snapshot's object, checked first to exist with the size the snapshot recorded (its SHA-256 is checked
 * by each stage Job's fetch container while it downloads), so that a missing or different object or a
 * store that cannot be reached fails the rollback before any restore Job starts.
 */
@ApplicationScoped
public class StoreRestoreSource implements RestoreSource {

    private final Supplier<SnapshotStore> store;

    @Inject
    public StoreRestoreSource(Instance<SnapshotStore> store) {
        // looked up per use: a store that cannot be built (no bucket configured) fails one rollback, not the sidecar
        this(store::get);
    }

    public StoreRestoreSource(Supplier<SnapshotStore> store) {
        this.store = store;
    }

    @Override
    public Download downloadOf(ControlPlaneSnapshot snapshot, Duration ttl) throws RestoreSourceException {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
        return download("snapshot " + snapshot.getMetadata().getName(), status == null ? null : status.getObjectKey(),
                status == null ? null : status.getSha256(), status == null ? null : status.getSizeBytes(),
                status == null ? null : status.getCompression(), ttl);
    }

    @Override
    public Download downloadOf(ControlPlaneSnapshot snapshot, SnapshotShard shard, Duration ttl)
            throws RestoreSourceException {
        // a shard's object is written by the same attempt as the default etcd's, with the same compression
        return download("etcd shard " + shard.getName() + " of snapshot " + snapshot.getMetadata().getName(),
                shard.getObjectKey(), shard.getSha256(), shard.getSizeBytes(),
                snapshot.getStatus() == null ? null : snapshot.getStatus().getCompression(), ttl);
    }

    private Download download(String name, String key, String sha256, Long recorded, SnapshotCompression compression,
            Duration ttl) throws RestoreSourceException {
        if (key == null || sha256 == null || sha256.isBlank()) {
            throw new RestoreSourceException(name + " records no object key or no SHA-256");
        }
        try {
            SnapshotStore into = store.get();
            OptionalLong stored = into.size(key);
            if (stored.isEmpty()) {
                throw new RestoreSourceException("the object " + key + " of " + name + " is not in the "
                        + into.backend() + " store");
            }
            if (recorded == null || recorded != stored.getAsLong()) {
                throw new RestoreSourceException("the object " + key + " in the " + into.backend() + " store holds "
                        + stored.getAsLong() + " bytes, " + name + " records "
                        + (recorded == null ? "no size" : recorded + " bytes") + ": not the snapshot that was verified");
            }
            return new Download(into.readUrl(key, ttl).toString(), sha256, stored.getAsLong(),
                    SnapshotCompression.orNone(compression));
        } catch (RuntimeException e) {
            throw new RestoreSourceException("the snapshot store cannot hand out " + key + ": " + KeyChanges.rootMessage(e), e);
        }
    }
}
