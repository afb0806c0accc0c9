package dev.hcprollback.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.hcprollback.rollback.RestoreScript;

/**
 * The restore a rollback Job runs on one etcd member's volume, for the restore benchmark: the very
 * script of {@link RestoreScript} (download, SHA-256 check, {@code etcdutl snapshot restore} with
 * {@code --bump-revision --mark-compacted} into a scratch directory, then the swap), with the
 * environment of member etcd-0 of a one-member cluster on local directories. The script prints
 * {@code stage=<name>} before each step, which the benchmark times.
 */
final class RestoreCommand {

    private RestoreCommand() {
    }

    static String script() {
        return RestoreScript.TEXT;
    }

    static Map<String, String> environment(String peerUrl, String snapshotUrl, String sha256, long bumpRevision,
            Path dataDir, Path workDir) {
        return RestoreScript.environment(List.of(peerUrl), 0, snapshotUrl, sha256, bumpRevision,
                dataDir.toAbsolutePath().toString(), workDir.toAbsolutePath().toString());
    }
}
