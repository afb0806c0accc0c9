package dev.hcprollback.bench;

import static dev.hcprollback.testing.HostedClusters.tag;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;

/**
 * Part 4: the packaged sidecar on a management cluster of {@code bench.clusters} HostedClusters (default
 * 1,000) with {@code bench.snapshots-per-cluster} verified ControlPlaneSnapshots each (default 3): time from
 * process start to ready, resident memory and heap, how long the start-up reconciliation keeps the sidecar
 * busy, then the admission figures of part 1 ({@link AdmissionRun}). For comparison, the same start on a
 * management cluster holding only the benchmark's own snapshot. Scheduled snapshots are off
 * ({@code hcp-rollback.snapshot.schedule-enabled=false}) and every snapshot is Succeeded and verified, so no
 * controller tries to reach the fake clusters' etcd.
 *
 * <p>Writes {@code target/benchmarks/scale.md}, {@code scale.json} and {@code scale-admission.csv}.
 */
public final class ScaleBenchmark {

    private static final Duration SETTLE_LIMIT = Duration.ofMinutes(10);

    private ScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(Path.of("target", "benchmarks"));
        System.exit(0);
    }

    static void run(Path work) throws Exception {
        int clusters = Integer.getInteger("bench.clusters", 1000);
        int perCluster = Integer.getInteger("bench.snapshots-per-cluster", 3);
        AdmissionRun.Settings settings = AdmissionRun.Settings.fromSystemProperties();
        Map<String, String> config = new HashMap<>(AdmissionRun.SIDECAR_CONFIG);
        config.put("hcp-rollback.snapshot.schedule-enabled", "false");
        Path dir = work.resolve("scale");
        Files.createDirectories(dir);
        String machine = Machine.describe();

        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("machine", Machine.facts());
        raw.put("clusters", clusters);
        raw.put("snapshotsPerCluster", perCluster);

        try (SimulatedManagementCluster empty = SimulatedManagementCluster.start(dir.resolve("empty"))) {
            AdmissionRun.seed(empty);
            Map<String, Object> start = startAndSettle(empty, config);
            raw.put("empty", start);
        }
        Map<AdmissionRun.Scenario, List<LoadGenerator.Result>> admission;
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(dir.resolve("populated"))) {
            AdmissionRun.seed(management);
            long seeding = System.nanoTime();
            populate(management, clusters, perCluster);
            raw.put("populateSeconds", (System.nanoTime() - seeding) / 1e9);
            Map<String, Object> start = startAndSettle(management, config);
            raw.put("populated", start);
            SidecarProcess sidecar = (SidecarProcess) start.remove("process");
            admission = AdmissionRun.measure(management, sidecar, settings);
            Machine.Memory after = Machine.memory(sidecar.pid());
            start.put("afterAdmissionVmRssKib", after.rssKib());
            start.put("afterAdmissionVmHwmKib", after.hwmKib());
            start.put("afterAdmissionHeapUsedBytes", scrape(sidecar, start, "afterAdmission"));
        }
        ((Map<?, ?>) raw.get("empty")).remove("process");
        HostedClusters.JSON.writerWithDefaultPrettyPrinter().writeValue(work.resolve("scale.json").toFile(), raw);
        AdmissionRun.writeCsv(work.resolve("scale-admission.csv"), "scale", admission);
        String report = report(machine, settings, raw, admission);
        Files.writeString(work.resolve("scale.md"), report);
        System.out.println("\n" + report + "\nwritten to " + work.resolve("scale.md"));
    }

    /** HostedClusters on 4.18.6 with verified snapshots of 4.18.6, 4.18.5, 4.18.4, ..., written in parallel. */
    private static void populate(SimulatedManagementCluster management, int clusters, int perCluster) throws Exception {
        ManagementCluster writer = new ManagementCluster(management.client());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> writes = new ArrayList<>();
            Instant now = Instant.now();
            for (int c = 0; c < clusters; c++) {
                String name = String.format(Locale.ROOT, "hc-%04d", c);
                writes.add(pool.submit(() -> {
                    management.client().resource(HostedClusters.onSixAfterFive(name).model()).create();
                    for (int s = 0; s < perCluster; s++) {
                        String version = "4.18." + (6 - s);
                        writer.record(AdmissionRun.finalized(ManagementCluster.verifiedSnapshot(name + "-"
                                + version.replace('.', '-'), name, version, tag(version), null,
                                now.minus(Duration.ofHours(1 + 24L * s)))));
                    }
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Starts the sidecar; ready is the first answer of its readiness check with the webhook up (polled every
     * 250 ms); then waits until its CPU use stays under 5% of one core for 2 s (the start-up reconciliation is over).
     */
    private static Map<String, Object> startAndSettle(SimulatedManagementCluster management, Map<String, String> config)
            throws Exception {
        SidecarProcess sidecar = management.startSidecar(config);
        Instant ready = Instant.now();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("startToReadySeconds", sidecar.startedAt().map(s -> Duration.between(s, ready).toMillis() / 1000.0)
                .orElse(Double.NaN));
        Machine.Memory atReady = Machine.memory(sidecar.pid());
        figures.put("readyVmRssKib", atReady.rssKib());
        figures.put("readyVmHwmKib", atReady.hwmKib());
        figures.put("readyCpuSeconds", Machine.cpuSeconds(sidecar.pid()));
        long settleStart = System.nanoTime();
        double previous = Machine.cpuSeconds(sidecar.pid());
        boolean settled = false;
        while (System.nanoTime() - settleStart < SETTLE_LIMIT.toNanos()) {
            Thread.sleep(2000);
            double now = Machine.cpuSeconds(sidecar.pid());
            if (now - previous < 0.1) {
                settled = true;
                break;
            }
            previous = now;
        }
        figures.put("settledAfterReadySeconds", settled ? (System.nanoTime() - settleStart) / 1e9 : Double.NaN);
        figures.put("settledCpuSeconds", Machine.cpuSeconds(sidecar.pid()));
        Machine.Memory settledMemory = Machine.memory(sidecar.pid());
        figures.put("settledVmRssKib", settledMemory.rssKib());
        figures.put("settledVmHwmKib", settledMemory.hwmKib());
        figures.put("settledHeapUsedBytes", scrape(sidecar, figures, "settled"));
        figures.put("sidecarLogErrors", Files.readAllLines(sidecar.log()).stream().filter(l -> l.contains(" ERROR ")).count());
        figures.put("process", sidecar);
        return figures;
    }

    /**
     * Scrapes the sidecar's /metrics once: the sum of jvm_memory_used_bytes over its heap pools (-1 when the scrape
     * fails), and the size of the scrape (bytes, series) into {@code figures} under {@code prefix}.
     */
    private static long scrape(SidecarProcess sidecar, Map<String, Object> figures, String prefix) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + sidecar.managementPort + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            figures.put(prefix + "MetricsStatus", response.statusCode());
            if (response.statusCode() != 200) {
                return -1;
            }
            String metrics = response.body();
            figures.put(prefix + "MetricsBytes", metrics.length());
            figures.put(prefix + "MetricsSeries", metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count());
            return (long) metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes") && l.contains("area=\"heap\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (Exception e) {
            figures.put(prefix + "MetricsStatus", e.toString());
            return -1;
        }
    }

    private static String report(String machine, AdmissionRun.Settings settings, Map<String, Object> raw,
            Map<AdmissionRun.Scenario, List<LoadGenerator.Result>> admission) {
        StringBuilder out = new StringBuilder("# Scale: a management cluster of ").append(raw.get("clusters"))
                .append(" HostedClusters\n\n").append(machine).append(String.format(Locale.ROOT,
                        "%n%s HostedClusters with %s verified ControlPlaneSnapshots each in the in-process API server (written in"
                                + " %.1f s), scheduled snapshots off, every snapshot Succeeded, verified and carrying the controller's finalizer (a"
                                + " sidecar restarting on a cluster it ran on before); the sidecar runs with -Xmx256m as its own"
                                + " process. VmHWM is the peak up to the end of the admission measurement.%n%n",
                        raw.get("clusters"), raw.get("snapshotsPerCluster"), number(raw, "populateSeconds")));
        out.append("| management cluster | start to ready s | VmRSS at ready | busy after ready s | CPU s until settled |"
                + " VmRSS settled | VmHWM | heap used settled | /metrics settled | errors in its log |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
        for (String which : List.of("empty", "populated")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> f = (Map<String, Object>) raw.get(which);
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.0f MiB | %.1f | %.1f | %.0f MiB | %.0f MiB | %.0f MiB | %s | %.0f |%n",
                    which.equals("empty") ? "1 snapshot, no HostedCluster" : raw.get("clusters") + " clusters",
                    number(f, "startToReadySeconds"), number(f, "readyVmRssKib") / 1024,
                    number(f, "settledAfterReadySeconds"), number(f, "settledCpuSeconds"), number(f, "settledVmRssKib") / 1024,
                    Math.max(number(f, "settledVmHwmKib"), f.containsKey("afterAdmissionVmHwmKib")
                            ? number(f, "afterAdmissionVmHwmKib") : 0) / 1024,
                    number(f, "settledHeapUsedBytes") < 0 ? Double.NaN : number(f, "settledHeapUsedBytes") / (1 << 20),
                    Integer.valueOf(200).equals(f.get("settledMetricsStatus"))
                            ? String.format(Locale.ROOT, "%.0f series, %.1f MiB", number(f, "settledMetricsSeries"),
                                    number(f, "settledMetricsBytes") / (1 << 20))
                            : "failed: " + f.get("settledMetricsStatus"),
                    number(f, "sidecarLogErrors")));
        }
        out.append("\nAdmission with the populated caches, after the start-up reconciliation settled:\n\n")
                .append(AdmissionRun.header(settings)).append(AdmissionRun.table(admission))
                .append(AdmissionRun.verdict(admission));
        return out.toString();
    }

    private static double number(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
