package dev.hcprollback.snapshot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The key layout in the store: {@code <prefix>/<namespace>/<name>/<version>/<timestamp>-<revision>.db}
 * and the manifest at the same key with {@code .json}.
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
