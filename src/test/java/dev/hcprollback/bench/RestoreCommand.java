package dev.hcprollback.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The restore a rollback Job runs on one etcd member's volume: a shell script and the environment that
 * parameterises it. This is the one place the restore benchmark takes it from; when the rollback
 * controller's own script producer is on this branch, return its script and environment here instead.
 *
 * <p>Steps: download the snapshot through its read URL, check its SHA-256 against the recorded one, then
 * {@code etcdutl snapshot restore} into the data dir with the member's name, the single-member initial
 * cluster, the cluster token, its peer URL, a bumped revision and the old revisions marked compacted.
 * The script prints {@code stage=<name>} before each step, which the benchmark times.
 */
final class RestoreCommand {

    static final String SCRIPT = """
            set -eu
            snapshot="${WORK_DIR:?}/snapshot.db"
            rm -rf "$WORK_DIR" "${DATA_DIR:?}"
            mkdir -p "$WORK_DIR"
            echo "stage=fetch"
            curl -fsS --retry 3 -o "$snapshot" "${SNAPSHOT_URL:?}"
            echo "stage=verify"
            actual=$(sha256sum "$snapshot" | cut -d' ' -f1)
            if [ "$actual" != "${SNAPSHOT_SHA256:?}" ]; then
              echo "SHA-256 $actual, expected $SNAPSHOT_SHA256" >&2
              exit 12
            fi
            echo "stage=restore"
            etcdutl snapshot restore "$snapshot" --data-dir "$DATA_DIR" --name "${MEMBER_NAME:?}" \\
              --initial-cluster "${INITIAL_CLUSTER:?}" --initial-cluster-token "${CLUSTER_TOKEN:?}" \\
              --initial-advertise-peer-urls "${PEER_URL:?}" --bump-revision "${BUMP_REVISION:?}" --mark-compacted
            rm -rf "$WORK_DIR"
            echo "stage=done"
            """;

    private RestoreCommand() {
    }

    static String script() {
        return SCRIPT;
    }

    /** The environment for member etcd-0 of a one-member cluster, with local directories. */
    static Map<String, String> environment(String peerUrl, String snapshotUrl, String sha256, long bumpRevision,
            Path dataDir, Path workDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MEMBER_NAME", "etcd-0");
        env.put("INITIAL_CLUSTER", "etcd-0=" + peerUrl);
        env.put("PEER_URL", peerUrl);
        env.put("CLUSTER_TOKEN", "etcd-cluster");
        env.put("BUMP_REVISION", Long.toString(bumpRevision));
        env.put("SNAPSHOT_SHA256", sha256);
        env.put("SNAPSHOT_URL", snapshotUrl);
        env.put("DATA_DIR", dataDir.toAbsolutePath().toString());
        env.put("WORK_DIR", workDir.toAbsolutePath().toString());
        return env;
    }
}
