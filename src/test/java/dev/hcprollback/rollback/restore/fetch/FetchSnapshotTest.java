package dev.hcprollback.rollback.restore.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.net.EnvironmentProxy;
import dev.hcprollback.testing.ForwardProxy;
import dev.hcprollback.testing.Ports;

/**
 * The stage Job's fetch container against a real HTTP server on loopback: what lands on the member's
 * volume, and the exit code of each refusal.
 */
class FetchSnapshotTest {

    @TempDir
    Path dir;

    private HttpServer http;
    /** Requests for the snapshot: none when the fetch refuses before it downloads. */
    private final java.util.concurrent.atomic.AtomicInteger snapshotRequests = new java.util.concurrent.atomic.AtomicInteger();
    /** A snapshot-like body: binary, 3 MiB, so that it streams in many chunks. */
    private final byte[] snapshot = new byte[3 * 1024 * 1024 + 17];

    @BeforeEach
    void serve() throws IOException {
        new Random(42).nextBytes(snapshot);
        snapshot[0] = 0; // a bbolt file starts with a page id
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/snapshot.db", exchange -> {
            snapshotRequests.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, snapshot.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(snapshot);
            }
        });
        // what S3 answers an expired pre-signed URL through some proxies and gateways: an XML error with 200
        http.createContext("/expired.db", exchange -> {
            byte[] body = """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>
                    """.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.createContext("/forbidden.db", exchange -> {
            byte[] body = "<Error><Code>AccessDenied</Code></Error>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(403, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // a store that answers the pre-signed URL with a redirect to where the object is (another region, a CDN)
        http.createContext("/moved.db", exchange -> {
            exchange.getResponseHeaders().add("Location", "/snapshot.db?X-Amz-Signature=secret");
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        http.createContext("/snapshot.zst", exchange -> serveBytes(exchange, zstd(etcdSnapshot(false))));
        http.createContext("/damaged.zst", exchange -> serveBytes(exchange, zstd(etcdSnapshot(true))));
        http.start();
    }

    private static void serveBytes(com.sun.net.httpserver.HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/zstd");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** An etcd-like snapshot: a compressible body and, as etcd appends, the SHA-256 of that body (or a wrong one). */
    private static byte[] etcdSnapshot(boolean wrongTrailer) {
        byte[] body = "{\"kind\":\"ConfigMap\",\"data\":{\"a\":\"b\"}}\n".repeat(60_000).getBytes(StandardCharsets.UTF_8);
        byte[] trailer = sha256Of(body);
        if (wrongTrailer) {
            trailer[0] ^= 1;
        }
        byte[] all = java.util.Arrays.copyOf(body, body.length + trailer.length);
        System.arraycopy(trailer, 0, all, body.length, trailer.length);
        return all;
    }

    private static byte[] zstd(byte[] plain) throws IOException {
        java.io.ByteArrayOutputStream stored = new java.io.ByteArrayOutputStream();
        try (OutputStream encoder = SnapshotCompression.zstd.encoder(stored)) {
            encoder.write(plain);
        }
        return stored.toByteArray();
    }

    private static byte[] sha256Of(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    /**
     * A server whose body stops after its headers and 64 KiB, for the first {@code stalls} requests (for ever with
     * -1), then serves the snapshot whole. Stalled answers are released when the test ends.
     */
    private final class StallingServer implements AutoCloseable {
        final HttpServer server;
        final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();

        StallingServer(int stalls) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(threads);
            server.createContext("/snapshot.db", exchange -> {
                int request = requests.incrementAndGet();
                exchange.sendResponseHeaders(200, snapshot.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    if (stalls < 0 || request <= stalls) {
                        out.write(snapshot, 0, 64 * 1024);
                        out.flush();
                        release.await();
                        return;
                    }
                    out.write(snapshot);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/snapshot.db?X-Amz-Signature=secret");
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
            threads.shutdownNow();
        }
    }

    @Test
    void aBodyThatStallsAfterItsHeadersIsGivenUpAndDownloadedAgain() throws Exception {
        try (StallingServer stalling = new StallingServer(1)) {
            long bytes = FetchSnapshot.fetch(stalling.url(), sha256(), destination(), SnapshotCompression.none,
                    java.time.Duration.ofMillis(500));

            assertEquals(snapshot.length, bytes);
            assertArrayEquals(snapshot, Files.readAllBytes(destination()));
            assertEquals(2, stalling.requests.get(), "the stalled attempt, then one whole download");
        }
    }

    @Test
    void aBodyThatAlwaysStallsFailsAfterEveryAttemptSayingSoAndLeavesNothing() throws Exception {
        try (StallingServer stalling = new StallingServer(-1)) {
            FetchSnapshot.Failure failure = assertThrows(FetchSnapshot.Failure.class, () -> FetchSnapshot.fetch(stalling.url(),
                    sha256(), destination(), SnapshotCompression.none, java.time.Duration.ofMillis(500)));

            assertEquals(FetchSnapshot.EXIT_FETCH_FAILED, failure.exitCode());
            assertTrue(failure.getMessage().contains("127.0.0.1 sent no data for 0.5 s after 65536 bytes"), failure.getMessage());
            assertFalse(failure.getMessage().contains("secret"), "the pre-signed URL's signature is never printed");
            assertEquals(FetchSnapshot.ATTEMPTS, stalling.requests.get());
            assertEquals(List.of(), leftOnTheVolume());
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/" + path + "?X-Amz-Signature=secret");
    }

    private String sha256() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(snapshot));
    }

    private Path destination() {
        return dir.resolve("restore-work").resolve(RestoreScript.SNAPSHOT_FILE);
    }

    /** What is in the destination's directory: the verified file or nothing, never a partial one. */
    private List<String> leftOnTheVolume() throws IOException {
        if (!Files.isDirectory(destination().getParent())) {
            return List.of();
        }
        try (var files = Files.list(destination().getParent())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aGoodDownloadIsVerifiedAndRenamedIntoPlace() throws Exception {
        long bytes = FetchSnapshot.fetch(url("snapshot.db"), sha256().toUpperCase(), destination());
        assertEquals(snapshot.length, bytes);
        assertArrayEquals(snapshot, Files.readAllBytes(destination()));
        assertEquals(List.of(RestoreScript.SNAPSHOT_FILE), leftOnTheVolume(), "no temporary file left");
    }

    @Test
    void aRedirectIsFollowedToTheObject() throws Exception {
        long bytes = FetchSnapshot.fetch(url("moved.db"), sha256(), destination());
        assertEquals(snapshot.length, bytes);
        assertArrayEquals(snapshot, Files.readAllBytes(destination()));
        assertEquals(1, snapshotRequests.get(), "the object was asked for once, at the redirect's location");
    }

    /** The pre-signed URL of an object store outside the cluster, behind the cluster-wide proxy the Job's environment names. */
    @Test
    void theDownloadGoesThroughTheProxyTheEnvironmentNames() throws Exception {
        try (ForwardProxy proxy = new ForwardProxy()) {
            long bytes = FetchSnapshot.fetch(url("snapshot.db"), sha256(), destination(), SnapshotCompression.none,
                    FetchSnapshot.IDLE_TIMEOUT, null, EnvironmentProxy.of(java.util.Map.of("HTTP_PROXY", proxy.url())));
            assertEquals(snapshot.length, bytes);
            assertArrayEquals(snapshot, Files.readAllBytes(destination()));
            assertEquals(List.of(url("snapshot.db").getAuthority()), proxy.targets());
        }
    }

    @Test
    void aZstdSnapshotIsCheckedAsStoredAndLandsDecoded() throws Exception {
        byte[] stored = zstd(etcdSnapshot(false));
        assertTrue(stored.length * 10 < etcdSnapshot(false).length, "the stored object is the small, compressed one");
        long bytes = FetchSnapshot.fetch(url("snapshot.zst"), HexFormat.of().formatHex(sha256Of(stored)), destination(),
                SnapshotCompression.zstd);
        assertEquals(stored.length, bytes, "the stored bytes are what was downloaded and hashed");
        assertArrayEquals(etcdSnapshot(false), Files.readAllBytes(destination()), "the file is the snapshot etcd sent");
        assertEquals(List.of(RestoreScript.SNAPSHOT_FILE), leftOnTheVolume());
    }

    @Test
    void aZstdSnapshotWhoseEtcdHashDoesNotMatchIsRefused() throws Exception {
        byte[] stored = zstd(etcdSnapshot(true));
        FetchSnapshot.Failure failure = assertThrows(FetchSnapshot.Failure.class, () -> FetchSnapshot.fetch(
                url("damaged.zst"), HexFormat.of().formatHex(sha256Of(stored)), destination(), SnapshotCompression.zstd));
        assertEquals(RestoreScript.EXIT_HASH_MISMATCH, failure.exitCode());
        assertTrue(failure.getMessage().contains("trailing hash"), failure.getMessage());
        assertEquals(List.of(), leftOnTheVolume());

        // an uncompressed object fetched as zstd: the SHA-256 matches, but it is no zstd frame
        FetchSnapshot.Failure notZstd = assertThrows(FetchSnapshot.Failure.class,
                () -> FetchSnapshot.fetch(url("snapshot.db"), sha256(), destination(), SnapshotCompression.zstd));
        assertEquals(RestoreScript.EXIT_HASH_MISMATCH, notZstd.exitCode());
        assertEquals(List.of(), leftOnTheVolume());
    }

    @Test
    void theWrongHashLeavesNothingInPlace() throws Exception {
        Files.createDirectories(destination().getParent());
        Files.writeString(destination(), "a download of an earlier, failed stage");
        FetchSnapshot.Failure failure = assertThrows(FetchSnapshot.Failure.class,
                () -> FetchSnapshot.fetch(url("snapshot.db"), "0".repeat(64), destination()));
        assertEquals(RestoreScript.EXIT_HASH_MISMATCH, failure.exitCode());
        assertTrue(failure.getMessage().startsWith("snapshot SHA-256 is " + sha256() + ", expected " + "0".repeat(64)),
                failure.getMessage());
        assertEquals(List.of(), leftOnTheVolume(), "neither the download nor an older file is left to be restored");
    }

    @Test
    void anErrorPageAnsweredWith200IsRefused() throws Exception {
        FetchSnapshot.Failure failure = assertThrows(FetchSnapshot.Failure.class,
                () -> FetchSnapshot.fetch(url("expired.db"), sha256(), destination()));
        assertEquals(RestoreScript.EXIT_FETCH_FAILED, failure.exitCode());
        assertTrue(failure.getMessage().contains("error page") && failure.getMessage().contains("Request has expired"),
                failure.getMessage());
        assertEquals(List.of(), leftOnTheVolume());

        FetchSnapshot.Failure forbidden = assertThrows(FetchSnapshot.Failure.class,
                () -> FetchSnapshot.fetch(url("forbidden.db"), sha256(), destination()));
        assertEquals(RestoreScript.EXIT_FETCH_FAILED, forbidden.exitCode());
        assertTrue(forbidden.getMessage().contains("HTTP 403 from 127.0.0.1"), forbidden.getMessage());
        assertFalse(forbidden.getMessage().contains("secret"), "the URL's signature is never printed: " + forbidden.getMessage());
        assertEquals(List.of(), leftOnTheVolume());
    }

    @Test
    void anUnreachableUrlFailsAfterItsAttempts() throws Exception {
        FetchSnapshot.Failure failure;
        try (Ports.Refusing nobody = Ports.refusing()) {
            URI url = URI.create("http://127.0.0.1:" + nobody.port() + "/snapshot.db");
            failure = assertThrows(FetchSnapshot.Failure.class, () -> FetchSnapshot.fetch(url, sha256(), destination()));
        }
        assertEquals(RestoreScript.EXIT_FETCH_FAILED, failure.exitCode());
        assertTrue(failure.getMessage().startsWith("download failed after " + FetchSnapshot.ATTEMPTS
                + " attempts: ConnectException from 127.0.0.1"), failure.getMessage());
        assertEquals(List.of(), leftOnTheVolume());
    }

    @Test
    void theMainClassTheJobNamesIsThisOneAndEveryFailureMeansNothingTouched() {
        assertEquals(FetchSnapshot.class.getName(), RestoreScript.FETCH_CLASS);
        for (int exit : List.of(FetchSnapshot.EXIT_CANNOT_WRITE, FetchSnapshot.EXIT_FETCH_FAILED,
                FetchSnapshot.EXIT_HASH_MISMATCH)) {
            assertTrue(RestoreScript.untouched(exit), "exit " + exit);
        }
        FetchSnapshot.Failure bad = assertThrows(FetchSnapshot.Failure.class,
                () -> FetchSnapshot.fetch(url("snapshot.db"), "not-a-hash", destination()));
        assertEquals(FetchSnapshot.EXIT_CANNOT_WRITE, bad.exitCode());
    }

    /** A member's data dir as etcd leaves it: its db, and a WAL file. */
    private Path memberData(long dbBytes, long walBytes) throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("member/snap"));
        Files.createDirectories(data.resolve("member/wal"));
        try (var db = java.nio.channels.FileChannel.open(data.resolve(VolumeSpace.DB), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            db.write(java.nio.ByteBuffer.wrap(new byte[1]), dbBytes - 1);
        }
        try (var wal = java.nio.channels.FileChannel.open(data.resolve("member/wal/0000000000000000-0000000000000000.wal"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            wal.write(java.nio.ByteBuffer.wrap(new byte[1]), walBytes - 1);
        }
        return data;
    }

    /** What an earlier stage left in the work dir: a staged copy of a rollback undone later, and its marker. */
    private void earlierStage() throws IOException {
        Path restored = Files.createDirectories(destination().getParent().resolve("restored/member/snap"));
        Files.write(restored.resolve("db"), new byte[4096]);
        Files.writeString(destination().getParent().resolve("staged"), "");
    }

    /**
     * The file system cannot take the download, the restored copy and the margin (the snapshot declared larger
     * than any test machine's free space): refused before a byte is downloaded, with both figures in the line,
     * nothing written; what an earlier stage left is gone (the stage's own scratch, never etcd's data).
     */
    @Test
    void aVolumeWithoutRoomForTheStageIsRefusedBeforeTheDownload() throws Exception {
        Path data = memberData(1 << 20, 1 << 20);
        earlierStage();
        long huge = Long.MAX_VALUE / 8;
        FetchSnapshot.Failure failure = assertThrows(FetchSnapshot.Failure.class, () -> FetchSnapshot.fetch(url("snapshot.db"),
                sha256(), destination(), SnapshotCompression.none, FetchSnapshot.IDLE_TIMEOUT, new FetchSnapshot.Room(huge, data)));

        assertEquals(FetchSnapshot.EXIT_CANNOT_WRITE, failure.exitCode());
        long free = Files.getFileStore(data).getUsableSpace();
        String needs = "before the download: needs " + VolumeSpace.measure(data, destination().getParent()).stageNeeds(huge)
                + " bytes, the volume has ";
        assertTrue(failure.getMessage().startsWith(needs), failure.getMessage());
        long reported = Long.parseLong(failure.getMessage().substring(needs.length()).split(" ")[0]);
        assertTrue(Math.abs(reported - free) < 64L << 20, "the file system's free space: " + failure.getMessage());
        assertTrue(failure.getMessage().endsWith("nothing written, data dir left untouched"), failure.getMessage());
        assertEquals(0, snapshotRequests.get(), "nothing was downloaded");
        assertEquals(List.of(), leftOnTheVolume());
        assertEquals(2L << 20, VolumeSpace.bytesUnder(data), "the member's data as it was");
    }

    /**
     * The serving member writes while the download runs: the room left after it must still take the restored copy and
     * the margin, else the download is removed and the fetch refuses before the restore writes anything. The volume's
     * figures are played here (the test machine's disk cannot be filled); the rule is the one of the first check.
     */
    @Test
    void aVolumeThatFillsDuringTheDownloadIsRefusedBeforeTheRestore() throws Exception {
        Path data = memberData(1 << 20, 1 << 20);
        List<VolumeSpace> measured = new java.util.ArrayList<>();
        FetchSnapshot.Room room = new FetchSnapshot.Room(snapshot.length, data, (dataDir, workDir) -> {
            VolumeSpace real = VolumeSpace.measure(dataDir, workDir);
            long free = measured.isEmpty() ? real.stageNeeds(snapshot.length)
                    : VolumeSpace.restoredBytes(snapshot.length) + real.marginBytes() - 1; // the member wrote meanwhile
            VolumeSpace played = new VolumeSpace(real.fileSystemBytes(), real.fileSystemBytes() - free, free,
                    real.dataDirBytes(), real.dbBytes(), real.workDirBytes());
            measured.add(played);
            return played;
        });
        FetchSnapshot.Failure failure = assertThrows(FetchSnapshot.Failure.class, () -> FetchSnapshot.fetch(url("snapshot.db"),
                sha256(), destination(), SnapshotCompression.none, FetchSnapshot.IDLE_TIMEOUT, room));

        assertEquals(FetchSnapshot.EXIT_CANNOT_WRITE, failure.exitCode());
        assertEquals(2, measured.size(), "before and after the download");
        assertTrue(failure.getMessage().startsWith("after the download, before the restore: needs "
                + (measured.get(1).freeBytes() + 1) + " bytes, the volume has " + measured.get(1).freeBytes() + " free"),
                failure.getMessage());
        assertTrue(failure.getMessage().endsWith("the download removed, data dir left untouched"), failure.getMessage());
        assertEquals(1, snapshotRequests.get());
        assertEquals(List.of(), leftOnTheVolume(), "the download is removed");
    }

    /**
     * With room: the earlier stage's copy is removed before the volume is measured (so its space counts as free,
     * as the preflight counted it), the download lands, and both checks were made.
     */
    @Test
    void aVolumeWithRoomTakesTheDownloadAfterAnEarlierStagesCopyIsRemoved() throws Exception {
        Path data = memberData(1 << 20, 1 << 20);
        earlierStage();
        List<VolumeSpace> measured = new java.util.ArrayList<>();
        FetchSnapshot.Room room = new FetchSnapshot.Room(snapshot.length, data, (dataDir, workDir) -> {
            VolumeSpace real = VolumeSpace.measure(dataDir, workDir);
            measured.add(real);
            return real;
        });
        long bytes = FetchSnapshot.fetch(url("snapshot.db"), sha256(), destination(), SnapshotCompression.none,
                FetchSnapshot.IDLE_TIMEOUT, room);

        assertEquals(snapshot.length, bytes);
        assertEquals(List.of(RestoreScript.SNAPSHOT_FILE), leftOnTheVolume(), "the earlier stage's copy and marker are gone");
        assertEquals(2, measured.size());
        assertEquals(0, measured.get(0).workDirBytes(), "measured once the work dir was emptied");
        assertEquals(snapshot.length, measured.get(1).workDirBytes(), "the download, measured before the restore");
        assertEquals(1L << 20, measured.get(0).dbBytes());
        assertEquals(2L << 20, measured.get(0).dataDirBytes());
    }
}
