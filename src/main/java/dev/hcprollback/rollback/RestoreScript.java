package dev.hcprollback.rollback;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The shell script a restore Job runs on one etcd member's volume, and the environment that
 * parameterises it. The script text is a constant so that the test which runs it for real with the
 * etcd tools runs exactly what the Job runs; only the environment differs (a local URL, temporary
 * directories, loopback peer URLs).
 *
 * <p>
 * Order, so that the member's data is touched as late as possible: download the snapshot next to the
 * data dir (same volume), check its SHA-256, restore it into a fresh directory with {@code etcdutl}
 * (or {@code etcdctl} where the image's etcd predates {@code etcdutl}), and only then replace the data
 * dir by the restored one. Exit codes tell where it stopped: 10-12 before the data dir was touched.
 */
public final class RestoreScript {

    /** No download tool in the image: nothing was touched. */
    public static final int EXIT_NO_DOWNLOADER = 10;
    /** The download failed: nothing was touched. */
    public static final int EXIT_FETCH_FAILED = 11;
    /** The downloaded file does not have the recorded SHA-256: nothing was touched. */
    public static final int EXIT_HASH_MISMATCH = 12;
    /** {@code snapshot restore} failed into the scratch directory: the data dir is untouched. */
    public static final int EXIT_RESTORE_FAILED = 13;

    public static final String DATA_DIR = "/var/lib/data";
    public static final String WORK_DIR = "/var/lib/hcp-rollback-restore";
    public static final String CLUSTER_TOKEN = "etcd-cluster";

    public static final String TEXT = """
            set -eu
            data_dir="${DATA_DIR:?}"
            work="${WORK_DIR:?}"
            snapshot="$work/snapshot.db"
            restored="$work/restored"
            echo "hcp-rollback restore of member ${MEMBER_NAME:?} into $data_dir"
            rm -rf "$work"
            mkdir -p "$work"
            echo "stage=fetch"
            if command -v curl >/dev/null 2>&1; then
              curl -fsS --retry 3 -o "$snapshot" "${SNAPSHOT_URL:?}" || { echo "download failed" >&2; rm -rf "$work"; exit 11; }
            elif command -v wget >/dev/null 2>&1; then
              wget -q -O "$snapshot" "${SNAPSHOT_URL:?}" || { echo "download failed" >&2; rm -rf "$work"; exit 11; }
            else
              echo "neither curl nor wget in this image" >&2; rm -rf "$work"; exit 10
            fi
            echo "stage=verify"
            actual=$(sha256sum "$snapshot" | cut -d' ' -f1)
            if [ "$actual" != "${SNAPSHOT_SHA256:?}" ]; then
              echo "snapshot SHA-256 is $actual, expected $SNAPSHOT_SHA256: data dir left untouched" >&2
              rm -rf "$work"; exit 12
            fi
            echo "stage=restore"
            set -- snapshot restore "$snapshot" --data-dir "$restored" --name "$MEMBER_NAME" \\
              --initial-cluster "${INITIAL_CLUSTER:?}" --initial-advertise-peer-urls "${PEER_URL:?}" \\
              --initial-cluster-token "${CLUSTER_TOKEN:?}"
            if command -v etcdutl >/dev/null 2>&1; then
              tool=etcdutl
            else
              tool=etcdctl
              export ETCDCTL_API=3
            fi
            if [ "${BUMP_REVISION:-0}" != "0" ] && "$tool" snapshot restore --help 2>&1 | grep -q -- --bump-revision; then
              set -- "$@" --bump-revision "$BUMP_REVISION" --mark-compacted
            else
              echo "warning: $tool cannot bump the revision; clients must relist by themselves" >&2
            fi
            "$tool" "$@" || { echo "$tool snapshot restore failed: data dir left untouched" >&2; rm -rf "$work"; exit 13; }
            echo "stage=swap"
            rm -rf "$data_dir"
            mv "$restored" "$data_dir"
            rm -rf "$work"
            echo "stage=done"
            """;

    private RestoreScript() {
    }

    /** Member N's name in HyperShift's managed etcd. */
    public static String memberName(int member) {
        return "etcd-" + member;
    }

    /** Member N's peer URL inside the control-plane namespace. */
    public static String peerUrl(String controlPlaneNamespace, int member) {
        return "https://etcd-" + member + ".etcd-discovery." + controlPlaneNamespace + ".svc:2380";
    }

    /** {@code etcd-0=<peer0>,etcd-1=<peer1>,...} from the peer URL of each member. */
    public static String initialCluster(List<String> peerUrls) {
        return IntStream.range(0, peerUrls.size()).mapToObj(i -> memberName(i) + "=" + peerUrls.get(i))
                .collect(Collectors.joining(","));
    }

    /** The environment of member N's Job in a real control-plane namespace. */
    public static Map<String, String> environment(String controlPlaneNamespace, int members, int member,
            String snapshotUrl, String sha256, long bumpRevision) {
        List<String> peers = IntStream.range(0, members).mapToObj(i -> peerUrl(controlPlaneNamespace, i)).toList();
        return environment(peers, member, snapshotUrl, sha256, bumpRevision, DATA_DIR, WORK_DIR);
    }

    /** The environment for any peer URLs and directories (the test runs the script on loopback). */
    public static Map<String, String> environment(List<String> peerUrls, int member, String snapshotUrl, String sha256,
            long bumpRevision, String dataDir, String workDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MEMBER_NAME", memberName(member));
        env.put("INITIAL_CLUSTER", initialCluster(peerUrls));
        env.put("PEER_URL", peerUrls.get(member));
        env.put("CLUSTER_TOKEN", CLUSTER_TOKEN);
        env.put("BUMP_REVISION", Long.toString(bumpRevision));
        env.put("SNAPSHOT_SHA256", sha256);
        env.put("SNAPSHOT_URL", snapshotUrl);
        env.put("DATA_DIR", dataDir);
        env.put("WORK_DIR", workDir);
        return env;
    }
}
