package dev.hcprollback.storage;

import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Object storage for snapshots. Uploads stream through {@link Upload} in parts of a fixed size, so one
 * upload holds at most one part in memory whatever the size of the snapshot.
 */
public interface SnapshotStore {

    /** {@code s3} or {@code azure}. */
    String backend();

    /** The object this key names (whether it exists or not). */
    StoredObject locate(String key);

    /** Starts a streaming upload; nothing is visible under the key until {@link Upload#complete()}. */
    Upload upload(String key, String contentType);

    /** Stores a small object (a manifest) in one call. */
    StoredObject put(String key, byte[] content, String contentType);

    /** Streams an object back; the caller closes the stream. */
    InputStream open(String key);

    boolean exists(String key);

    /**
     * The stored size of an object in bytes (S3 {@code HEAD}'s {@code Content-Length}, Azure's blob
     * properties), or empty when the object does not exist.
     */
    OptionalLong size(String key);

    /** Deletes an object; deleting a missing one is not an error. */
    void delete(String key);

    /** Keys under a prefix, for audits and tests. */
    List<String> list(String prefix);

    /** A URL that reads the object without further credentials until it expires. */
    URL readUrl(String key, Duration ttl);
}
