package dev.hcprollback.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.net.EnvironmentProxy;
import dev.hcprollback.testing.AzuriteProcess;
import dev.hcprollback.testing.ForwardProxy;
import dev.hcprollback.testing.S3Server;

/**
 * Both object stores behind a cluster-wide proxy, as the sidecar builds their clients: every request through the
 * proxy the environment names, none when NO_PROXY names the store's host.
 */
class StoreThroughProxyTest {

    private static final byte[] CONTENT = "a snapshot's manifest".getBytes(StandardCharsets.UTF_8);
    private static final Duration IDLE = Duration.ofSeconds(60);

    static S3Server s3;
    static AzuriteProcess azurite;

    @BeforeAll
    static void start(@TempDir Path dir) {
        s3 = new S3Server();
        s3.createBucket("snapshots");
        azurite = new AzuriteProcess(dir.resolve("azurite"));
        azurite.container("snapshots");
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (azurite != null) {
            azurite.close();
        }
    }

    @Test
    void s3ThroughTheProxyUnlessNoProxyNamesIt() throws IOException {
        try (ForwardProxy proxy = new ForwardProxy()) {
            String authority = s3.endpoint().getAuthority();
            roundTrip(s3Store(EnvironmentProxy.of(Map.of("HTTP_PROXY", proxy.url(), "NO_PROXY", ".svc,10.0.0.0/8"))));
            assertTrue(!proxy.targets().isEmpty() && proxy.targets().stream().allMatch(authority::equals),
                    "every S3 request through the proxy: " + proxy.targets());

            int before = proxy.targets().size();
            roundTrip(s3Store(EnvironmentProxy.of(Map.of("HTTP_PROXY", proxy.url(), "NO_PROXY", ".svc,127.0.0.0/8"))));
            assertEquals(before, proxy.targets().size(), "NO_PROXY holds the store's address: nothing through the proxy");
        }
    }

    @Test
    void azureBlobThroughTheProxyUnlessNoProxyNamesIt() throws IOException {
        try (ForwardProxy proxy = new ForwardProxy()) {
            String authority = URI.create(azurite.endpoint()).getAuthority();
            roundTrip(azureStore(EnvironmentProxy.of(Map.of("HTTP_PROXY", proxy.url(), "NO_PROXY", "example.com"))));
            assertTrue(!proxy.targets().isEmpty() && proxy.targets().stream().allMatch(authority::equals),
                    "every Azure Blob request through the proxy: " + proxy.targets());

            List<String> before = proxy.targets();
            roundTrip(azureStore(EnvironmentProxy.of(Map.of("HTTP_PROXY", proxy.url(), "NO_PROXY", "127.0.0.1"))));
            assertEquals(before, proxy.targets(), "NO_PROXY names the store's address: nothing through the proxy");
        }
    }

    private static void roundTrip(SnapshotStore store) throws IOException {
        String key = "hcp/clusters/payments/" + System.nanoTime() + "/manifest.json";
        store.put(key, CONTENT, "application/json");
        try (InputStream in = store.open(key)) {
            assertArrayEquals(CONTENT, in.readAllBytes());
        }
        store.delete(key);
    }

    private static SnapshotStore s3Store(EnvironmentProxy proxy) {
        return new S3SnapshotStore(SnapshotStoreProducer.s3Client(s3.clientBuilder(), IDLE, proxy), s3.presigner(),
                "snapshots", Optional.empty(), 5 * 1024 * 1024);
    }

    private static SnapshotStore azureStore(EnvironmentProxy proxy) {
        HcpRollbackConfig.Azure azure = AzuriteProcess.config(azurite.endpoint());
        return new AzureSnapshotStore(SnapshotStoreProducer.azureContainer(azure, IDLE, proxy), 1024 * 1024);
    }
}
