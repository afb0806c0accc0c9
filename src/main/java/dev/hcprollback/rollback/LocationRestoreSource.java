package dev.hcprollback.rollback;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import io.quarkus.arc.DefaultBean;

/**
 * The fallback {@link RestoreSource}: a snapshot whose {@code status.location} is already an
 * {@code http(s)} URL is downloaded from there. Object-store locations ({@code s3://},
 * {@code azure://}) need a pre-signed URL from the snapshot store, which replaces this bean.
 */
@ApplicationScoped
@DefaultBean
public class LocationRestoreSource implements RestoreSource {

    @Override
    public Download downloadOf(ControlPlaneSnapshot snapshot, Duration ttl) throws RestoreSourceException {
        String location = snapshot.getStatus() == null ? null : snapshot.getStatus().getLocation();
        String sha256 = snapshot.getStatus() == null ? null : snapshot.getStatus().getSha256();
        if (location == null || sha256 == null || sha256.isBlank()) {
            throw new RestoreSourceException("snapshot " + snapshot.getMetadata().getName()
                    + " records no location or no SHA-256");
        }
        if (location.startsWith("http://") || location.startsWith("https://")) {
            return new Download(location, sha256);
        }
        throw new RestoreSourceException("no snapshot store can sign a download URL for " + location);
    }
}
