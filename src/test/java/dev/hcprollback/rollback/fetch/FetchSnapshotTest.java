package dev.hcprollback.rollback.fetch;

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

import dev.hcprollback.rollback.RestoreScript;
import dev.hcprollback.testing.TestTools;

/**
 * The stage Job's fetch container against a real HTTP server on loopback: what lands on the member's
 * volume, and the exit code of each refusal.
 */
class FetchSnapshotTest {

    @TempDir
    Path dir;

    private HttpServer http;
    /** A snapshot-like body: binary, 3 MiB, so that it streams in many chunks. */
    private final byte[] snapshot = new byte[3 * 1024 * 1024 + 17];

    @BeforeEach
    void serve() throws IOException {
        new Random(42).nextBytes(snapshot);
        snapshot[0] = 0; // a bbolt file starts with a page id
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/snapshot.db", exchange -> {
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
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
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
        URI nobody = URI.create("http://127.0.0.1:" + TestTools.freePort() + "/snapshot.db");
        FetchSnapshot.Failure failure = assertThrows(FetchSnapshot.Failure.class,
                () -> FetchSnapshot.fetch(nobody, sha256(), destination()));
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
}
