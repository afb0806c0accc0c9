package dev.hcprollback.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;

import com.fasterxml.jackson.core.type.TypeReference;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.testing.EtcdProcess;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestPki;
import dev.hcprollback.testing.TestTools;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;

/**
 * Parts 2 and 3: a real etcd 3.5 (TLS, client certificates) grown to two database sizes; at each, in
 * alternating order and {@code bench.repeat} times, {@code etcdctl snapshot save} to local disk against the
 * project's snapshot (SnapshotTaker: EtcdSnapshotStreamer into S3SnapshotStore on the s3proxy test server,
 * read back and verified) in a child JVM with a fixed heap; then the restore command of a rollback Job on
 * the last snapshot: download through the store's read URL, SHA-256 check, {@code etcdutl snapshot restore}.
 *
 * <p>Options: {@code -Dbench.db-mib=1024} (the large size), {@code -Dbench.db-small-mib} (default a quarter of
 * it), {@code -Dbench.repeat=3}, {@code -Dbench.snapshot-xmx=256m} (the sidecar's own -Xmx),
 * {@code -Dbench.part-size=8388608} (the production default), {@code -Dbench.s3-store=filesystem|transient}.
 * Writes {@code target/benchmarks/snapshot.md} and {@code snapshot.json}.
 */
public final class SnapshotBenchmark {

    private static final String BUCKET = "bench";
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long BUMP_REVISION = 1_000_000_000L;

    private SnapshotBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(Path.of("target", "benchmarks"));
        System.exit(0);
    }

    static void run(Path work) throws Exception {
        long largeMib = Long.getLong("bench.db-mib", 1024);
        long smallMib = Long.getLong("bench.db-small-mib", 0);
        if (smallMib <= 0) {
            smallMib = Math.max(16, largeMib / 4);
        }
        int repeat = Integer.getInteger("bench.repeat", 3);
        String xmx = System.getProperty("bench.snapshot-xmx", "256m");
        int partSize = Integer.getInteger("bench.part-size", 8 * 1024 * 1024);
        String s3Kind = System.getProperty("bench.s3-store", "filesystem");
        Path dir = work.resolve("snapshot").toAbsolutePath();
        TestTools.deleteRecursively(dir);
        Files.createDirectories(dir);
        String machine = Machine.describe();
        ProductionLogging.applyToThisJvm();
        ProductionLogging.requireInThisJvm("the snapshot benchmark's JVM (s3proxy)");

        TestPki pki = new TestPki();
        long quota = (2 * largeMib + 1024) * MIB;
        List<Map<String, Object>> sizes = new ArrayList<>();
        try (EtcdProcess etcd = EtcdProcess.startTls(dir.resolve("etcd"), pki, "--quota-backend-bytes", Long.toString(quota));
                S3Server s3 = s3Server(s3Kind, dir.resolve("s3"));
                EtcdFill fill = new EtcdFill(etcd, 4)) {
            s3.createBucket(BUCKET);
            Path pem = dir.resolve("etcd").resolve("pki");
            S3SnapshotStore store = new S3SnapshotStore(s3.client(), s3.presigner(), BUCKET, Optional.empty(), partSize);
            for (long mib : List.of(smallMib, largeMib)) {
                Map<String, Object> size = new LinkedHashMap<>();
                long fillStart = System.nanoTime();
                long dbBytes = fill.growTo(mib * MIB, 16);
                size.put("targetMib", mib);
                size.put("dbSizeBytes", dbBytes);
                size.put("keys", fill.keys());
                size.put("fillSeconds", (System.nanoTime() - fillStart) / 1e9);
                System.out.printf(Locale.ROOT, "etcd database: %d bytes (%.0f MiB) in %d keys%n", dbBytes,
                        dbBytes / (double) MIB, fill.keys());
                List<Map<String, Object>> etcdctl = new ArrayList<>();
                List<Map<String, Object>> serial = new ArrayList<>();
                List<Map<String, Object>> project = new ArrayList<>();
                List<Map<String, Object>> zstd = new ArrayList<>();
                for (int i = 0; i < repeat; i++) {
                    etcdctl.add(etcdctl(etcd, pem, dir.resolve("etcdctl.db")));
                    serial.add(serial(etcd, pem, s3, partSize, xmx, dir, mib + "-" + i));
                    project.add(project(etcd, pem, s3, partSize, xmx, dir, mib + "-" + i, "take"));
                    zstd.add(project(etcd, pem, s3, partSize, xmx, dir, mib + "-zstd-" + i, "take-zstd"));
                    System.out.printf(Locale.ROOT, "  etcdctl %.1f MiB/s, etcdctl then upload %.1f MiB/s, project %.1f MiB/s"
                            + " (until uploaded %.1f MiB/s), zstd %.1f MiB/s (ratio %.2f)%n",
                            (double) etcdctl.get(i).get("mibPerSecond"), (double) serial.get(i).get("mibPerSecond"),
                            (double) project.get(i).get("mibPerSecond"), (double) project.get(i).get("streamMibPerSecond"),
                            (double) zstd.get(i).get("mibPerSecond"), (double) zstd.get(i).get("ratio"));
                    if (i < repeat - 1) {
                        store.delete((String) project.get(i).get("key"));
                        store.delete((String) zstd.get(i).get("key"));
                    }
                }
                // the streamer alone: etcd into the JVM, TLS, gRPC and the hashes, into a discarding stream
                size.put("streamOnly", child(etcd, pem, s3, partSize, xmx, dir, mib + "-stream-only", "stream-only"));
                size.put("etcdctl", etcdctl);
                size.put("serial", serial);
                size.put("project", project);
                size.put("zstd", zstd);
                Map<String, Object> restores = new LinkedHashMap<>();
                for (var taken : List.of(project.get(project.size() - 1), zstd.get(zstd.size() - 1))) {
                    SnapshotCompression compression = SnapshotCompression.valueOf((String) taken.get("compression"));
                    restores.put(compression.name(), restore(store, (String) taken.get("key"), (String) taken.get("sha256"),
                            compression, ((Number) taken.get("etcdBytes")).longValue(), fill.keys(), dir));
                    store.delete((String) taken.get("key"));
                }
                size.put("restore", restores);
                sizes.add(size);
            }
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("machine", Machine.facts());
        raw.put("settings", Map.of("repeat", repeat, "childXmx", xmx, "partSizeBytes", partSize, "s3Store", s3Kind,
                "quotaBackendBytes", quota, "bumpRevision", BUMP_REVISION));
        raw.put("sizes", sizes);
        HostedClusters.JSON.writerWithDefaultPrettyPrinter().writeValue(work.resolve("snapshot.json").toFile(), raw);
        String report = report(machine, repeat, xmx, partSize, s3Kind, sizes);
        Files.writeString(work.resolve("snapshot.md"), report);
        System.out.println("\n" + report + "\nwritten to " + work.resolve("snapshot.md"));
    }

    static S3Server s3Server(String kind, Path dir) throws IOException {
        if ("transient".equals(kind)) {
            return new S3Server();
        }
        Files.createDirectories(dir);
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, dir.toString());
        return new S3Server(ContextBuilder.newBuilder("filesystem").overrides(properties)
                .credentials("identity", "credential").build(BlobStoreContext.class));
    }

    /** {@code etcdctl snapshot save} to local disk, timed from process start to exit. */
    private static Map<String, Object> etcdctl(EtcdProcess etcd, Path pem, Path file) throws Exception {
        return etcdctl(etcd, pem, file, true);
    }

    private static Map<String, Object> etcdctl(EtcdProcess etcd, Path pem, Path file, boolean delete) throws Exception {
        Files.deleteIfExists(file);
        ProcessBuilder builder = new ProcessBuilder(TestTools.etcdBin("etcdctl").toString(), "--endpoints",
                etcd.endpoint(), "--cacert", pem.resolve("ca.crt").toString(), "--cert", pem.resolve("client.crt").toString(),
                "--key", pem.resolve("client.key").toString(), "snapshot", "save", file.toString());
        builder.environment().put("ETCDCTL_API", "3");
        builder.redirectErrorStream(true);
        double etcdCpu = Machine.cpuSeconds(etcd.pid());
        double childrenCpu = Machine.reapedChildrenCpuSeconds(ProcessHandle.current().pid());
        long start = System.nanoTime();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        double etcdctlCpu = Machine.reapedChildrenCpuSeconds(ProcessHandle.current().pid()) - childrenCpu;
        etcdCpu = Machine.cpuSeconds(etcd.pid()) - etcdCpu;
        if (exit != 0) {
            throw new IllegalStateException("etcdctl snapshot save exited " + exit + ": " + output);
        }
        long bytes = Files.size(file);
        if (delete) {
            Files.delete(file);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("bytes", bytes);
        run.put("seconds", seconds);
        run.put("mibPerSecond", bytes / (double) MIB / seconds);
        run.put("cpuSeconds", etcdctlCpu);
        run.put("etcdCpuSeconds", etcdCpu);
        return run;
    }

    private static double ownCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /**
     * The project's snapshot in a child JVM ({@code take}, or {@code take-zstd} compressed); its figures come back
     * as JSON. Throughputs are of the etcd snapshot (uncompressed) bytes, so that none and zstd compare.
     */
    private static Map<String, Object> project(EtcdProcess etcd, Path pem, S3Server s3, int partSize, String xmx, Path dir,
            String label, String mode) throws Exception {
        Map<String, Object> run = child(etcd, pem, s3, partSize, xmx, dir, label, mode);
        double bytes = ((Number) run.get("etcdBytes")).doubleValue();
        run.put("streamMibPerSecond", bytes / MIB / ((Number) run.get("streamSeconds")).doubleValue());
        run.put("coldMibPerSecond", bytes / MIB / ((Number) run.get("coldTotalSeconds")).doubleValue());
        run.put("ratio", bytes / ((Number) run.get("bytes")).doubleValue());
        return run;
    }

    /**
     * The serial path a user would script, measured: {@code etcdctl snapshot save} to local disk, then that file
     * uploaded through the same S3 client and store at the same part size (second pass of a child JVM: no JVM
     * start-up counted against it).
     */
    private static Map<String, Object> serial(EtcdProcess etcd, Path pem, S3Server s3, int partSize, String xmx, Path dir,
            String label) throws Exception {
        Path file = dir.resolve("serial.db");
        Map<String, Object> saved = etcdctl(etcd, pem, file, false);
        Map<String, Object> upload = child(etcd, pem, s3, partSize, xmx, dir, label + "-upload-only", file.toString());
        Files.delete(file);
        double seconds = number(saved, "seconds") + number(upload, "totalSeconds");
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("bytes", saved.get("bytes"));
        run.put("etcdctlSeconds", saved.get("seconds"));
        run.put("uploadSeconds", upload.get("totalSeconds"));
        run.put("seconds", seconds);
        run.put("mibPerSecond", number(saved, "bytes") / MIB / seconds);
        run.put("etcdctl", saved);
        run.put("upload", upload);
        return run;
    }

    private static Map<String, Object> child(EtcdProcess etcd, Path pem, S3Server s3, int partSize, String xmx, Path dir,
            String label, String mode) throws Exception {
        Path figures = dir.resolve("project-" + label + ".json");
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx" + xmx,
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Xlog:gc:file=" + dir.resolve("project-" + label + "-gc.log"), "-Dslf4j.internal.verbosity=ERROR",
                "-cp", System.getProperty("java.class.path"), SnapshotChild.class.getName(), etcd.endpoint(), pem.toString(),
                s3.endpoint().toString(), BUCKET, Integer.toString(partSize), figures.toString(), mode);
        ProductionLogging.requireInThisJvm("the snapshot benchmark's JVM (s3proxy)");
        long start = System.nanoTime();
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        // CPU the others spend during the measured pass: s3proxy (this JVM; the benchmark itself only waits) and etcd
        StringBuilder output = new StringBuilder();
        double[] others = new double[4];
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null;) {
                output.append(line).append('\n');
                if (line.equals("pass=warm start")) {
                    others[0] = ownCpuSeconds();
                    others[1] = Machine.cpuSeconds(etcd.pid());
                } else if (line.equals("pass=warm end")) {
                    others[2] = ownCpuSeconds() - others[0];
                    others[3] = Machine.cpuSeconds(etcd.pid()) - others[1];
                }
            }
        }
        Files.writeString(dir.resolve("project-" + label + ".log"), output);
        if (!child.waitFor(2, TimeUnit.HOURS) || child.exitValue() != 0) {
            child.destroyForcibly();
            throw new IllegalStateException("the snapshot JVM failed; its output: " + output);
        }
        double processSeconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> run = HostedClusters.JSON.readValue(figures.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
        });
        double bytes = ((Number) run.get("bytes")).doubleValue();
        run.put("childProcessSeconds", processSeconds);
        run.put("s3ServerCpuSeconds", others[2]);
        run.put("etcdCpuSeconds", others[3]);
        double snapshotBytes = run.containsKey("etcdBytes") ? ((Number) run.get("etcdBytes")).doubleValue() : bytes;
        run.put("mibPerSecond", snapshotBytes / MIB / ((Number) run.get("totalSeconds")).doubleValue());
        return run;
    }

    /** The restore command on the snapshot, timed per stage; then etcd started on the result as a check. */
    private static Map<String, Object> restore(S3SnapshotStore store, String key, String sha256,
            SnapshotCompression compression, long bytes, long keys, Path dir) throws Exception {
        Path dataDir = dir.resolve("restore").resolve("data");
        String url = store.readUrl(key, Duration.ofHours(1)).toString();
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", RestoreCommand.script()).redirectErrorStream(true);
        // the peer URL is only written into the restored data; the check starts etcd on ports of its own
        builder.environment().putAll(RestoreCommand.environment("http://127.0.0.1:2380", url, sha256, compression,
                bytes, BUMP_REVISION, dataDir, dir.resolve("restore").resolve("work")));
        builder.environment().put("PATH", TestTools.etcdBin("etcdutl").getParent() + ":" + System.getenv("PATH"));
        Map<String, Long> stages = new LinkedHashMap<>();
        StringBuilder output = new StringBuilder();
        long start = System.nanoTime();
        Process process = builder.start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null;) {
                if (line.startsWith("stage=")) {
                    stages.put(line.substring(6).split(" ")[0], System.nanoTime()); // "stage=verified <bytes> ..." too
                }
                output.append(line).append('\n');
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || !stages.containsKey("done")) {
            throw new IllegalStateException("the restore exited " + exit + ":\n" + output);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("bytes", bytes);
        // the fetch container hashes while it streams: download and SHA-256 are one figure
        run.put("fetchSeconds", (stages.get("verified") - stages.get("fetch")) / 1e9);
        run.put("toolCheckSeconds", (stages.get("restore") - stages.get("verified")) / 1e9);
        run.put("restoreSeconds", (stages.get("done") - stages.get("restore")) / 1e9);
        double total = (stages.get("done") - start) / 1e9;
        run.put("totalSeconds", total);
        run.put("secondsPerGib", total / (bytes / (double) GIB));
        run.put("check", check(dir.resolve("restore").resolve("etcd"), dataDir, keys));
        return run;
    }

    /** Starts etcd on the restored data: every filled key is there, and the revision was bumped. */
    private static String check(Path dir, Path dataDir, long keys) {
        try (EtcdProcess restored = EtcdProcess.startPlain(dir, dataDir); Client client = restored.client()) {
            var response = client.getKVClient().get(EtcdProcess.bytes(EtcdFill.PREFIX),
                    GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(1, TimeUnit.MINUTES);
            long count = response.getCount();
            long revision = response.getHeader().getRevision();
            boolean ok = count == keys && revision >= BUMP_REVISION;
            return (ok ? "ok" : "FAILED") + ": " + count + " of " + keys + " keys, revision " + revision;
        } catch (Exception e) {
            return "FAILED: " + e;
        } finally {
            TestTools.deleteRecursively(dataDir);
        }
    }

    private static String report(String machine, int repeat, String xmx, int partSize, String s3Kind,
            List<Map<String, Object>> sizes) {
        StringBuilder out = new StringBuilder("# Snapshot and restore\n\n").append(machine).append(String.format(Locale.ROOT,
                "%nMedian of %d runs per size, in this order each time: etcdctl to disk; etcdctl to disk then an upload of"
                        + " that file (the serial path); the project's snapshot uncompressed; the project's snapshot with zstd."
                        + " The project's snapshot runs in a child JVM (-Xmx%s, root log level INFO, checked) that takes two"
                        + " snapshots, the first (cold: class loading, TLS set-up, JIT) and the second (measured, as in a"
                        + " running sidecar); %d MiB parts, up to %d in flight, into s3proxy (%s store) in the benchmark's JVM"
                        + " (root log level INFO, checked). End to end includes the read-back and SHA-256 verification of the"
                        + " stored object and the manifest; 'until uploaded' stops when the multi-part upload completed."
                        + " Throughputs are MiB of etcd snapshot (uncompressed) per second. etcd, etcdctl/the child JVM,"
                        + " s3proxy and the benchmark share the machine.%n%n",
                repeat, xmx, partSize / MIB, dev.hcprollback.storage.Upload.DEFAULT_PARTS_IN_FLIGHT, s3Kind));
        out.append("| snapshot (etcd) | etcdctl to disk | etcdctl then upload | project, until uploaded | project end to end"
                + " (read back, verified) | project zstd end to end | zstd ratio | streamer alone |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Map<String, Object> size : sizes) {
            out.append(String.format(Locale.ROOT, "| %.0f MiB | %.1f MiB/s | %.1f MiB/s | %.1f MiB/s | %.1f MiB/s | %.1f MiB/s"
                    + " | %.2f | %.1f MiB/s |%n", snapshotMib(size), median(size, "etcdctl", "mibPerSecond"),
                    median(size, "serial", "mibPerSecond"), median(size, "project", "streamMibPerSecond"),
                    median(size, "project", "mibPerSecond"), median(size, "zstd", "mibPerSecond"),
                    median(size, "zstd", "ratio"), number(part(size, "streamOnly"), "mibPerSecond")));
        }
        out.append("\nTargets (ratios within this run):\n\n| snapshot (etcd) | project until uploaded / serial (target"
                + " >= 1.3) | project end to end / serial | zstd end to end / serial | streamer alone / etcdctl (target"
                + " >= 0.9) |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (Map<String, Object> size : sizes) {
            double serial = median(size, "serial", "mibPerSecond");
            double uploaded = median(size, "project", "streamMibPerSecond") / serial;
            double streamer = number(part(size, "streamOnly"), "mibPerSecond") / median(size, "etcdctl", "mibPerSecond");
            out.append(String.format(Locale.ROOT, "| %.0f MiB | %.2fx %s | %.2fx | %.2fx | %.2fx %s |%n", snapshotMib(size),
                    uploaded, uploaded >= 1.3 ? "met" : "missed", median(size, "project", "mibPerSecond") / serial,
                    median(size, "zstd", "mibPerSecond") / serial, streamer, streamer >= 0.9 ? "met" : "missed"));
        }
        out.append("\nMemory of the project's snapshot JVM (largest over its runs at that size, both passes); flat means the"
                + " same at every size:\n\n| snapshot (etcd) | none: peak heap used | none: max heap after GC | none: VmHWM"
                + " | zstd: peak heap used | zstd: max heap after GC | zstd: VmHWM |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Map<String, Object> size : sizes) {
            out.append(String.format(Locale.ROOT, "| %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB |%n",
                    snapshotMib(size), max(size, "project", "peakHeapUsedBytes") / MIB,
                    max(size, "project", "maxHeapAfterGcBytes") / MIB, max(size, "project", "vmHwmKib") / 1024,
                    max(size, "zstd", "peakHeapUsedBytes") / MIB, max(size, "zstd", "maxHeapAfterGcBytes") / MIB,
                    max(size, "zstd", "vmHwmKib") / 1024));
        }
        out.append("\nCPU seconds per GiB of etcd snapshot (median; on 2 cores, at most 2 CPU seconds pass per second):\n\n"
                + "| snapshot (etcd) | etcdctl | etcd serving etcdctl | upload of etcdctl's file (its JVM) | s3proxy during"
                + " that upload | project's JVM, none | s3proxy, none | project's JVM, zstd | s3proxy, zstd |"
                + " streamer alone |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Map<String, Object> size : sizes) {
            double gib = snapshotMib(size) / 1024;
            List<Map<String, Object>> uploads = runs(size, "serial").stream().map(r -> part(r, "upload")).toList();
            out.append(String.format(Locale.ROOT, "| %.0f MiB | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                    snapshotMib(size), median(size, "etcdctl", "cpuSeconds") / gib,
                    median(size, "etcdctl", "etcdCpuSeconds") / gib, medianOf(uploads, "cpuSeconds") / gib,
                    medianOf(uploads, "s3ServerCpuSeconds") / gib, median(size, "project", "cpuSeconds") / gib,
                    median(size, "project", "s3ServerCpuSeconds") / gib, median(size, "zstd", "cpuSeconds") / gib,
                    median(size, "zstd", "s3ServerCpuSeconds") / gib, number(part(size, "streamOnly"), "cpuSeconds") / gib));
        }
        out.append("\nRestore (the rollback Jobs' commands on the last snapshot of each kind: the fetch container's download"
                + " through the read URL with the SHA-256 of the stored object checked while streaming (zstd: decoded on"
                + " the way and etcd's trailing hash checked), then the tool check and etcdutl snapshot restore"
                + " --bump-revision --mark-compacted, then the swap):\n\n| snapshot (etcd) | stored as | fetch and checks s |"
                + " tool check s | etcdutl restore s | total s | s per GiB of snapshot | etcd on the result |\n"
                + "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Map<String, Object> size : sizes) {
            for (var restore : part(size, "restore").entrySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = (Map<String, Object>) restore.getValue();
                out.append(String.format(Locale.ROOT, "| %.0f MiB | %s | %.2f | %.2f | %.2f | %.2f | %.1f | %s |%n",
                        number(r, "bytes") / MIB, restore.getKey(), number(r, "fetchSeconds"), number(r, "toolCheckSeconds"),
                        number(r, "restoreSeconds"), number(r, "totalSeconds"), number(r, "secondsPerGib"), r.get("check")));
            }
        }
        return out.toString();
    }

    private static double snapshotMib(Map<String, Object> size) {
        return median(size, "etcdctl", "bytes") / MIB;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> runs(Map<String, Object> size, String tool) {
        return (List<Map<String, Object>>) size.get(tool);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> part(Map<String, Object> size, String key) {
        return (Map<String, Object>) size.get(key);
    }

    private static double median(Map<String, Object> size, String tool, String figure) {
        return medianOf(runs(size, tool), figure);
    }

    private static double medianOf(List<Map<String, Object>> runs, String figure) {
        List<Double> values = runs.stream().map(r -> number(r, figure)).sorted().toList();
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    private static double max(Map<String, Object> size, String tool, String figure) {
        return runs(size, tool).stream().mapToDouble(r -> number(r, figure)).max().orElse(Double.NaN);
    }

    private static double number(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).doubleValue();
    }
}
