package dev.hcprollback.storage;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.testing.AzuriteProcess;

/**
 * An object store whose answer stops after its headers and a few bytes: the read fails after the idle limit
 * ({@code hcp-rollback.storage.idle-timeout}) instead of holding the snapshot's read-back for good, and the SDK has
 * asked again before it gave up (its own retry policy: four tries with a growing delay, about 40 s here). S3's read
 * limit is the SDK's socket timeout, set from the same setting in application.properties.
 */
class StalledStoreTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private HttpServer server;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.getResponseHeaders().add("x-ms-blob-type", "BlockBlob");
            exchange.getResponseHeaders().add("Content-Range", "bytes 0-1048575/1048576");
            exchange.sendResponseHeaders(exchange.getRequestMethod().equals("HEAD") ? -1 : 200, 1024 * 1024);
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.close();
                return;
            }
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[4096]);
                out.flush();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    @Test
    void anAzureBlobWhoseBodyStallsFailsTheReadAfterTheIdleLimit() {
        String endpoint = "http://127.0.0.1:" + server.getAddress().getPort() + "/" + AzuriteProcess.ACCOUNT;
        HcpRollbackConfig.Azure azure = AzuriteProcess.config(endpoint);
        AzureSnapshotStore store = new AzureSnapshotStore(SnapshotStoreProducer.azureContainer(azure, Duration.ofSeconds(1)),
                1024 * 1024);

        Exception stalled = assertThrows(Exception.class, () -> {
            try (InputStream in = store.open("hcp/clusters/payments/4.18.5/snap.db")) {
                in.readAllBytes();
            }
        });

        assertTrue(requests.get() >= 2, "the read was asked again before it failed: " + requests.get() + " request(s)");
        assertTrue(String.valueOf(stalled).toLowerCase().contains("timeout") || String.valueOf(stalled.getCause()).toLowerCase()
                .contains("timeout"), "a timeout, not a hang: " + stalled);
    }
}
