package dev.hcprollback.rollback.restore.fetch;

import static dev.hcprollback.rollback.restore.fetch.FetchSnapshot.EXIT_FETCH_FAILED;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.HttpURLConnection;
import java.net.ProxySelector;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

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
    static Downloaded withAttempts(ProxySelector proxy, URI url, Path file, SnapshotCompression compression, Duration idle)
            throws Failure, IOException, InterruptedException, NoSuchAlgorithmException {
        CheckedSupplier<Downloaded> download = () -> download(proxy, url, file, compression, idle);
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
     *
     * A blocking connection read in {@link #BUFFER_BYTES} pieces on this thread: java.net.http's client hands its
     * body over from its selector thread in 16 KiB buffers, which cost about ten times the CPU of the socket reads
     * themselves (docs/benchmarks.md, "3. Restore"). The idle limit is the socket's read timeout: a read that waits
     * longer for data (the answer's headers included) ends the attempt.
     */
    private static Downloaded download(ProxySelector proxy, URI url, Path out, SnapshotCompression compression,
            Duration idle) throws Retryable, Failure, IOException, InterruptedException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        HttpURLConnection connection;
        int status;
        try {
            connection = connect(proxy, url, idle);
            status = connection.getResponseCode();
        } catch (IOException e) {
            throw new Retryable(e.getClass().getSimpleName() + " from " + hostOf(url)
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
        Counted body = null;
        try {
            InputStream answer = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            body = new Counted(answer == null ? InputStream.nullInputStream() : answer);
            if (status != 200) {
                String text = new String(body.readNBytes(SNIFF_BYTES), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
                String message = "HTTP " + status + " from " + hostOf(url) + (text.isEmpty() ? "" : ": " + text);
                if (status >= 500) {
                    throw new Retryable(message);
                }
                throw new Failure(EXIT_FETCH_FAILED, "download failed: " + message + ": data dir left untouched");
            }
            byte[] head = body.readNBytes(SNIFF_BYTES);
            String contentType = Objects.requireNonNullElse(connection.getContentType(), "").toLowerCase(Locale.ROOT);
            if (errorPage(head) || contentType.contains("xml") || contentType.contains("html")) {
                String text = new String(head, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
                throw new Failure(EXIT_FETCH_FAILED, "the URL answered 200 with an error page (" + contentType
                        + "), not a snapshot (an expired pre-signed URL?): " + text + ": data dir left untouched");
            }
            // this thread reads, hashes the stored bytes and decodes; the writes (and the decoded bytes' hash) run beside it
            try (OutputStream file = Files.newOutputStream(out)) {
                SnapshotDigest decoded = compression == SnapshotCompression.none ? null : new SnapshotDigest(file);
                // closed, on every path, before the file: no write of this attempt may land after it
                try (WriteBehind behind = new WriteBehind(decoded == null ? file : decoded)) {
                    if (decoded == null) {
                        digest.update(head);
                        behind.write(head);
                        copy(body, digest, behind);
                        behind.close();
                        return new Downloaded(body.count, hex(digest), true);
                    }
                    Hashed stored = new Hashed(new SequenceInputStream(new ByteArrayInputStream(head), body), digest);
                    try {
                        copy(compression.decoder(stored), null, behind);
                    } catch (RuntimeException notEncodedSo) {
                        copy(stored, null, OutputStream.nullOutputStream());
                        return new Downloaded(body.count, hex(digest), false);
                    }
                    behind.close();
                    return new Downloaded(body.count, hex(digest), decoded.trailerMatches());
                }
            } catch (SocketTimeoutException stalled) {
                throw stalled;
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("No space left")) {
                    throw e;
                }
                throw new Retryable(e.toString());
            }
        } catch (SocketTimeoutException stalled) {
            throw new Retryable(hostOf(url) + " sent " + IdleTimeoutInputStream.describe(idle, body == null ? 0 : body.count));
        } finally {
            connection.disconnect();
        }
    }

    /** The longest chain of redirects followed. */
    private static final int REDIRECTS = 5;

    /**
     * A GET of {@code url} through the proxy {@code proxies} selects for it, answered: redirects are followed here
     * (each hop through its own proxy, never from https to http), as java.net.http's {@code Redirect.NORMAL} does.
     */
    private static HttpURLConnection connect(ProxySelector proxies, URI url, Duration idle) throws IOException {
        URI target = url;
        for (int hop = 0;; hop++) {
            HttpURLConnection connection = (HttpURLConnection) target.toURL().openConnection(proxies.select(target).get(0));
            connection.setInstanceFollowRedirects(false);
            connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            connection.setReadTimeout((int) Math.max(1, idle.toMillis()));
            int status = connection.getResponseCode();
            String location = connection.getHeaderField("Location");
            if (hop == REDIRECTS || location == null || !List.of(301, 302, 303, 307, 308).contains(status)) {
                return connection;
            }
            URI next = target.resolve(location);
            if ("https".equalsIgnoreCase(target.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                return connection;
            }
            connection.disconnect();
            target = next;
        }
    }

    /** How long the connection to the server (or the proxy) may take. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    /** Read and written in pieces this large: few system calls, and the digest's intrinsic runs on long stretches. */
    static final int BUFFER_BYTES = 1 << 20;

    /** Copies {@code in} to its end into {@code out}, through {@code digest} when there is one. */
    private static void copy(InputStream in, MessageDigest digest, OutputStream out) throws IOException {
        byte[] buffer = new byte[BUFFER_BYTES];
        for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0;) {
            if (digest != null) {
                digest.update(buffer, 0, n);
            }
            out.write(buffer, 0, n);
        }
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The body as it arrives, counted: the stored bytes. */
    private static final class Counted extends FilterInputStream {
        long count;

        Counted(InputStream in) {
            super(in);
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

    /** The stored bytes on their way to the decoder, hashed. */
    private static final class Hashed extends DigestInputStream {
        Hashed(InputStream in, MessageDigest digest) {
            super(in, digest);
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
