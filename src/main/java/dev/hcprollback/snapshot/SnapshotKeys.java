package dev.hcprollback.snapshot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The key layout in the store: {@code <prefix>/<namespace>/<name>/<version>/<timestamp>-<revision>.db}
 * and the manifest at the same key with {@code .json}; an etcd shard's object of the same set at
 * {@code <timestamp>-<revision>.shard-<shard>.db}.
 */
public final class SnapshotKeys {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private SnapshotKeys() {
    }

    public static String snapshotKey(String prefix, String namespace, String name, String version, Instant time,
            long revision) {
        String base = clean(namespace) + "/" + clean(name) + "/" + clean(version == null ? "unknown" : version) + "/"
                + STAMP.format(time) + "-" + revision + ".db";
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        return p.isEmpty() ? base : p + "/" + base;
    }

    /**
     * The object of etcd shard {@code shard} in the set whose default etcd is at {@code snapshotKey}:
     * {@code <timestamp>-<revision>.shard-<shard>.db} next to it (the manifest of the set lists it).
     */
    public static String shardKey(String snapshotKey, String shard) {
        String base = snapshotKey.endsWith(".db") ? snapshotKey.substring(0, snapshotKey.length() - 3) : snapshotKey;
        return base + ".shard-" + clean(shard) + ".db";
    }

    public static String manifestKey(String snapshotKey) {
        return snapshotKey.endsWith(".db") ? snapshotKey.substring(0, snapshotKey.length() - 3) + ".json"
                : snapshotKey + ".json";
    }

    /** Prefix of every object of one cluster. */
    public static String clusterPrefix(String prefix, String namespace, String name) {
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        return (p.isEmpty() ? "" : p + "/") + clean(namespace) + "/" + clean(name) + "/";
    }

    private static String clean(String part) {
        return part.replaceAll("[^A-Za-z0-9._+-]", "_");
    }
}
