package dev.hcprollback.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.hcprollback.api.SnapshotCompression;

/**
 * The JSON object stored next to each snapshot, so that the store alone tells which cluster, payload
 * (by pull spec, digest and version) and etcd revision a snapshot holds. Format 2 added the digests
 * and per-field versions; a reader of format 1 finds them absent. Format 3 added {@code compression}
 * ({@code sha256} and {@code sizeBytes} are of the object as stored) and {@code etcdSizeBytes} (the
 * snapshot as etcd sent it); absent, the object is the uncompressed snapshot.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SnapshotManifest(
        int formatVersion,
        String clusterNamespace,
        String clusterName,
        String clusterUid,
        String controlPlaneNamespace,
        String snapshotName,
        String reason,
        String releaseImage,
        String controlPlaneReleaseImage,
        String version,
        String releaseDigest,
        String releaseVersion,
        String controlPlaneReleaseDigest,
        String controlPlaneReleaseVersion,
        long etcdRevision,
        String sha256,
        long sizeBytes,
        String startTime,
        String completionTime,
        String object,
        String etcdImage,
        String etcdVersion,
        SnapshotCompression compression,
        Long etcdSizeBytes) {

    public static final int FORMAT = 3;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static SnapshotManifest fromJson(byte[] json) {
        try {
            return JSON.readValue(json, SnapshotManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
