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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.hcprollback.snapshot.SnapshotReconciler;
import dev.hcprollback.snapshot.SnapshotScheduler;
import dev.hcprollback.snapshot.StartupReconciliation;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * Part 4: the packaged sidecar on a management cluster of {@code bench.clusters} HostedClusters (default
 * 1,000) with {@code bench.snapshots-per-cluster} verified ControlPlaneSnapshots each (default 3): time from
 * process start to ready and to the end of its start-up reconciliation (the sidecar's own
 * {@code start-up reconciliation done} line per controller), the API requests it made until then, resident
 * memory and heap, how long the start-up keeps the sidecar busy, then (unless {@code bench.scale-admission} is
 * false) the admission figures of part 1 ({@link AdmissionRun}). For comparison, the same start on a
 * management cluster holding only the benchmark's own snapshot. Scheduled snapshots are off
 * ({@code hcp-rollback.snapshot.schedule-enabled=false}) and every snapshot is Succeeded and verified, so no
 * controller tries to reach the fake clusters' etcd.
 *
 * <p>Writes {@code target/benchmarks/scale.md}, {@code scale.json} and {@code scale-admission.csv}.
 */
public final class ScaleBenchmark {

    private static final Duration SETTLE_LIMIT = Duration.ofMinutes(10);
    /** The controllers whose start-up reconciliation the sidecar reports (StartupReconciliation). */
    static final List<String> CONTROLLERS = List.of(SnapshotScheduler.NAME, SnapshotReconciler.NAME);
    private static final Pattern DONE = Pattern.compile(
            "start-up reconciliation done: controller=(\\S+) objects=(\\d+) seconds=([0-9.]+) since-process-start=([0-9.]+)");
    /** {@code /apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]}, or the same under {@code /api/v1}. */
    private static final Pattern API_PATH = Pattern.compile(
            "/apis?/(?:[^/]+/)?v[^/]+(/namespaces/[^/]+)?/([^/?]+)(/[^/?]+)?(/[^/?]+)?(\\?.*)?");

    private ScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(Path.of("target", "benchmarks"));
        System.exit(0);
    }

    static void run(Path work) throws Exception {
        int clusters = Integer.getInteger("bench.clusters", 1000);
        int perCluster = Integer.getInteger("bench.snapshots-per-cluster", 3);
        boolean withAdmission = Boolean.parseBoolean(System.getProperty("bench.scale-admission", "true"));
        AdmissionRun.Settings settings = AdmissionRun.Settings.fromSystemProperties();
        Map<String, String> config = new HashMap<>(AdmissionRun.SIDECAR_CONFIG);
        config.put("hcp-rollback.snapshot.schedule-enabled", "false");
        // the one line the benchmark waits for, whatever the root level of the measured process
        config.put("quarkus.log.category.\"" + StartupReconciliation.class.getName() + "\".level", "INFO");
        Path dir = work.resolve("scale");
        Files.createDirectories(dir);
        String machine = Machine.describe();

        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("machine", Machine.facts());
        raw.put("clusters", clusters);
        raw.put("snapshotsPerCluster", perCluster);

        try (SimulatedManagementCluster empty = SimulatedManagementCluster.start(dir.resolve("empty"))) {
            AdmissionRun.seed(empty);
            Map<String, Object> start = startAndSettle(empty, config, false);
            raw.put("empty", start);
        }
        AdmissionRun.Measurement admission = null;
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(dir.resolve("populated"))) {
            AdmissionRun.seed(management);
            long seeding = System.nanoTime();
            populate(management, clusters, perCluster);
            raw.put("populateSeconds", (System.nanoTime() - seeding) / 1e9);
            Map<String, Object> start = startAndSettle(management, config, true);
            raw.put("populated", start);
            SidecarProcess sidecar = (SidecarProcess) start.remove("process");
            if (withAdmission) {
                admission = AdmissionRun.measure(management, sidecar, settings);
                Machine.Memory after = Machine.memory(sidecar.pid());
                start.put("afterAdmissionVmRssKib", after.rssKib());
                start.put("afterAdmissionVmHwmKib", after.hwmKib());
                start.put("afterAdmissionHeapUsedBytes", scrape(sidecar, start, "afterAdmission"));
            }
        }
        ((Map<?, ?>) raw.get("empty")).remove("process");
        HostedClusters.JSON.writerWithDefaultPrettyPrinter().writeValue(work.resolve("scale.json").toFile(), raw);
        if (withAdmission) {
            Files.writeString(work.resolve("scale-admission.csv"), AdmissionRun.CSV_HEADER + AdmissionRun.csv("scale", admission));
        }
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
     * 250 ms); reconciled is when every controller of {@link #CONTROLLERS} logged its start-up reconciliation done
     * (its own figure, from the process's start; limit {@link #SETTLE_LIMIT}), with the API requests the sidecar
     * made until then; then waits until its CPU use stays under 5% of one core for 2 s (settled).
     */
    private static Map<String, Object> startAndSettle(SimulatedManagementCluster management, Map<String, String> config,
            boolean populated) throws Exception {
        drain(management);
        SidecarProcess sidecar = management.startSidecar(config);
        Instant ready = Instant.now();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("startToReadySeconds", sidecar.startedAt().map(s -> Duration.between(s, ready).toMillis() / 1000.0)
                .orElse(Double.NaN));
        Machine.Memory atReady = Machine.memory(sidecar.pid());
        figures.put("readyVmRssKib", atReady.rssKib());
        figures.put("readyVmHwmKib", atReady.hwmKib());
        figures.put("readyCpuSeconds", Machine.cpuSeconds(sidecar.pid()));
        Map<String, Map<String, Object>> done = awaitStartupReconciliation(sidecar, populated);
        figures.put("startupReconciliation", done);
        figures.put("startToReconciledSeconds", done.values().stream()
                .mapToDouble(d -> ((Number) d.get("sinceProcessStartSeconds")).doubleValue()).max().orElse(Double.NaN));
        if (populated && done.size() < CONTROLLERS.size()) {
            figures.put("startToReconciledSeconds", Double.NaN);
        }
        figures.put("reconciledCpuSeconds", Machine.cpuSeconds(sidecar.pid()));
        figures.put("startupRequests", drain(management));
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
        figures.put("settledAfterReadySeconds", settled ? Duration.between(ready, Instant.now()).toMillis() / 1000.0
                : Double.NaN);
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
     * Waits for the sidecar's {@code start-up reconciliation done} line of each of {@link #CONTROLLERS}; a controller
     * with nothing to reconcile never writes one, so with {@code expectAll} false it waits only 10 s. Per
     * controller: objects, seconds from its first reconciliation, seconds from the process's start.
     */
    private static Map<String, Map<String, Object>> awaitStartupReconciliation(SidecarProcess sidecar, boolean expectAll)
            throws Exception {
        Map<String, Map<String, Object>> done = new LinkedHashMap<>();
        long deadline = System.nanoTime() + (expectAll ? SETTLE_LIMIT : Duration.ofSeconds(10)).toNanos();
        while (done.size() < CONTROLLERS.size() && System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(sidecar.log())) {
                Matcher m = DONE.matcher(line);
                if (m.find() && !done.containsKey(m.group(1))) {
                    Map<String, Object> figures = new LinkedHashMap<>();
                    figures.put("objects", Integer.parseInt(m.group(2)));
                    figures.put("seconds", Double.parseDouble(m.group(3)));
                    figures.put("sinceProcessStartSeconds", Double.parseDouble(m.group(4)));
                    done.put(m.group(1), figures);
                }
            }
            Thread.sleep(250);
        }
        return done;
    }

    /**
     * Takes every request the API server recorded since the last call, counted by verb and resource
     * ({@code LIST controlplanesnapshots in a namespace}, {@code WATCH hostedclusters in all namespaces},
     * {@code GET ...}, {@code PATCH ...}), with the total under {@code total}.
     */
    private static Map<String, Integer> drain(SimulatedManagementCluster management) throws InterruptedException {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        int total = 0;
        RecordedRequest request;
        while ((request = management.server().takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            total++;
            counts.merge(describe(request.getMethod(), request.getPath()), 1, Integer::sum);
        }
        counts.put("total", total);
        return counts;
    }

    static String describe(String method, String path) {
        Matcher m = API_PATH.matcher(path);
        if (!m.matches()) {
            return method + " " + path.replaceAll("\\?.*", "");
        }
        boolean named = m.group(3) != null;
        String query = m.group(5) == null ? "" : m.group(5);
        String verb = !named && "GET".equals(method) ? (query.contains("watch=true") ? "WATCH" : "LIST") : method;
        return verb + " " + m.group(2) + (m.group(4) != null ? m.group(4) : "")
                + (named ? "" : m.group(1) != null ? " in a namespace" : " in all namespaces");
    }

    /**
     * Scrapes the sidecar's /metrics once: the sum of jvm_memory_used_bytes over its heap pools (-1 when the scrape
     * fails), and the size of the scrape (bytes, series) into {@code figures} under {@code prefix}.
     */
    private static long scrape(SidecarProcess sidecar, Map<String, Object> figures, String prefix) {
        try {
            HttpResponse<String> response = sidecar.managementClient().build().send(HttpRequest.newBuilder(
                    sidecar.management("/metrics")).timeout(Duration.ofSeconds(30)).build(),
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
            AdmissionRun.Measurement admission) {
        StringBuilder out = new StringBuilder("# Scale: a management cluster of ").append(raw.get("clusters"))
                .append(" HostedClusters\n\n").append(machine).append(String.format(Locale.ROOT,
                        "%n%s HostedClusters with %s verified ControlPlaneSnapshots each in the in-process API server (written in"
                                + " %.1f s), scheduled snapshots off, every snapshot Succeeded, verified and carrying the controller's finalizer (a"
                                + " sidecar restarting on a cluster it ran on before); the sidecar runs with -Xmx256m as its own"
                                + " process.%n%n",
                        raw.get("clusters"), raw.get("snapshotsPerCluster"), number(raw, "populateSeconds")));
        out.append("Start-up: ready is the first answer of the readiness check with the webhook up; reconciled is the later of the"
                + " sidecar's own `start-up reconciliation done` figures (controllers " + String.join(", ", CONTROLLERS)
                + ", from the process's start); API requests are every request the API server received from the sidecar"
                + " until then; settled is when the sidecar used under 5% of a core for 2 s.\n\n");
        out.append("| management cluster | start to ready s | start to reconciled s | under 10 s | API requests until reconciled |"
                + " CPU s until reconciled | busy after ready s | CPU s until settled |\n"
                + "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n");
        for (String which : List.of("empty", "populated")) {
            Map<String, Object> f = figures(raw, which);
            double reconciled = number(f, "startToReconciledSeconds");
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %s | %s | %.1f | %.1f | %.1f |%n", title(raw, which),
                    number(f, "startToReadySeconds"), Double.isNaN(reconciled) ? "not reported" : String.format(Locale.ROOT,
                            "%.2f", reconciled),
                    Double.isNaN(reconciled) ? "n/a" : reconciled < 10 ? "met" : "missed",
                    requests(f).getOrDefault("total", -1), number(f, "reconciledCpuSeconds"),
                    number(f, "settledAfterReadySeconds"), number(f, "settledCpuSeconds")));
        }
        out.append("\nEach controller's own report (objects it went through, seconds from its first reconciliation, seconds"
                + " from the process's start):\n\n| management cluster | controller | objects | s from first reconciliation |"
                + " s from process start |\n| --- | --- | ---: | ---: | ---: |\n");
        for (String which : List.of("empty", "populated")) {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> done = (Map<String, Map<String, Object>>) figures(raw, which)
                    .getOrDefault("startupReconciliation", Map.of());
            for (String controller : CONTROLLERS) {
                Map<String, Object> d = done.get(controller);
                out.append(d == null ? String.format(Locale.ROOT, "| %s | %s | - | not reported | - |%n", title(raw, which),
                        controller) : String.format(Locale.ROOT, "| %s | %s | %.0f | %.2f | %.2f |%n", title(raw, which),
                                controller, number(d, "objects"), number(d, "seconds"), number(d, "sinceProcessStartSeconds")));
            }
        }
        out.append("\nAPI requests from the sidecar's start until reconciled, by verb and resource:\n\n"
                + "| management cluster | request | count |\n| --- | --- | ---: |\n");
        for (String which : List.of("empty", "populated")) {
            requests(figures(raw, which)).forEach((request, count) -> {
                if (!"total".equals(request)) {
                    out.append("| ").append(title(raw, which)).append(" | ").append(request).append(" | ").append(count)
                            .append(" |\n");
                }
            });
        }
        out.append("\nMemory (VmHWM is the peak up to the end of the admission measurement, when there is one):\n\n"
                + "| management cluster | VmRSS at ready | VmRSS settled | VmHWM | heap used settled | /metrics settled |"
                + " errors in its log |\n| --- | ---: | ---: | ---: | ---: | --- | ---: |\n");
        for (String which : List.of("empty", "populated")) {
            Map<String, Object> f = figures(raw, which);
            out.append(String.format(Locale.ROOT, "| %s | %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB | %s | %.0f |%n",
                    title(raw, which), number(f, "readyVmRssKib") / 1024, number(f, "settledVmRssKib") / 1024,
                    Math.max(number(f, "settledVmHwmKib"), f.containsKey("afterAdmissionVmHwmKib")
                            ? number(f, "afterAdmissionVmHwmKib") : 0) / 1024,
                    number(f, "settledHeapUsedBytes") < 0 ? Double.NaN : number(f, "settledHeapUsedBytes") / (1 << 20),
                    Integer.valueOf(200).equals(f.get("settledMetricsStatus"))
                            ? String.format(Locale.ROOT, "%.0f series, %.1f MiB", number(f, "settledMetricsSeries"),
                                    number(f, "settledMetricsBytes") / (1 << 20))
                            : "failed: " + f.get("settledMetricsStatus"),
                    number(f, "sidecarLogErrors")));
        }
        if (admission == null) {
            out.append("\nAdmission not measured (bench.scale-admission=false).\n");
            return out.toString();
        }
        out.append("\nAdmission with the populated caches, after the start-up reconciliation settled:\n\n")
                .append(AdmissionRun.header(settings)).append(AdmissionRun.table(admission.results()))
                .append("\nSaturation rounds:\n\n").append(AdmissionRun.rounds(admission))
                .append(AdmissionRun.verdict(List.of(admission)));
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> figures(Map<String, Object> raw, String which) {
        return (Map<String, Object>) raw.get(which);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Integer> requests(Map<String, Object> figures) {
        return (Map<String, Integer>) figures.getOrDefault("startupRequests", Map.of());
    }

    private static String title(Map<String, Object> raw, String which) {
        return which.equals("empty") ? "1 snapshot, no HostedCluster" : raw.get("clusters") + " clusters";
    }

    private static double number(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
