package dev.hcprollback.rollback.restore;

import static dev.hcprollback.testing.LocalEtcd.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.testing.LocalEtcd;
import dev.hcprollback.testing.LocalRestoreJob;
import dev.hcprollback.testing.Ports;
import dev.hcprollback.testing.TestTools;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

/**
 * Runs {@link RestoreScript#TEXT}, the very text a restore Job runs, with the real etcd 3.5 tools
 * against a real snapshot ({@code etcdctl snapshot save} of a real etcd), for the three members of a
 * cluster; then starts a real 3-member etcd on the three restored data dirs. Only the environment
 * differs from a Job's: the download URL is a local HTTP server, the data dirs are temporary
 * directories, and the peer URLs are loopback ports instead of {@code etcd-N.etcd-discovery} names
 * (there is no cluster DNS here).
 */
class RestoreScriptTest {

    static final long BUMP = 1_000_000_000L;

    @TempDir
    Path dir;

    HttpServer http;
    /** Downloads asked for: none when the stage refuses before it downloads. */
    final java.util.concurrent.atomic.AtomicInteger downloads = new java.util.concurrent.atomic.AtomicInteger();
    final List<LocalEtcd> started = new ArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", exchange -> {
            downloads.incrementAndGet();
            Path file = dir.resolve(exchange.getRequestURI().getPath().substring(1));
            if (!Files.exists(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
        });
        http.start();
    }

    @AfterEach
    void stop() {
        started.forEach(LocalEtcd::close);
        http.stop(0);
    }

    private String url(String file) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/" + file;
    }

    /** A real etcd with keys, snapshotted with etcdctl; a key written after the snapshot. Returns its revision. */
    private long snapshotOfRealEtcd(Path snapshot) throws Exception {
        try (LocalEtcd source = LocalEtcd.single(dir.resolve("source")); Client client = source.client()) {
            for (int i = 0; i < 40; i++) {
                client.getKVClient().put(bytes("/kubernetes.io/configmaps/app/cm-" + i), bytes("value-" + i)).get(30, TimeUnit.SECONDS);
            }
            long revision = client.getKVClient().get(bytes("/kubernetes.io/configmaps/app/cm-0")).get(30, TimeUnit.SECONDS)
                    .getHeader().getRevision();
            Process save = new ProcessBuilder(TestTools.etcdBin("etcdctl").toString(), "--endpoints", source.endpoint(), "snapshot",
                    "save", snapshot.toString()).redirectErrorStream(true).start();
            String output = new String(save.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, save.waitFor(), output);
            client.getKVClient().put(bytes("/kubernetes.io/configmaps/app/after-snapshot"), bytes("lost")).get(30, TimeUnit.SECONDS);
            return revision;
        }
    }

    /** Member etcd-0's data dir holding the upgraded cluster's data: a marker file saying "still here". */
    private Path memberWithOldData() throws IOException {
        Path data = dir.resolve("member-0").resolve("data");
        Files.createDirectories(data.resolve("member"));
        Files.writeString(data.resolve("member").resolve("wal-marker"), "still here");
        return data;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** A member's stage Job (fetch container, then the etcd container's script) and its swap, back to back. */
    private ProcessResult runScript(Map<String, String> env) throws Exception {
        return runScript(LocalRestoreJob.withFetch(RestoreScript.TEXT), env, TestTools.etcdBin("etcdutl").getParent());
    }

    private ProcessResult runScript(String script, Map<String, String> env, Path tools) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().putAll(LocalRestoreJob.fetchEnvironment());
        builder.environment().put("PATH", tools + ":" + System.getenv("PATH"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ProcessResult(process.waitFor(), output);
    }

    record ProcessResult(int exit, String output) {
    }

    /**
     * Restores the snapshot for three members whose peers listen on {@code ports[0..2]}, into fresh directories,
     * and starts them with their clients on {@code ports[3..5]}; a member that could not bind stops the others.
     */
    private List<LocalEtcd> restoreAndStart(int[] ports, String sha, long snapshotBytes) throws Exception {
        Path attempt = dir.resolve("cluster-" + ports[0]);
        List<String> peers = new ArrayList<>();
        for (int member = 0; member < 3; member++) {
            peers.add("http://127.0.0.1:" + ports[member]);
        }
        for (int member = 0; member < 3; member++) {
            Path data = attempt.resolve("member-" + member).resolve("data");
            Files.createDirectories(data.resolve("member"));
            Files.writeString(data.resolve("member").resolve("stale"), "data of the upgraded cluster");
            ProcessResult result = runScript(RestoreScript.environment(peers, member, url("snapshot.db"), sha, snapshotBytes, BUMP,
                    data.toString(), attempt.resolve("member-" + member).resolve("restore-work").toString()));
            assertEquals(0, result.exit(), result.output());
            assertTrue(result.output().contains("stage=done"), result.output());
            assertTrue(Files.isDirectory(data.resolve("member").resolve("snap")), "restored member dir of etcd-" + member);
            assertFalse(Files.exists(data.resolve("member").resolve("stale")), "old data replaced");
            assertFalse(Files.exists(attempt.resolve("member-" + member).resolve("restore-work")), "scratch removed");
        }
        try {
            for (int member = 0; member < 3; member++) {
                started.add(LocalEtcd.start(attempt.resolve("run-" + member), "etcd-" + member,
                        attempt.resolve("member-" + member).resolve("data"), peers.get(member),
                        RestoreScript.initialCluster(peers), ports[3 + member]));
            }
            return started;
        } catch (Ports.AddressInUse taken) {
            started.forEach(LocalEtcd::close);
            started.clear();
            throw taken;
        }
    }

    @Test
    void restoresEveryMemberAndTheMembersFormAClusterWithTheSnapshotsKeysAtABumpedRevision() throws Exception {
        Path snapshot = dir.resolve("snapshot.db");
        long snapshotRevision = snapshotOfRealEtcd(snapshot);
        String sha = sha256(snapshot);

        // the peer URLs are written into the restored data dirs: a member that finds its port taken means a new
        // restore of all three on fresh ports
        Ports.startRetryingOnBindFailure("a 3-member etcd", 6, ports -> restoreAndStart(ports, sha, Files.size(snapshot)));
        try (Client cluster = started.get(0).client()) {
            assertEquals(3, cluster.getClusterClient().listMember().get(60, TimeUnit.SECONDS).getMembers().size());
            // what StartEtcd checks, read from the real members: one cluster ID, the expected members, past the bump
            // as StartEtcd does, asked again while a member has not published its client URLs yet
            EtcdMembers members = org.awaitility.Awaitility.await().atMost(120, TimeUnit.SECONDS).ignoreExceptions()
                    .until(() -> EtcdMembers.read(cluster, java.time.Duration.ofSeconds(30)), read -> true);
            assertEquals(List.of(), members.differencesFrom(List.of("etcd-0", "etcd-1", "etcd-2"), snapshotRevision + BUMP),
                    members.toString());
            EtcdMembers.Member first = members.members().stream().filter(m -> m.name().equals("etcd-0")).findFirst().orElseThrow();
            assertEquals(List.of("members report different cluster IDs: [etcd-0=" + Long.toHexString(first.clusterId())
                    + ", etcd-1=1]"), new EtcdMembers(List.of(first, new EtcdMembers.Member("etcd-1", 1, 0,
                            snapshotRevision + BUMP, "3.5.16"))).differencesFrom(List.of("etcd-0", "etcd-1"), 0),
                    "a member of another cluster is told apart");
            assertTrue(members.members().stream().allMatch(m -> m.version().startsWith("3.5.") && m.dbSizeBytes() > 0), members.toString());
            GetResponse all = cluster.getKVClient().get(bytes("/kubernetes.io/configmaps/app/"),
                    GetOption.builder().isPrefix(true).build()).get(60, TimeUnit.SECONDS);
            assertEquals(40, all.getCount(), "the snapshot's keys, and not the one written after it");
            assertTrue(all.getHeader().getRevision() >= snapshotRevision + BUMP,
                    "revision " + all.getHeader().getRevision() + " is bumped past " + snapshotRevision + " + " + BUMP);
        }
        // every member holds the data itself: a serializable read is answered from the member's own store
        for (LocalEtcd member : started) {
            try (Client client = member.client()) {
                GetResponse local = client.getKVClient().get(bytes("/kubernetes.io/configmaps/app/cm-17"),
                        GetOption.builder().withSerializable(true).build()).get(60, TimeUnit.SECONDS);
                assertEquals("value-17", local.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8), member.endpoint());
                assertTrue(local.getHeader().getRevision() >= snapshotRevision + BUMP, member.endpoint());
            }
        }
    }

    @Test
    void aDownloadWithTheWrongHashLeavesTheDataDirUntouched() throws Exception {
        Path snapshot = dir.resolve("snapshot.db");
        snapshotOfRealEtcd(snapshot);
        Path data = memberWithOldData();
        ProcessResult result = runScript(RestoreScript.environment(List.of("http://127.0.0.1:2380"), 0, url("snapshot.db"),
                "0".repeat(64), Files.size(snapshot), BUMP, data.toString(), dir.resolve("work").toString()));
        assertEquals(RestoreScript.EXIT_HASH_MISMATCH, result.exit(), result.output());
        assertTrue(RestoreScript.untouched(result.exit()));
        assertFalse(result.output().contains("stage=restore"), "the etcd container never ran: " + result.output());
        assertEquals("still here", Files.readString(data.resolve("member").resolve("wal-marker")));
        assertFalse(Files.exists(dir.resolve("work").resolve(RestoreScript.SNAPSHOT_FILE)), "nothing left in place");

        ProcessResult missing = runScript(RestoreScript.environment(List.of("http://127.0.0.1:2380"), 0, url("nothing.db"),
                sha256(snapshot), Files.size(snapshot), BUMP, data.toString(), dir.resolve("work").toString()));
        assertEquals(RestoreScript.EXIT_FETCH_FAILED, missing.exit(), missing.output());
        assertEquals("still here", Files.readString(data.resolve("member").resolve("wal-marker")));
    }

    /**
     * An etcd image whose {@code etcdutl} predates {@code --bump-revision}/{@code --mark-compacted}
     * (a fake tool here, printing an older help text and recording any restore it is asked for): after
     * the fetch container verified the download, the etcd container refuses, the tool is never asked to
     * restore, the download is removed, and the member's data dir is as it was. The swap then finds
     * nothing staged and leaves the data alone too.
     */
    @Test
    void anEtcdToolWithoutTheBumpFlagsStopsBeforeTheDataIsTouched() throws Exception {
        Path snapshot = dir.resolve("snapshot.db");
        snapshotOfRealEtcd(snapshot);
        Path fakeTools = Files.createDirectories(dir.resolve("old-etcd-image"));
        Path calls = dir.resolve("restore-calls");
        Path etcdutl = fakeTools.resolve("etcdutl");
        Files.writeString(etcdutl, """
                #!/bin/sh
                case "$*" in
                  *--help*) echo "Usage: etcdutl snapshot restore <filename> --data-dir {output dir} [options]"
                            echo "      --name string   Human-readable name for this member"; exit 0 ;;
                  *) echo "$*" >> "%s"; exit 0 ;;
                esac
                """.formatted(calls));
        etcdutl.toFile().setExecutable(true);
        Path data = memberWithOldData();
        Map<String, String> env = RestoreScript.environment(List.of("http://127.0.0.1:2380"), 0, url("snapshot.db"),
                sha256(snapshot), Files.size(snapshot), BUMP, data.toString(), dir.resolve("work").toString());

        ProcessResult stage = runScript(LocalRestoreJob.withFetch(RestoreScript.STAGE), env, fakeTools);
        assertEquals(RestoreScript.EXIT_NO_BUMP, stage.exit(), stage.output());
        assertTrue(stage.output().contains("stage=verified"), "the fetch ran first: " + stage.output());
        assertTrue(stage.output().contains("cannot --bump-revision"), stage.output());
        assertFalse(stage.output().contains("stage=restore"), "refused before the restore: " + stage.output());
        assertFalse(Files.exists(calls), "the old tool was never asked to restore");
        assertFalse(Files.exists(dir.resolve("work")), "the verified download is removed with the work dir");
        assertEquals("still here", Files.readString(data.resolve("member").resolve("wal-marker")));

        ProcessResult swap = runScript(RestoreScript.SWAP, env, fakeTools);
        assertEquals(RestoreScript.EXIT_NOTHING_STAGED, swap.exit(), swap.output());
        assertTrue(RestoreScript.untouched(swap.exit()));
        assertEquals("still here", Files.readString(data.resolve("member").resolve("wal-marker")));
    }

    @Test
    void stagingLeavesTheLiveDataAloneUntilTheSwap() throws Exception {
        Path snapshot = dir.resolve("snapshot.db");
        snapshotOfRealEtcd(snapshot);
        Path data = memberWithOldData();
        Map<String, String> env = RestoreScript.environment(List.of("http://127.0.0.1:2380"), 0, url("snapshot.db"),
                sha256(snapshot), Files.size(snapshot), BUMP, data.toString(), dir.resolve("work").toString());
        Path tools = TestTools.etcdBin("etcdutl").getParent();

        ProcessResult stage = runScript(LocalRestoreJob.withFetch(RestoreScript.STAGE), env, tools);
        assertEquals(0, stage.exit(), stage.output());
        assertTrue(stage.output().contains("stage=staged"), stage.output());
        assertEquals("still here", Files.readString(data.resolve("member").resolve("wal-marker")), "live data untouched");
        assertTrue(Files.isDirectory(dir.resolve("work").resolve("restored").resolve("member").resolve("snap")));

        ProcessResult swap = runScript(RestoreScript.SWAP, env, tools);
        assertEquals(0, swap.exit(), swap.output());
        assertFalse(Files.exists(data.resolve("member").resolve("wal-marker")), "old data replaced");
        assertTrue(Files.isDirectory(data.resolve("member").resolve("snap")));
        assertFalse(Files.exists(dir.resolve("work")), "scratch removed");
    }

    /**
     * The stage Job on a volume that cannot take the stage beside the member's data (a snapshot declared larger than
     * the test machine's free space): the fetch container measures the volume and stops with exit 10 and one line
     * naming both figures before it downloads; the etcd container never runs, nothing is written, the member's data
     * is as it was.
     */
    @Test
    void aVolumeWithoutRoomStopsTheStageJobBeforeTheDownload() throws Exception {
        Path snapshot = dir.resolve("snapshot.db");
        snapshotOfRealEtcd(snapshot);
        Path data = memberWithOldData();
        Map<String, String> env = RestoreScript.environment(List.of("http://127.0.0.1:2380"), 0, url("snapshot.db"),
                sha256(snapshot), Long.MAX_VALUE / 8, BUMP, data.toString(), dir.resolve("work").toString());

        ProcessResult stage = runScript(LocalRestoreJob.withFetch(RestoreScript.STAGE), env, TestTools.etcdBin("etcdutl").getParent());
        assertEquals(RestoreScript.EXIT_CANNOT_WRITE, stage.exit(), stage.output());
        assertTrue(RestoreScript.untouched(stage.exit()));
        assertTrue(stage.output().matches("(?s).*before the download: needs \\d+ bytes, the volume has \\d+ free .*"),
                stage.output());
        assertFalse(stage.output().contains("stage=verified"), "nothing downloaded: " + stage.output());
        assertFalse(stage.output().contains("stage=check"), "the etcd container never ran: " + stage.output());
        assertEquals(0, downloads.get());
        try (var left = Files.list(dir.resolve("work"))) {
            assertEquals(List.of(), left.toList(), "nothing written in the work dir");
        }
        assertEquals("still here", Files.readString(data.resolve("member").resolve("wal-marker")));
    }
}
