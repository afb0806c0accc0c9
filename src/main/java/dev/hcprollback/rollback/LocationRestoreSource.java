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
        if ((location.startsWith("http://") || location.startsWith("https://")) && !isObjectStore(location)) {
            return new Download(location, sha256);
        }
        // a bare bucket or blob URL would make every restore Job fail its download: refuse now,
        // while nothing has been touched, rather than after the Jobs were started
        throw new RestoreSourceException("no snapshot store can sign a download URL for " + location);
    }

    /** S3 and Azure Blob locations need a pre-signed URL; only a plain HTTP server is read as it is. */
    static boolean isObjectStore(String location) {
        String host;
        try {
            host = java.net.URI.create(location).getHost();
        } catch (IllegalArgumentException notAUrl) {
            return true;
        }
        return host == null || host.endsWith(".amazonaws.com") || host.contains(".blob.core.");
    }
}
