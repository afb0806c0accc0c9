package dev.hcprollback.rollback.restore;

import java.time.Duration;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.api.SnapshotCompression;

/** Where a restore Job downloads a snapshot from: a short-lived URL that needs no other credentials. */
public interface RestoreSource {

    /**
     * A URL to read the snapshot through until it expires, the SHA-256 the download must have, the
     * object's size in the store in bytes (null where the source cannot tell), and how the object is
     * encoded (the fetch decodes it).
     */
    record Download(String url, String sha256, Long storedBytes, SnapshotCompression compression) {

        public Download(String url, String sha256) {
            this(url, sha256, null);
        }

        public Download(String url, String sha256, Long storedBytes) {
            this(url, sha256, storedBytes, SnapshotCompression.none);
        }

        @Override
        public String toString() {
            return "Download[url hidden, sha256=" + sha256 + "]";
        }
    }

    /**
     * @throws RestoreSourceException when no URL can be made (no backend, object missing, or its stored
     *         size differs from the snapshot's recorded {@code sizeBytes}): nothing has
     *         been touched yet, so the rollback undoes its steps
     */
    Download downloadOf(ControlPlaneSnapshot snapshot, Duration ttl) throws RestoreSourceException;

    /**
     * The same for one etcd shard's member of a snapshot set ({@code status.shards[]}): its own object, SHA-256 and
     * size; stored with the snapshot's compression. A source that cannot tell refuses: a shard is never staged from
     * the default etcd's object.
     *
     * @throws RestoreSourceException as {@link #downloadOf(ControlPlaneSnapshot, Duration)}
     */
    default Download downloadOf(ControlPlaneSnapshot snapshot, SnapshotShard shard, Duration ttl)
            throws RestoreSourceException {
        throw new RestoreSourceException("no download of etcd shard " + shard.getName() + " of snapshot "
                + snapshot.getMetadata().getName() + " from this source");
    }

    class RestoreSourceException extends Exception {
        public RestoreSourceException(String message) {
            super(message);
        }

        public RestoreSourceException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
