package dev.hcprollback.rollback.restore.fetch;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What an etcd member's volume really holds and has free, measured on the volume itself: its file
 * system's size, used and free bytes, the etcd data dir (db, WAL and snap files: a busy member's WAL
 * and snap files hold hundreds of MiB that etcd's reported db size does not count), the db file alone,
 * and what an earlier stage left in the work dir. And what a stage needs beside the data, with the
 * margin it must leave, so that the preflight and the stage Job decide by the same rule. JDK only, no
 * Quarkus boot: the preflight's measure Job runs {@link #main} in the sidecar's own image, and the stage
 * Job's fetch container ({@link FetchSnapshot}) measures again before it writes.
 *
 * @param fileSystemBytes the file system's size
 * @param usedBytes what the file system holds (its size less its unallocated space, as {@code df} counts)
 * @param freeBytes what an unprivileged writer can still write (blocks reserved for root not counted)
 * @param dataDirBytes the etcd data dir's files, all of them
 * @param dbBytes the etcd data dir's db file ({@code member/snap/db})
 * @param workDirBytes what is in the stage's work dir (an earlier stage's copy); the stage removes it first
 */
public record VolumeSpace(long fileSystemBytes, long usedBytes, long freeBytes, long dataDirBytes, long dbBytes,
        long workDirBytes) {

    /** The WAL segment etcd preallocates, in a restored member dir and whenever a serving member's current one fills. */
    public static final long WAL_SEGMENT_BYTES = 64L << 20;
    /** The least share of the file system a stage leaves free (file system overhead, the member's own writes). */
    public static final int MARGIN_PERCENT = 10;

    private static final String[] KEYS = { "fileSystemBytes", "usedBytes", "freeBytes", "dataDirBytes", "dbBytes",
            "workDirBytes" };

    /**
     * The figures of the volume that holds {@code dataDir} (or, where there is none, its parent); a data dir
     * without a db counts 0 for it (the preflight refuses that for a serving member).
     */
    public static VolumeSpace measure(Path dataDir, Path workDir) throws IOException {
        Path db = dataDir.resolve(DB);
        FileStore store = Files.getFileStore(Files.exists(dataDir) ? dataDir : dataDir.toAbsolutePath().getParent());
        long size = store.getTotalSpace();
        return new VolumeSpace(size, size - store.getUnallocatedSpace(), store.getUsableSpace(), bytesUnder(dataDir),
                Files.isRegularFile(db) ? Files.size(db) : 0, bytesUnder(workDir));
    }

    /** etcd's db file, in its data dir. */
    public static final String DB = "member/snap/db";

    /** The size of the regular files under {@code dir} (0 when it does not exist). */
    static long bytesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (NoSuchFileException gone) {
                    return 0; // a serving member removed an old WAL or snap file meanwhile
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** A restored member dir: the snapshot as its db, plus the WAL segment etcd preallocates. */
    public static long restoredBytes(long snapshotBytes) {
        return snapshotBytes + WAL_SEGMENT_BYTES;
    }

    /**
     * What the stage must leave free while it runs beside a serving member: the larger of
     * {@link #MARGIN_PERCENT} of the file system and what the member itself may write meanwhile, a
     * defragmented copy of its db (written beside the db before it replaces it) and a new WAL segment.
     */
    public long marginBytes() {
        return Math.max(fileSystemBytes / 100 * MARGIN_PERCENT, dbBytes + WAL_SEGMENT_BYTES);
    }

    /** The download and the restored copy (both there at once until the download is removed), and the margin. */
    public long stageNeeds(long snapshotBytes) {
        return snapshotBytes + restoredBytes(snapshotBytes) + marginBytes();
    }

    /** Free for a stage: the free space, and what an earlier stage left in the work dir (the stage removes it first). */
    public long freeForStage() {
        return freeBytes + workDirBytes;
    }

    /** The figures and the rule of a stage of a {@code snapshotBytes} snapshot, in MiB, for a preflight item or a log line. */
    public String stageDetail(long snapshotBytes) {
        return "needs " + mib(stageNeeds(snapshotBytes)) + " = download " + mib(snapshotBytes) + " + restored copy "
                + mib(restoredBytes(snapshotBytes)) + " + margin " + mib(marginBytes()) + " (the larger of "
                + MARGIN_PERCENT + "% of the file system and what the member may write meanwhile: a defragmented copy of its db "
                + mib(dbBytes) + " and a WAL segment); " + mib(freeBytes) + " free"
                + (workDirBytes > 0 ? " + " + mib(workDirBytes) + " an earlier stage left in the work dir" : "")
                + " on the file system of " + mib(fileSystemBytes) + " (" + mib(usedBytes) + " used, the etcd data dir "
                + mib(dataDirBytes) + " of it)";
    }

    /** The figures as {@code key=value} lines: the measure Job's termination message. */
    public String report() {
        long[] values = { fileSystemBytes, usedBytes, freeBytes, dataDirBytes, dbBytes, workDirBytes };
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < KEYS.length; i++) {
            text.append(KEYS[i]).append('=').append(values[i]).append('\n');
        }
        return text.toString();
    }

    /** Reads {@link #report()}; a figure missing or not a number is refused, naming it. */
    public static VolumeSpace parse(String report) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(report == null ? "" : report));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a volume report: " + e.getMessage());
        }
        Map<String, Long> values = new LinkedHashMap<>();
        for (String key : KEYS) {
            String value = properties.getProperty(key);
            try {
                values.put(key, Long.parseLong(value == null ? "" : value.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(value == null ? "no " + key + " in the report" : key + " is '" + value + "'");
            }
        }
        return new VolumeSpace(values.get("fileSystemBytes"), values.get("usedBytes"), values.get("freeBytes"),
                values.get("dataDirBytes"), values.get("dbBytes"), values.get("workDirBytes"));
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /**
     * The preflight's measure Job: {@code VolumeSpace <data dir> <work dir> [<report file>]} prints the
     * report and writes it to the report file (the container's {@code /dev/termination-log}, which the
     * sidecar reads from the pod's status). Exits 1 with one line, in the report file too, when it cannot
     * measure. Reads only: the Job mounts the volume read-only.
     */
    public static void main(String[] args) {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: VolumeSpace <data dir> <work dir> [<report file>]");
            System.exit(2);
        }
        String text;
        int exit;
        try {
            text = measure(Path.of(args[0]), Path.of(args[1])).report();
            exit = 0;
        } catch (IOException e) {
            text = "cannot measure the volume: " + e + "\n";
            exit = 1;
        }
        (exit == 0 ? System.out : System.err).print(text);
        if (args.length == 3) {
            try {
                Files.writeString(Path.of(args[2]), text);
            } catch (IOException e) {
                System.err.println("cannot write " + args[2] + ": " + e);
                exit = 1;
            }
        }
        System.exit(exit);
    }
}
