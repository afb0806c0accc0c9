package dev.hcprollback.rollback.restore.fetch;

import static dev.hcprollback.rollback.restore.fetch.FetchSnapshot.EXIT_FETCH_FAILED;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedSupplier;
import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.net.IdleTimeoutInputStream;
import dev.hcprollback.rollback.restore.fetch.FetchSnapshot.Failure;
import dev.hcprollback.snapshot.SnapshotDigest;

/**
 * The download of {@link FetchSnapshot}: one GET of the stored object, streamed through its SHA-256 and, when
 * compressed, its decoder into a file; tried again on failures another attempt may not meet. Whether the result is
 * the snapshot asked for, and fits the volume, is {@link FetchSnapshot}'s to judge.
 */
final class SnapshotDownload {

    /** How much of a body is read to tell an error page, and quoted in a message. */
    private static final int SNIFF_BYTES = 256;

    private SnapshotDownload() {
    }

    /**
     * Runs {@code download} up to {@link FetchSnapshot#ATTEMPTS} times while it fails with {@link Retryable}, waiting a second per
     * attempt made (1 s after the first, 2 s after the second); any other failure ends the fetch at once.
     */
    static Downloaded withAttempts(HttpClient client, URI url, Path file, SnapshotCompression compression, Duration idle)
            throws Failure, IOException, InterruptedException, NoSuchAlgorithmException {
        CheckedSupplier<Downloaded> download = () -> download(client, url, file, compression, idle);
        RetryPolicy<Downloaded> retries = RetryPolicy.<Downloaded> builder()
                .handle(Retryable.class)
                .withMaxAttempts(FetchSnapshot.ATTEMPTS)
                .withDelayFn(made -> Duration.ofSeconds(made.getAttemptCount()))
                .build();
        try {
            return Failsafe.with(retries).get(download);
        } catch (FailsafeException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Retryable last) {
                throw new Failure(EXIT_FETCH_FAILED, "download failed after " + FetchSnapshot.ATTEMPTS + " attempts: "
                        + last.getMessage() + ": data dir left untouched");
            }
            if (cause instanceof Failure failure) {
                throw failure;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (cause instanceof NoSuchAlgorithmException noSha256) {
                throw noSha256;
            }
            throw e;
        }
    }

    /** A failure another attempt may not meet: the network, or a 5xx answer. */
    private static final class Retryable extends Exception {
        Retryable(String message) {
            super(message);
        }
    }

    /**
     * What one download stored: the object's length and SHA-256 (hex), and whether it decoded into an intact etcd
     * snapshot.
     */
    record Downloaded(long storedBytes, String sha256, boolean decodedIntact) {
    }

    /**
     * Streams the body through {@code digest} (the stored bytes) and the decoder into {@code file}. A body
     * that does not decode is read to its end all the same, so that the SHA-256 tells a damaged object
     * from one stored some other way.
     */
    private static Downloaded download(HttpClient client, URI url, Path file, SnapshotCompression compression,
            Duration idle) throws Retryable, Failure, IOException, InterruptedException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        HttpResponse<InputStream> response;
        try {
            response = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new Retryable(e.getClass().getSimpleName() + " from " + hostOf(url)
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
        try (InputStream body = new IdleTimeoutInputStream(response.body(), idle)) {
            int status = response.statusCode();
            if (status != 200) {
                String text = new String(body.readNBytes(SNIFF_BYTES), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
                String message = "HTTP " + status + " from " + hostOf(url) + (text.isEmpty() ? "" : ": " + text);
                if (status >= 500) {
                    throw new Retryable(message);
                }
                throw new Failure(EXIT_FETCH_FAILED, "download failed: " + message + ": data dir left untouched");
            }
            byte[] head = body.readNBytes(SNIFF_BYTES);
            String contentType = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
            if (errorPage(head) || contentType.contains("xml") || contentType.contains("html")) {
                String text = new String(head, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
                throw new Failure(EXIT_FETCH_FAILED, "the URL answered 200 with an error page (" + contentType
                        + "), not a snapshot (an expired pre-signed URL?): " + text + ": data dir left untouched");
            }
            try (OutputStream out = Files.newOutputStream(file);
                    CountingDigest stored = new CountingDigest(new SequenceInputStream(new ByteArrayInputStream(head), body),
                            digest)) {
                if (compression == SnapshotCompression.none) {
                    stored.transferTo(out);
                    return new Downloaded(stored.count, hex(digest), true);
                }
                SnapshotDigest decoded = new SnapshotDigest(out);
                try {
                    compression.decoder(stored).transferTo(decoded);
                } catch (RuntimeException notEncodedSo) {
                    stored.transferTo(OutputStream.nullOutputStream());
                    return new Downloaded(stored.count, hex(digest), false);
                }
                return new Downloaded(stored.count, hex(digest), decoded.trailerMatches());
            } catch (IOException e) {
                if (e instanceof IdleTimeoutInputStream.IdleTimeoutException
                        || e.getMessage() != null && e.getMessage().contains("No space left")) {
                    throw e;
                }
                throw new Retryable(e.toString());
            }
        } catch (IdleTimeoutInputStream.IdleTimeoutException stalled) {
            throw new Retryable(hostOf(url) + " sent " + stalled.getMessage());
        }
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The stored bytes as they arrive: hashed and counted. */
    private static final class CountingDigest extends DigestInputStream {
        long count;

        CountingDigest(InputStream in, MessageDigest digest) {
            super(in, digest);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            int n = super.read(bytes, offset, length);
            count += Math.max(0, n);
            return n;
        }
    }

    /** True when the body starts (after blanks) with {@code <}: XML or HTML, never a bbolt file. */
    static boolean errorPage(byte[] head) {
        for (byte b : head) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == (byte) 0xEF || b == (byte) 0xBB || b == (byte) 0xBF) {
                continue; // blanks and a UTF-8 byte-order mark
            }
            return b == '<';
        }
        return false;
    }

    /** The host only: a pre-signed URL's query is a credential and is never printed. */
    private static String hostOf(URI url) {
        return url.getHost() == null ? "the URL" : url.getHost();
    }
}
