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
 * snapshot as etcd sent it); absent, the object is the uncompressed snapshot. Format 4 added {@code shards}:
 * the etcd shards snapshotted with the default etcd (absent when the cluster has none on PersistentVolumes).
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
        Long etcdSizeBytes,
        java.util.List<Shard> shards) {

    public static final int FORMAT = 4;

    /**
     * An etcd shard of the set (format 4): its name in {@code spec.etcd.managed.shards}, its object, the shard etcd's
     * own revision, and the SHA-256 and size of its object as stored ({@code compression} as the set's).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Shard(String name, String object, long etcdRevision, String sha256, long sizeBytes, String etcdVersion) {
    }

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
