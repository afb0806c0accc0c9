package dev.hcprollback.rollback.restore.fetch;

import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.net.EnvironmentProxy;

/**
 * The first container of a stage Job, in the sidecar's own image: downloads a snapshot onto the etcd
 * member's volume and checks its SHA-256 while it streams, so that no tool of the etcd image
 * ({@code curl}, {@code sha256sum}) is assumed. No Quarkus boot: the JDK and two small libraries of the image
 * (Failsafe for the attempts, aircompressor for zstd):
 *
 * <pre>
 * java -cp "/deployments/app/*:/deployments/lib/main/*" dev.hcprollback.rollback.restore.fetch.FetchSnapshot \
 *     &lt;url&gt; &lt;expected-sha256, 64 hex digits&gt; &lt;destination file&gt; [none|zstd [&lt;snapshot bytes&gt; &lt;data dir&gt;]]
 * </pre>
 *
 * The destination's directory is the stage's work dir, which belongs to the stage alone: whatever an earlier
 * stage left there (the staged copy of a rollback undone later) is removed first. Given the snapshot's size
 * (as etcd sent it: what lands on the volume) and the member's data dir, the volume is measured
 * ({@link VolumeSpace}) before anything is written, and again once the download is complete, right before
 * the restore writes its copy: a stage that would fill the volume of a serving member stops with
 * {@link #EXIT_CANNOT_WRITE} and {@code needs X bytes, the volume has Y free}, having written nothing.
 *
 * An answer whose headers or body stop arriving for {@link #IDLE_TIMEOUT} (environment
 * {@code FETCH_IDLE_TIMEOUT_SECONDS} overrides it) is given up and downloaded again, like any other broken transfer, {@link #ATTEMPTS} times in all (a Failsafe
 * {@code RetryPolicy}, 1 s after the first attempt, 2 s after the second).
 *
 * The SHA-256 is of the object as stored. A {@code zstd} object is decoded as it streams (pure-Java
 * codec, already in the image), and the decoded snapshot must also carry a matching etcd trailing hash
 * (the check the snapshot controller made on etcd's stream), so that the file left in place is exactly
 * the snapshot etcd sent.
 *
 * The body goes to a temporary file beside the destination (same volume) and is renamed into place
 * only when its hash matches; on any failure nothing is left behind. An XML or HTML page answered with
 * 200 (an expired or refused pre-signed URL) is refused: an etcd snapshot is a bbolt file and never
 * starts with {@code <}. Exits 0, or one of the restore's "nothing touched" codes with one line on
 * stderr: {@link #EXIT_CANNOT_WRITE} 10, {@link #EXIT_FETCH_FAILED} 11, {@link #EXIT_HASH_MISMATCH} 12.
 */
public final class FetchSnapshot {

    /** Bad arguments, or the download could not be written on the volume (e.g. no space): nothing touched. */
    public static final int EXIT_CANNOT_WRITE = 10;
    /** Unreachable URL, an HTTP status other than 200, or an error page instead of a snapshot: nothing touched. */
    public static final int EXIT_FETCH_FAILED = 11;
    /** The body does not have the expected SHA-256: nothing touched, nothing left in place. */
    public static final int EXIT_HASH_MISMATCH = 12;

    static final int ATTEMPTS = 3;
    /** The longest a read of the body may wait for data before the attempt is given up. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    /** A failure with its exit code and the one line printed for it. */
    public static final class Failure extends Exception {
        private final int exitCode;

        Failure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private FetchSnapshot() {
    }

    public static void main(String[] args) {
        SnapshotCompression compression = null;
        Room room = null;
        if (args.length == 3 || args.length == 4 || args.length == 6) {
            compression = args.length == 3 ? SnapshotCompression.none : compressionNamed(args[3]);
        }
        if (args.length == 6) {
            try {
                room = new Room(Long.parseLong(args[4]), Path.of(args[5]));
            } catch (NumberFormatException e) {
                System.err.println("the snapshot's size is not a number: '" + args[4] + "': data dir left untouched");
                compression = null;
            }
        }
        if (compression == null) {
            System.err.println("usage: FetchSnapshot <url> <expected-sha256> <destination> [none|zstd [<snapshot bytes> <data dir>]]");
            System.exit(EXIT_CANNOT_WRITE);
        }
        EnvironmentProxy proxy = null;
        try {
            proxy = EnvironmentProxy.fromEnvironment();
        } catch (IllegalArgumentException unusable) {
            System.err.println("cannot use the proxy: " + unusable.getMessage() + ": data dir left untouched");
            System.exit(EXIT_FETCH_FAILED);
        }
        System.out.println("stage=fetch (" + proxy + ")");
        try {
            Duration idle = Optional.ofNullable(System.getenv("FETCH_IDLE_TIMEOUT_SECONDS"))
                    .map(seconds -> Duration.ofSeconds(Long.parseLong(seconds))).orElse(IDLE_TIMEOUT);
            long bytes = fetch(URI.create(args[0]), args[1], Path.of(args[2]), compression, idle, room, proxy);
            System.out.println("stage=verified " + bytes + " bytes with SHA-256 " + args[1].toLowerCase(Locale.ROOT)
                    + " in " + args[2]);
        } catch (Failure e) {
            System.err.println(e.getMessage());
            System.exit(e.exitCode());
        } catch (IllegalArgumentException e) {
            System.err.println("bad snapshot URL: " + e.getMessage() + ": data dir left untouched");
            System.exit(EXIT_FETCH_FAILED);
        }
    }

    /**
     * Downloads {@code url} into {@code destination} when its SHA-256 is {@code expectedSha256} (hex, any
     * case). Returns the number of bytes. Throws {@link Failure} with the exit code otherwise, leaving no
     * file at {@code destination} nor beside it.
     */
    public static long fetch(URI url, String expectedSha256, Path destination) throws Failure {
        return fetch(url, expectedSha256, destination, SnapshotCompression.none, IDLE_TIMEOUT);
    }

    /** As {@link #fetch(URI, String, Path, SnapshotCompression, Duration)} with the default idle timeout. */
    public static long fetch(URI url, String expectedSha256, Path destination, SnapshotCompression compression)
            throws Failure {
        return fetch(url, expectedSha256, destination, compression, IDLE_TIMEOUT);
    }

    /**
     * As {@link #fetch(URI, String, Path)} for an object stored with {@code compression}: the SHA-256 is
     * of the stored bytes, the file is the decoded snapshot (whose etcd trailing hash must match).
     * Returns the number of bytes stored. An attempt whose body waits longer than {@code idle} for data is given up.
     */
    public static long fetch(URI url, String expectedSha256, Path destination, SnapshotCompression compression,
            Duration idle) throws Failure {
        return fetch(url, expectedSha256, destination, compression, idle, null);
    }

    /**
     * What a stage writes beside a member's data, for the volume's checks: the snapshot as etcd sent it
     * ({@code snapshotBytes}, the download and the restored copy's db), the member's {@code dataDir}, and how
     * the volume is measured (the file system itself; a test makes it shrink while the download runs).
     */
    public record Room(long snapshotBytes, Path dataDir, Measure measure) {

        public Room(long snapshotBytes, Path dataDir) {
            this(snapshotBytes, dataDir, VolumeSpace::measure);
        }

        /** Measures the member's volume. */
        public interface Measure {
            VolumeSpace of(Path dataDir, Path workDir) throws IOException;
        }

        /**
         * Refuses, naming both figures, when the volume has less free than {@code needs} of it; {@code what} says
         * when, {@code left} what the refusal leaves behind.
         */
        void require(Path workDir, java.util.function.ToLongFunction<VolumeSpace> needs, String what, String left)
                throws Failure {
            VolumeSpace space;
            try {
                space = measure.of(dataDir, workDir);
            } catch (IOException e) {
                throw new Failure(EXIT_CANNOT_WRITE, "cannot measure the volume of " + dataDir + ": " + e + ": " + left);
            }
            long needed = needs.applyAsLong(space);
            System.out.println("stage=space " + what + ": needs " + needed + " bytes, the volume has " + space.freeBytes() + " free");
            if (needed > space.freeBytes()) {
                throw new Failure(EXIT_CANNOT_WRITE, what + ": needs " + needed + " bytes, the volume has " + space.freeBytes()
                        + " free (" + space.stageDetail(snapshotBytes) + "): " + left);
            }
        }
    }

    /**
     * As above; with a {@code room}, the volume is measured before anything is written (the download, the
     * restored copy and the margin must fit) and again once the download is complete (the restored copy
     * and the margin), and the fetch refuses with {@link #EXIT_CANNOT_WRITE} when they do not.
     */
    public static long fetch(URI url, String expectedSha256, Path destination, SnapshotCompression compression,
            Duration idle, Room room) throws Failure {
        return fetch(url, expectedSha256, destination, compression, idle, room, EnvironmentProxy.fromEnvironment());
    }

    /**
     * As above, through the proxy {@code proxy} selects: the container's environment names it (the restore Jobs
     * get the sidecar's {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY}).
     */
    public static long fetch(URI url, String expectedSha256, Path destination, SnapshotCompression compression,
            Duration idle, Room room, ProxySelector proxy) throws Failure {
        String expected = expectedSha256.toLowerCase(Locale.ROOT);
        if (!expected.matches("[0-9a-f]{64}")) {
            throw new Failure(EXIT_CANNOT_WRITE, "expected SHA-256 is not 64 hex digits: '" + expectedSha256 + "'");
        }
        Path directory = destination.toAbsolutePath().getParent();
        try {
            Files.createDirectories(directory);
            clear(directory);
        } catch (IOException e) {
            throw new Failure(EXIT_CANNOT_WRITE, "cannot write beside " + destination + ": " + e + ": data dir left untouched");
        }
        if (room != null) {
            room.require(directory, space -> space.stageNeeds(room.snapshotBytes()), "before the download",
                    "nothing written, data dir left untouched");
        }
        Path temporary;
        try {
            temporary = Files.createTempFile(directory, "." + destination.getFileName() + "-", ".part");
        } catch (IOException e) {
            throw new Failure(EXIT_CANNOT_WRITE, "cannot write beside " + destination + ": " + e + ": data dir left untouched");
        }
        try {
            SnapshotDownload.Downloaded downloaded = SnapshotDownload.withAttempts(proxy, url, temporary, compression, idle);
            String actual = downloaded.sha256();
            long bytes = downloaded.storedBytes();
            if (!actual.equals(expected)) {
                throw new Failure(EXIT_HASH_MISMATCH, "snapshot SHA-256 is " + actual + ", expected " + expected
                        + " (" + bytes + " bytes): data dir left untouched");
            }
            if (!downloaded.decodedIntact()) {
                throw new Failure(EXIT_HASH_MISMATCH, "the snapshot stored as " + compression + " has the expected SHA-256"
                        + " but does not decode to an etcd snapshot whose trailing hash matches: data dir left untouched");
            }
            if (room != null) {
                // the member kept writing while the download ran: what is left must still take the restored copy
                room.require(directory, space -> VolumeSpace.restoredBytes(room.snapshotBytes()) + space.marginBytes(),
                        "after the download, before the restore", "the download removed, data dir left untouched");
            }
            Files.move(temporary, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return bytes;
        } catch (IOException e) {
            throw new Failure(EXIT_CANNOT_WRITE, "cannot write the snapshot to " + destination + ": " + e
                    + ": data dir left untouched");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(EXIT_FETCH_FAILED, "download interrupted: data dir left untouched");
        } finally {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException e) {
                System.err.println("could not remove " + temporary + ": " + e);
            }
        }
    }

    /** Empties the stage's work dir, without following links out of it. */
    private static void clear(Path directory) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!path.equals(directory)) {
                    Files.delete(path);
                }
            }
        }
    }

    private static SnapshotCompression compressionNamed(String name) {
        try {
            return SnapshotCompression.valueOf(name);
        } catch (IllegalArgumentException e) {
            System.err.println("unknown snapshot compression '" + name + "' (none or zstd): data dir left untouched");
            return null;
        }
    }

}
