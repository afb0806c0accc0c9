package dev.hcprollback.testing;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import dev.hcprollback.rollback.RestoreSource;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;

/**
 * In the Quarkus tests the restore Jobs are completed by the HyperShift simulator, which downloads
 * nothing (the mock API server runs no Jobs), so a download is simply the location the snapshot
 * records. The real source, URLs signed by the snapshot store, is shown against an S3 server in
 * {@code StoreRestoreSourceTest}.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class SimulatedSnapshotDownloads implements RestoreSource {

    @Override
    public Download downloadOf(ControlPlaneSnapshot snapshot, Duration ttl) throws RestoreSourceException {
        if (snapshot.getStatus() == null || snapshot.getStatus().getLocation() == null) {
            throw new RestoreSourceException("snapshot " + snapshot.getMetadata().getName() + " records no location");
        }
        return new Download(snapshot.getStatus().getLocation(), snapshot.getStatus().getSha256());
    }
}
