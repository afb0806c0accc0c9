package dev.hcprollback.rollback.restore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.rollback.restore.fetch.FetchSnapshot;

/**
 * The shell scripts the restore Jobs run on one etcd member's volume, and the environment that
 * parameterises them. The texts are constants so that the tests which run them for real with the
 * etcd tools run exactly what the Jobs run; only the environment differs (a local URL, temporary
 * directories, loopback peer URLs).
 *
 * <p>
 * Two phases, so that a member's data is touched only once every member is ready to be swapped.
 * Stage: the Job's first container, in the sidecar's own image ({@link FetchSnapshot}), measures the
 * volume's free space, downloads the snapshot next to the data dir (same volume) and checks its SHA-256
 * while it streams, and measures again before the restore writes its copy; then
 * {@link #STAGE}, in the etcd image, checks that the etcd tool can bump the revision and mark it
 * compacted and restores the verified file into a scratch directory with {@code etcdutl} (or
 * {@code etcdctl} where the image's etcd predates {@code etcdutl}). The live data dir is never touched,
 * and every exit other than 0 means "nothing touched".
 * {@link #SWAP} then replaces the data dir by the staged copy. Each prints {@code stage=<name>} before
 * each part, which the runbook and the benchmark read.
 */
public final class RestoreScript {

    /** The fetch container could not write the download on the volume (or bad arguments): nothing touched. */
    public static final int EXIT_CANNOT_WRITE = FetchSnapshot.EXIT_CANNOT_WRITE;
    /** The download failed (unreachable, HTTP error, an error page), or no verified snapshot: nothing touched. */
    public static final int EXIT_FETCH_FAILED = FetchSnapshot.EXIT_FETCH_FAILED;
    /** The download does not have the recorded SHA-256: nothing touched. */
    public static final int EXIT_HASH_MISMATCH = FetchSnapshot.EXIT_HASH_MISMATCH;
    /** {@code snapshot restore} failed into the scratch directory: the data dir is untouched. */
    public static final int EXIT_RESTORE_FAILED = 13;
    /**
     * The etcd tool cannot {@code --bump-revision}/{@code --mark-compacted}: a restore without them would
     * let clients' watch caches miss the jump back, so it is refused before anything is restored.
     */
    public static final int EXIT_NO_BUMP = 14;
    /** The swap found no complete staged copy: the data dir is untouched. */
    public static final int EXIT_NOTHING_STAGED = 15;

    public static final String DATA_DIR = "/var/lib/data";
    public static final String WORK_DIR = "/var/lib/hcp-rollback-restore";
    public static final String CLUSTER_TOKEN = "etcd-cluster";
    /** Written into the work dir when the staged copy is complete; the swap requires it. */
    public static final String STAGED_MARKER = "staged";

    /**
     * Picks the image's restore tool into {@code $tool} and exits {@link #EXIT_NO_BUMP} unless it can
     * {@code --bump-revision} and {@code --mark-compacted}. The start of {@link #STAGE}, and all the
     * preflight's probe Job of an etcd image runs.
     */
    public static final String TOOL_CHECK = """
            echo "stage=check"
            if command -v etcdutl >/dev/null 2>&1; then
              tool=etcdutl
            else
              tool=etcdctl
              export ETCDCTL_API=3
            fi
            help=$("$tool" snapshot restore --help 2>&1 || true)
            case "${BUMP_REVISION:?}" in ''|0|*[!0-9]*) echo "BUMP_REVISION must be a positive number" >&2; exit 14 ;; esac
            case "$help" in *--bump-revision*) ;; *) echo "$tool cannot --bump-revision: restore refused, data dir left untouched" >&2; exit 14 ;; esac
            case "$help" in *--mark-compacted*) ;; *) echo "$tool cannot --mark-compacted: restore refused, data dir left untouched" >&2; exit 14 ;; esac
            echo "$tool can --bump-revision and --mark-compacted"
            """;

    /**
     * Phase 1, on a member's volume, after the Job's fetch container ({@link #FETCH_CLASS}) put the
     * verified snapshot at {@code $WORK_DIR/snapshot.db}: checks the tool and restores into a scratch
     * directory. Never touches {@code $DATA_DIR}; on any failure removes the work dir (the download too).
     */
    public static final String STAGE = """
            set -eu
            data_dir="${DATA_DIR:?}"
            work="${WORK_DIR:?}"
            snapshot="$work/snapshot.db"
            restored="$work/restored"
            echo "hcp-rollback stage of member ${MEMBER_NAME:?} next to $data_dir"
            # any failure removes the work dir, the verified download with it: nothing is left half-staged
            trap 'rc=$?; if [ "$rc" -ne 0 ]; then rm -rf "$work"; fi' EXIT
            """ + TOOL_CHECK + """
            if [ ! -f "$snapshot" ]; then
              echo "no verified snapshot at $snapshot (the fetch container puts it there): data dir left untouched" >&2
              exit 11
            fi
            rm -rf "$restored" "$work/staged"
            echo "stage=restore"
            "$tool" snapshot restore "$snapshot" --data-dir "$restored" --name "$MEMBER_NAME" \
              --initial-cluster "${INITIAL_CLUSTER:?}" --initial-advertise-peer-urls "${PEER_URL:?}" \
              --initial-cluster-token "${CLUSTER_TOKEN:?}" --bump-revision "$BUMP_REVISION" --mark-compacted \
              || { echo "$tool snapshot restore failed: data dir left untouched" >&2; exit 13; }
            rm -f "$snapshot"
            touch "$work/staged"
            echo "stage=staged"
            """;

    /** The main class of the stage Job's first container, in the sidecar's own image. */
    public static final String FETCH_CLASS = FetchSnapshot.class.getName();
    /** The class path of that class in the image's fast-jar layout (see the Dockerfile). */
    public static final String FETCH_CLASS_PATH = "/deployments/app/*:/deployments/lib/main/*";
    /** Where the fetch container puts the verified snapshot, in the work dir. */
    public static final String SNAPSHOT_FILE = "snapshot.db";

    /**
     * The fetch container's arguments, from the Job's environment ({@code $(VAR)} is expanded by the
     * kubelet): URL, expected SHA-256 of the stored object, destination in the work dir, the stored
     * object's compression ({@code none} or {@code zstd}), and for the checks of the volume's free space
     * the snapshot's size as etcd sent it and the member's data dir.
     */
    public static List<String> fetchArguments() {
        return List.of("$(SNAPSHOT_URL)", "$(SNAPSHOT_SHA256)", "$(WORK_DIR)/" + SNAPSHOT_FILE, "$(SNAPSHOT_COMPRESSION)",
                "$(" + SNAPSHOT_BYTES + ")", "$(DATA_DIR)");
    }

    /** The environment variable of a stage Job with the snapshot's size as etcd sent it (decoded): what it writes. */
    public static final String SNAPSHOT_BYTES = "SNAPSHOT_BYTES";

    /** Phase 2, once every member is staged: the only part that touches {@code $DATA_DIR}. */
    public static final String SWAP = """
            set -eu
            data_dir="${DATA_DIR:?}"
            work="${WORK_DIR:?}"
            restored="$work/restored"
            if [ ! -f "$work/staged" ] || [ ! -d "$restored/member" ]; then
              echo "no complete staged copy in $work: data dir left untouched" >&2; exit 15
            fi
            echo "stage=swap"
            rm -rf "$data_dir"
            mv "$restored" "$data_dir"
            rm -rf "$work"
            echo "stage=done"
            """;

    /** Both scripts back to back, as one member goes through them after the fetch (the restore benchmark times this). */
    public static final String TEXT = STAGE + SWAP;

    /** True for the exit codes that mean the Job stopped before the member's data dir was touched. */
    public static boolean untouched(int exitCode) {
        return exitCode >= EXIT_CANNOT_WRITE && exitCode <= EXIT_NOTHING_STAGED;
    }

    private RestoreScript() {
    }

    /** Member N's name in HyperShift's default managed etcd ({@link EtcdCluster#memberName}). */
    public static String memberName(int member) {
        return EtcdCluster.DEFAULT.memberName(member);
    }

    /** Member N's peer URL of the default etcd inside the control-plane namespace. */
    public static String peerUrl(String controlPlaneNamespace, int member) {
        return EtcdCluster.DEFAULT.peerUrl(controlPlaneNamespace, member);
    }

    /** {@code etcd-0=<peer0>,etcd-1=<peer1>,...} from the peer URL of each member of the default etcd. */
    public static String initialCluster(List<String> peerUrls) {
        return EtcdCluster.DEFAULT.initialCluster(peerUrls);
    }

    /** The environment of member N's Job of the default etcd in a real control-plane namespace (the swap Job's). */
    public static Map<String, String> environment(String controlPlaneNamespace, int members, int member,
            String snapshotUrl, String sha256, long bumpRevision) {
        return environment(EtcdCluster.DEFAULT, controlPlaneNamespace, members, member, snapshotUrl, sha256, bumpRevision);
    }

    /** The environment of member N's Job of {@code etcd} (the default etcd or a shard) in a real control-plane namespace. */
    public static Map<String, String> environment(EtcdCluster etcd, String controlPlaneNamespace, int members, int member,
            String snapshotUrl, String sha256, long bumpRevision) {
        return environment(etcd, etcd.peerUrls(controlPlaneNamespace, members), member, snapshotUrl, sha256, bumpRevision,
                DATA_DIR, WORK_DIR);
    }

    /**
     * A stage Job's environment of the default etcd: a snapshot stored with {@code compression}, {@code snapshotBytes}
     * long as etcd sent it.
     */
    public static Map<String, String> environment(String controlPlaneNamespace, int members, int member,
            String snapshotUrl, String sha256, SnapshotCompression compression, long snapshotBytes, long bumpRevision) {
        return environment(EtcdCluster.DEFAULT, controlPlaneNamespace, members, member, snapshotUrl, sha256, compression,
                snapshotBytes, bumpRevision);
    }

    /** A stage Job's environment of member N of {@code etcd} (the default etcd or a shard). */
    public static Map<String, String> environment(EtcdCluster etcd, String controlPlaneNamespace, int members, int member,
            String snapshotUrl, String sha256, SnapshotCompression compression, long snapshotBytes, long bumpRevision) {
        Map<String, String> env = environment(etcd, controlPlaneNamespace, members, member, snapshotUrl, sha256,
                bumpRevision);
        env.put("SNAPSHOT_COMPRESSION", compression.name());
        env.put(SNAPSHOT_BYTES, Long.toString(snapshotBytes));
        return env;
    }

    /**
     * A stage Job's environment for any peer URLs and directories (the test runs the script on loopback), the
     * snapshot {@code snapshotBytes} long.
     */
    public static Map<String, String> environment(List<String> peerUrls, int member, String snapshotUrl, String sha256,
            long snapshotBytes, long bumpRevision, String dataDir, String workDir) {
        Map<String, String> env = environment(EtcdCluster.DEFAULT, peerUrls, member, snapshotUrl, sha256, bumpRevision,
                dataDir, workDir);
        env.put(SNAPSHOT_BYTES, Long.toString(snapshotBytes));
        return env;
    }

    private static Map<String, String> environment(EtcdCluster etcd, List<String> peerUrls, int member,
            String snapshotUrl, String sha256, long bumpRevision, String dataDir, String workDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MEMBER_NAME", etcd.memberName(member));
        env.put("INITIAL_CLUSTER", etcd.initialCluster(peerUrls));
        env.put("PEER_URL", peerUrls.get(member));
        env.put("CLUSTER_TOKEN", CLUSTER_TOKEN);
        env.put("BUMP_REVISION", Long.toString(bumpRevision));
        env.put("SNAPSHOT_SHA256", sha256);
        env.put("SNAPSHOT_URL", snapshotUrl);
        env.put("SNAPSHOT_COMPRESSION", SnapshotCompression.none.name());
        env.put("DATA_DIR", dataDir);
        env.put("WORK_DIR", workDir);
        return env;
    }
}
