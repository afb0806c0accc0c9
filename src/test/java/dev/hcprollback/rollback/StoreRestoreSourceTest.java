package dev.hcprollback.rollback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.S3Server;

/** A restore Job gets a URL it can read the snapshot through with no credentials, from a real S3 server. */
class StoreRestoreSourceTest {

    static S3Server s3;
    static S3SnapshotStore store;

    @BeforeAll
    static void startS3() {
        s3 = new S3Server();
        s3.createBucket("restore");
        store = new S3SnapshotStore(s3.client(), s3.presigner(), "restore", Optional.empty(), 5 * 1024 * 1024);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void theSignedUrlServesTheSnapshotWithoutCredentials() throws Exception {
        byte[] content = "an etcd snapshot".getBytes(StandardCharsets.UTF_8);
        store.put("hcp/clusters/payments/4.18.5/a.db", content, "application/octet-stream");
        ControlPlaneSnapshot snapshot = snapshot("hcp/clusters/payments/4.18.5/a.db");

        RestoreSource.Download download = new StoreRestoreSource(() -> store).downloadOf(snapshot, Duration.ofMinutes(5));

        assertEquals(snapshot.getStatus().getSha256(), download.sha256());
        assertTrue(download.url().contains("X-Amz-Signature="), "a pre-signed URL: " + download.url());
        HttpResponse<byte[]> fetched = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(download.url())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, fetched.statusCode());
        assertArrayEquals(content, fetched.body());
    }

    @Test
    void aSnapshotGoneFromStorageIsRefusedBeforeAnythingIsTouched() {
        RestoreSource.RestoreSourceException refused = assertThrows(RestoreSource.RestoreSourceException.class,
                () -> new StoreRestoreSource(() -> store).downloadOf(snapshot("hcp/missing.db"), Duration.ofMinutes(5)));
        assertTrue(refused.getMessage().contains("is gone from storage"), refused.getMessage());
    }

    private static ControlPlaneSnapshot snapshot(String key) {
        ControlPlaneSnapshot snapshot = ManagementCluster.verifiedSnapshot("payments-pre", "payments", "4.18.5",
                HostedClusters.tag("4.18.5"), null, Instant.now());
        snapshot.getStatus().setObjectKey(key);
        return snapshot;
    }
}
