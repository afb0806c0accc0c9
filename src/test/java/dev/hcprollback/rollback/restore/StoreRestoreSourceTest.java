package dev.hcprollback.rollback.restore;

import static dev.hcprollback.testing.LocalEtcd.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.Upload;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.LocalEtcd;
import dev.hcprollback.testing.LocalRestoreJob;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestTools;
import io.etcd.jetcd.Client;

/**
 * Restore downloads through the real snapshot store (S3 API of an in-process s3proxy): a pre-signed
 * URL of the snapshot's object, which the restore script itself fetches, checks and restores; and the
 * refusals that keep a rollback from starting Jobs that could not download anything.
 */
class StoreRestoreSourceTest {

    static final int PART = 5 * 1024 * 1024;
    static S3Server server;
    static SnapshotStore store;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = new S3Server();
        store = server.snapshotStore("snapshots", PART);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ControlPlaneSnapshot snapshot(String key, String sha256) {
        ControlPlaneSnapshot snapshot = ManagementCluster.verifiedSnapshot("payments-4-18-5", "payments", "4.18.5",
                HostedClusters.tag("4.18.5"), null, Instant.now());
        snapshot.getStatus().setObjectKey(key);
        snapshot.getStatus().setSha256(sha256);
        return snapshot;
    }

    @Test
    void theRestoreScriptRestoresFromAPreSignedUrlOfTheStore() throws Exception {
        Path file = dir.resolve("snapshot.db");
        try (LocalEtcd etcd = LocalEtcd.single(dir.resolve("source")); Client client = etcd.client()) {
            client.getKVClient().put(bytes("/kubernetes.io/secrets/app/s"), bytes("v")).get(30, TimeUnit.SECONDS);
            Process save = new ProcessBuilder(TestTools.etcdBin("etcdctl").toString(), "--endpoints", etcd.endpoint(),
                    "snapshot", "save", file.toString()).redirectErrorStream(true).start();
            String output = new String(save.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, save.waitFor(), output);
        }
        String key = "hcp/clusters/payments/4.18.5/snapshot.db";
        try (Upload upload = store.upload(key, "application/octet-stream"); InputStream in = Files.newInputStream(file)) {
            in.transferTo(upload);
            upload.complete();
        }
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));

        ControlPlaneSnapshot recorded = snapshot(key, sha);
        recorded.getStatus().setSizeBytes(Files.size(file));
        RestoreSource.Download download = new StoreRestoreSource(() -> store).downloadOf(recorded, Duration.ofMinutes(5));
        assertTrue(download.url().contains("X-Amz-Signature"), "a pre-signed URL");

        Path data = dir.resolve("member-0/data");
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", LocalRestoreJob.withFetch(RestoreScript.TEXT))
                .redirectErrorStream(true);
        builder.environment().putAll(LocalRestoreJob.fetchEnvironment());
        // the member's peer URL is only written into the restored data: nothing listens on it here
        builder.environment().putAll(RestoreScript.environment(List.of("http://127.0.0.1:2380"), 0,
                download.url(), download.sha256(), Files.size(file), 1000, data.toString(), dir.resolve("member-0/work").toString()));
        builder.environment().put("PATH", TestTools.etcdBin("etcdutl").getParent() + ":" + System.getenv("PATH"));
        Process restore = builder.start();
        String output = new String(restore.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, restore.waitFor(), output);
        assertTrue(Files.isDirectory(data.resolve("member/snap")), output);
    }

    @Test
    void anObjectOfAnotherSizeThanRecordedIsRefusedWithBothFigures() throws Exception {
        String key = "hcp/clusters/payments/4.18.5/short.db";
        store.put(key, new byte[4096], "application/octet-stream");
        ControlPlaneSnapshot recorded = snapshot(key, "a".repeat(64));
        recorded.getStatus().setSizeBytes(4096L);
        assertEquals(4096L, new StoreRestoreSource(() -> store).downloadOf(recorded, Duration.ofMinutes(5)).storedBytes());

        recorded.getStatus().setSizeBytes(8192L);
        RestoreSource.RestoreSourceException e = assertThrows(RestoreSource.RestoreSourceException.class,
                () -> new StoreRestoreSource(() -> store).downloadOf(recorded, Duration.ofMinutes(5)));
        assertTrue(e.getMessage().contains("holds 4096 bytes, snapshot payments-4-18-5 records 8192 bytes"), e.getMessage());
    }

    @Test
    void aMissingObjectOrAStoreThatCannotBeBuiltIsRefusedBeforeAnyJob() {
        StoreRestoreSource source = new StoreRestoreSource(() -> store);
        RestoreSource.RestoreSourceException missing = assertThrows(RestoreSource.RestoreSourceException.class,
                () -> source.downloadOf(snapshot("hcp/clusters/payments/gone.db", "a".repeat(64)), Duration.ofMinutes(5)));
        assertTrue(missing.getMessage().contains("is not in the s3 store"), missing.getMessage());

        StoreRestoreSource unconfigured = new StoreRestoreSource(() -> {
            throw new IllegalStateException("hcp-rollback.storage.s3.bucket is required for the s3 backend");
        });
        RestoreSource.RestoreSourceException noStore = assertThrows(RestoreSource.RestoreSourceException.class,
                () -> unconfigured.downloadOf(snapshot("k.db", "a".repeat(64)), Duration.ofMinutes(5)));
        assertTrue(noStore.getMessage().contains("bucket is required"), noStore.getMessage());

        assertThrows(RestoreSource.RestoreSourceException.class,
                () -> source.downloadOf(snapshot(null, "a".repeat(64)), Duration.ofMinutes(5)));
    }
}
