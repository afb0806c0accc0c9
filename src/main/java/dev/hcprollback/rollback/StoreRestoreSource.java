package dev.hcprollback.rollback;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Provider;

import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.StorageException;

/**
 * Restore Jobs download a snapshot through a short-lived URL the snapshot store signs (S3 pre-signed
 * GET, Azure SAS): the Jobs need no storage credentials of their own.
 */
@ApplicationScoped
public class StoreRestoreSource implements RestoreSource {

    /** Looked up per download: storage settings are checked when a rollback needs them, not at start-up. */
    private final Provider<SnapshotStore> store;

    @Inject
    public StoreRestoreSource(Instance<SnapshotStore> store) {
        this((Provider<SnapshotStore>) store);
    }

    StoreRestoreSource(Provider<SnapshotStore> store) {
        this.store = store;
    }

    @Override
    public Download downloadOf(ControlPlaneSnapshot snapshot, Duration ttl) throws RestoreSourceException {
        String key = snapshot.getStatus() == null ? null : snapshot.getStatus().getObjectKey();
        String sha256 = snapshot.getStatus() == null ? null : snapshot.getStatus().getSha256();
        if (key == null || sha256 == null || sha256.isBlank()) {
            throw new RestoreSourceException("snapshot " + snapshot.getMetadata().getName()
                    + " records no stored object or no SHA-256");
        }
        try {
            SnapshotStore snapshots = store.get();
            if (!snapshots.exists(key)) {
                throw new RestoreSourceException("snapshot " + snapshot.getMetadata().getName() + ": "
                        + snapshots.locate(key).location() + " is gone from storage");
            }
            return new Download(snapshots.readUrl(key, ttl).toString(), sha256);
        } catch (StorageException | IllegalStateException e) {
            throw new RestoreSourceException("no download URL for snapshot " + snapshot.getMetadata().getName() + ": "
                    + e.getMessage(), e);
        }
    }
}
