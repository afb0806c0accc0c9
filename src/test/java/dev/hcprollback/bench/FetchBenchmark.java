package dev.hcprollback.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.jclouds.blobstore.BlobStore;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.LocalRestoreJob;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestTools;

/**
 * Part 3's fetch alone, against {@code curl | sha256sum}, without an etcd to fill: a synthetic snapshot of
 * {@code bench.fetch-mib} MiB (Kubernetes objects as {@link EtcdFill} puts them, end to end, then etcd's
 * 32-byte trailing SHA-256), stored as is and zstd-encoded in s3proxy (filesystem store) in this JVM, each
 * read through a pre-signed URL from {@link S3SnapshotStore#readUrl}. {@code bench.fetch-runs} rounds; each
 * round runs, in an order that rotates, the stage Job's fetch command ({@link LocalRestoreJob#fetchCommand}: a
 * fresh JVM, all its checks, the file written), {@code curl | sha256sum} and {@code curl | tee file |
 * sha256sum}, each timed from process start to exit. Medians, with the load average at each run, since the
 * machine may be shared. Writes {@code target/benchmarks/fetch.md} and {@code fetch.json}.
 */
final class FetchBenchmark {

    private static final String BUCKET = "bench";
    private static final long MIB = 1L << 20;

    private FetchBenchmark() {
    }

    static void run(Path work) throws Exception {
        long mib = Long.getLong("bench.fetch-mib", 1024);
        int rounds = Integer.getInteger("bench.fetch-runs", 5);
        Path dir = work.resolve("fetch").toAbsolutePath();
        TestTools.deleteRecursively(dir);
        Files.createDirectories(dir);
        String noCurl = CurlComparator.unavailable();
        if (noCurl != null) {
            System.out.println(noCurl);
        }
        Path plain = dir.resolve("object-none");
        long snapshotBytes = writeSnapshot(plain, mib * MIB);
        Path encoded = dir.resolve("object-zstd");
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(encoded), 1 << 20);
                OutputStream zstd = SnapshotCompression.zstd.encoder(file)) {
            Files.copy(plain, zstd);
        }
        Map<String, Object> results = new LinkedHashMap<>();
        try (S3Server s3 = SnapshotBenchmark.s3Server("filesystem", dir.resolve("s3"))) {
            s3.createBucket(BUCKET);
            S3SnapshotStore store = new S3SnapshotStore(s3.client(), s3.presigner(), BUCKET, Optional.empty(), 8 << 20);
            for (SnapshotCompression compression : SnapshotCompression.values()) {
                Path object = compression == SnapshotCompression.none ? plain : encoded;
                String sha256 = sha256(object);
                BlobStore blobs = s3.blobStore();
                blobs.putBlob(BUCKET, blobs.blobBuilder(compression.name()).payload(object.toFile())
                        .contentLength(Files.size(object)).build());
                String url = store.readUrl(compression.name(), Duration.ofHours(1)).toString();
                Files.delete(object); // stored: the copy in s3proxy's directory is what is read
                List<Map<String, Object>> runs = new ArrayList<>();
                Files.createDirectories(dir.resolve("work"));
                for (int round = 0; round < rounds; round++) {
                    Map<String, Object> run = new LinkedHashMap<>();
                    run.put("loadAverage", Machine.loadAverage());
                    int kinds = compression == SnapshotCompression.zstd && noCurl == null ? 4 : 3;
                    for (int k = 0; k < kinds; k++) {
                        switch ((round + k) % kinds) {
                            case 0 -> run.put("fetch", fetch(url, sha256, compression, snapshotBytes, dir));
                            case 1 -> run.put("curl", noCurl != null ? null : CurlComparator.run(url, sha256, null));
                            case 2 -> run.put("curlTee", noCurl != null ? null : CurlComparator.run(url, sha256,
                                    dir.resolve("work").resolve("curl.db")));
                            default -> run.put("curlZstd", CurlComparator.decoding(url, sha256,
                                    dir.resolve("work").resolve("curl.db")));
                        }
                    }
                    runs.add(run);
                    System.out.printf(Locale.ROOT, "  %s round %d (load %s): fetch %.2f s (in its JVM %.2f s), curl %s s,"
                            + " curl | tee %s s%n", compression, round + 1, run.get("loadAverage"),
                            seconds(run, "fetch", "seconds"), seconds(run, "fetch", "inJvmSeconds"),
                            noCurl != null ? "-" : String.format(Locale.ROOT, "%.2f", seconds(run, "curl", "seconds")),
                            noCurl != null ? "-" : String.format(Locale.ROOT, "%.2f", seconds(run, "curlTee", "seconds")));
                }
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("storedBytes", s3.blobStore().blobMetadata(BUCKET, compression.name()).getSize());
                result.put("snapshotBytes", snapshotBytes);
                result.put("runs", runs);
                results.put(compression.name(), result);
                s3.blobStore().removeBlob(BUCKET, compression.name());
            }
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("machine", Machine.facts());
        raw.put("settings", Map.of("fetchMib", mib, "rounds", rounds, "fetchCommand",
                LocalRestoreJob.fetchCommand(List.of("<url>", "<sha256>", "<file>", "<compression>", "<bytes>", "<data dir>"))));
        raw.put("results", results);
        HostedClusters.JSON.writerWithDefaultPrettyPrinter().writeValue(work.resolve("fetch.json").toFile(), raw);
        String report = report(mib, rounds, noCurl, results);
        Files.writeString(work.resolve("fetch.md"), report);
        System.out.println("\n" + report + "\nwritten to " + work.resolve("fetch.md"));
        TestTools.deleteRecursively(dir);
    }

    /**
     * The stage Job's fetch container on this machine: its command with this JVM and class path, into
     * {@code dir/work}, the member's data dir {@code dir/data}. Timed from process start to exit, and inside its JVM
     * from its {@code stage=fetch} line to its {@code stage=verified} line; the file is removed after.
     */
    static Map<String, Object> fetch(String url, String sha256, SnapshotCompression compression, long snapshotBytes,
            Path dir) throws IOException, InterruptedException {
        Path work = dir.resolve("work");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path file = work.resolve("snapshot.db");
        List<String> command = LocalRestoreJob.fetchCommand(List.of(url, sha256, file.toString(), compression.name(),
                Long.toString(snapshotBytes), data.toString()));
        double cpu = Machine.reapedChildrenCpuSeconds(ProcessHandle.current().pid());
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        long fetching = 0;
        long verified = 0;
        StringBuilder output = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null;) {
                fetching = line.startsWith("stage=fetch") ? System.nanoTime() : fetching;
                verified = line.startsWith("stage=verified") ? System.nanoTime() : verified;
                output.append(line).append('\n');
            }
        }
        int exit = process.waitFor();
        long end = System.nanoTime();
        if (exit != 0 || verified == 0 || Files.size(file) != snapshotBytes) {
            throw new IllegalStateException("the fetch exited " + exit + ":\n" + output);
        }
        Files.delete(file);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("seconds", (end - start) / 1e9);
        run.put("inJvmSeconds", (verified - fetching) / 1e9);
        run.put("startSeconds", (fetching - start) / 1e9);
        run.put("cpuSeconds", Machine.reapedChildrenCpuSeconds(ProcessHandle.current().pid()) - cpu);
        return run;
    }

    /**
     * Writes a synthetic etcd snapshot of at least {@code bytes}: values of {@link KubernetesObjects} end to end (the
     * content compresses as a filled etcd's does), then the SHA-256 of all that, as etcd appends it. Returns its size.
     */
    private static long writeSnapshot(Path file, long bytes) throws IOException {
        MessageDigest digest = sha256Digest();
        KubernetesObjects objects = new KubernetesObjects(new Random(7));
        long written = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            byte[] page = new byte[4096];
            page[0] = 0; // a bbolt file starts with a page id, never with '<'
            out.write(page);
            digest.update(page);
            written += page.length;
            while (written < bytes) {
                byte[] value = objects.next().value();
                out.write(value);
                digest.update(value);
                written += value.length;
            }
            out.write(digest.digest());
        }
        return written + 32;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256Digest();
        byte[] buffer = new byte[1 << 20];
        try (var in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String report(long mib, int rounds, String noCurl, Map<String, Object> results) {
        StringBuilder out = new StringBuilder("# Fetch against curl | sha256sum\n\n").append(Machine.describe())
                .append(String.format(Locale.ROOT, "%nA synthetic etcd snapshot of %d MiB (Kubernetes objects and etcd's"
                        + " trailing SHA-256) in s3proxy (filesystem store, in the benchmark's JVM), read through a pre-signed"
                        + " URL. Median of %d rounds, each running in a rotating order the stage Job's fetch command (a fresh"
                        + " JVM: download, SHA-256 of the stored object, zstd decoded with etcd's trailing hash checked, free"
                        + " space measured twice, the file written and renamed), curl | sha256sum and curl | tee <file on the"
                        + " same disk> | sha256sum, each from process start to exit. Target: the fetch within %.1fx of"
                        + " curl | sha256sum.%n%n", mib, rounds, CurlComparator.TARGET));
        if (noCurl != null) {
            out.append(noCurl).append("\n\n");
        }
        out.append("| stored as | stored MiB | fetch s | fetch in its JVM s | fetch CPU s | curl \\| sha256sum s |"
                + " curl \\| tee \\| sha256sum s | fetch / curl (target <= 1.2x) | fetch / curl with tee | load average"
                + " (1 min) over the rounds | curl \\| sha256sum CPU s |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
        for (var entry : results.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> result = (Map<String, Object>) entry.getValue();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> runs = (List<Map<String, Object>>) result.get("runs");
            double fetch = median(runs, "fetch", "seconds");
            String loads = String.join(", ", runs.stream().map(r -> ((String) r.get("loadAverage")).split(" ")[0]).toList());
            if (noCurl != null) {
                out.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f | - | - | - | - | %s | - |%n",
                        entry.getKey(), ((Number) result.get("storedBytes")).doubleValue() / MIB, fetch,
                        median(runs, "fetch", "inJvmSeconds"), median(runs, "fetch", "cpuSeconds"), loads));
                continue;
            }
            double curl = median(runs, "curl", "seconds");
            double tee = median(runs, "curlTee", "seconds");
            out.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %.2fx | %s | %.2f |%n",
                    entry.getKey(), ((Number) result.get("storedBytes")).doubleValue() / MIB, fetch,
                    median(runs, "fetch", "inJvmSeconds"), median(runs, "fetch", "cpuSeconds"), curl, tee,
                    CurlComparator.verdict(fetch, curl), fetch / tee, loads, median(runs, "curl", "cpuSeconds")));
        }
        for (var entry : results.entrySet()) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> runs = (List<Map<String, Object>>) ((Map<String, Object>) entry.getValue()).get("runs");
            if (runs.get(0).get("curlZstd") != null) {
                double shell = median(runs, "curlZstd", "seconds");
                out.append(String.format(Locale.ROOT, "%nThe zstd fetch's whole work in shell tools (curl | tee >(sha256sum)"
                        + " | zstd -dc | tee <file> | sha256sum): %.2f s; the fetch is %.2fx of it.%n", shell,
                        median(runs, "fetch", "seconds") / shell));
            }
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static double seconds(Map<String, Object> run, String what, String figure) {
        return ((Number) ((Map<String, Object>) run.get(what)).get(figure)).doubleValue();
    }

    private static double median(List<Map<String, Object>> runs, String what, String figure) {
        List<Double> values = runs.stream().map(r -> seconds(r, what, figure)).sorted().toList();
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }
}
