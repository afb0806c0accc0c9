package dev.hcprollback.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.testing.LocalRestoreJob;

/**
 * The restore a rollback Job runs on one etcd member's volume, for the restore benchmark: the very
 * commands of a stage and a swap Job ({@link LocalRestoreJob}: the fetch container's download and SHA-256
 * check, then {@code etcdutl snapshot restore} with
 * {@code --bump-revision --mark-compacted} into a scratch directory, then the swap), with the
 * environment of member etcd-0 of a one-member cluster on local directories. The script prints
 * {@code stage=<name>} before each step, which the benchmark times.
 */
final class RestoreCommand {

    private RestoreCommand() {
    }

    static String script() {
        return LocalRestoreJob.withFetch(RestoreScript.TEXT);
    }

    static Map<String, String> environment(String peerUrl, String snapshotUrl, String sha256,
            SnapshotCompression compression, long snapshotBytes, long bumpRevision, Path dataDir, Path workDir) {
        Map<String, String> env = new java.util.LinkedHashMap<>(RestoreScript.environment(List.of(peerUrl), 0, snapshotUrl,
                sha256, snapshotBytes, bumpRevision, dataDir.toAbsolutePath().toString(), workDir.toAbsolutePath().toString()));
        env.put("SNAPSHOT_COMPRESSION", compression.name());
        env.putAll(LocalRestoreJob.fetchEnvironment());
        return env;
    }
}
