package dev.hcprollback.bench;

import static dev.hcprollback.testing.HostedClusters.tag;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.javaoperatorsdk.operator.ReconcilerUtils;

import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;

/**
 * The admission measurement both the admission benchmark and the scale benchmark run: a constant-answer
 * baseline of the same application against the real rules for (a) an update that changes no release
 * field, (b) a refused customer downgrade, (c) an admitted rollback whose SubjectAccessReview the
 * in-process API server answers; each at fixed rates and at saturation, against a running sidecar.
 */
final class AdmissionRun {

    /** The HostedCluster the scenarios update; {@link #seed} records its verified snapshot. */
    static final String CLUSTER = "bench";

    /** Configuration the sidecar needs for the baseline endpoint to exist. */
    static final Map<String, String> SIDECAR_CONFIG = Map.of("hcp-rollback.benchmark.baseline-endpoint", "true",
            "quarkus.log.level", "WARN");

    record Scenario(String name, String path, String body, boolean allowed) {
    }

    /** Rates, measuring time per step and requests in flight at saturation. */
    record Settings(List<Double> rates, Duration measure, int concurrency) {
        static Settings fromSystemProperties() {
            return new Settings(Arrays.stream(System.getProperty("bench.rates", "500,1000,2000").split(","))
                    .map(String::trim).map(Double::parseDouble).toList(),
                    Duration.ofSeconds(Long.getLong("bench.seconds", 20)), Integer.getInteger("bench.concurrency", 32));
        }
    }

    private AdmissionRun() {
    }

    /** The verified snapshot of 4.18.5 that scenario (c) rolls back to. */
    static void seed(SimulatedManagementCluster management) {
        new ManagementCluster(management.client()).record(finalized(ManagementCluster.verifiedSnapshot("bench-4-18-5",
                CLUSTER, "4.18.5", tag("4.18.5"), null, Instant.now().minus(Duration.ofHours(3)))));
    }

    /**
     * A snapshot carrying the snapshot controller's finalizer already, as on a management cluster where the sidecar
     * ran before. The controller adds it with a server-side apply patch, which the mock API server refuses (415):
     * without it, every snapshot would make the sidecar retry that patch for as long as the benchmark runs.
     */
    static ControlPlaneSnapshot finalized(ControlPlaneSnapshot snapshot) {
        snapshot.getMetadata().setFinalizers(List.of(ReconcilerUtils.getDefaultFinalizerName(ControlPlaneSnapshot.class)));
        return snapshot;
    }

    static List<Scenario> scenarios() {
        HostedClusters on6 = HostedClusters.onSixAfterFive(CLUSTER);
        HostedClusters requested = on6.copy().requestRollback("4.18.5", "INC-4711 benchmark");
        return List.of(
                new Scenario("baseline (constant AdmissionReview)", "/validate/baseline",
                        AdmissionReviews.update(on6, on6.copy().annotate("team", "payments")).toString(), true),
                new Scenario("(a) no release field changes", "/validate/hostedclusters",
                        AdmissionReviews.update(on6, on6.copy().annotate("team", "payments")).toString(), true),
                new Scenario("(b) customer downgrade, refused", "/validate/hostedclusters",
                        AdmissionReviews.update(on6, on6.copy().release(tag("4.18.5"))).toString(), false),
                new Scenario("(c) SRE rollback, admitted (with SubjectAccessReview)", "/validate/hostedclusters",
                        AdmissionReviews.update(requested, requested.copy().release(tag("4.18.5"))).sre().toString(), true));
    }

    /** Runs every scenario against the sidecar, printing each table as it completes. */
    static Map<Scenario, List<LoadGenerator.Result>> measure(SimulatedManagementCluster management, SidecarProcess sidecar,
            Settings settings) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            HttpClient https = management.httpsClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(executor));
            String base = "https://localhost:" + sidecar.httpsPort;
            // warm the whole server once (TLS, JSON binding, both endpoints) so that the scenario measured first,
            // the baseline, does not pay for the JIT alone; each scenario still gets its own warm-up below
            // (closed loop, then open loop at the lowest rate: in development runs the first open-loop step of a
            // process queued for seconds after a closed-loop warm-up alone)
            for (Scenario scenario : scenarios()) {
                LoadGenerator warmUp = new LoadGenerator(https, URI.create(base + scenario.path()), scenario.body(),
                        scenario.allowed());
                warmUp.saturate(settings.concurrency(), Duration.ofSeconds(5));
                warmUp.fixedRate(settings.rates().get(0), Duration.ofSeconds(5));
            }
            Map<Scenario, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
            for (Scenario scenario : scenarios()) {
                LoadGenerator load = new LoadGenerator(https, URI.create(base + scenario.path()), scenario.body(),
                        scenario.allowed());
                load.probe();
                load.saturate(settings.concurrency(), Duration.ofSeconds(5)); // warm-up: JIT, connections
                List<LoadGenerator.Result> measured = new ArrayList<>();
                for (double rate : settings.rates()) {
                    measured.add(load.fixedRate(rate, settings.measure()));
                }
                measured.add(load.saturate(settings.concurrency(), settings.measure()));
                results.put(scenario, measured);
                System.out.println(table(Map.of(scenario, measured)));
            }
            return results;
        } finally {
            executor.shutdownNow();
        }
    }

    static String header(Settings settings) {
        return String.format(Locale.ROOT, "Rates %s req/s for %ds each (open loop), saturation with %d requests in flight"
                + " for %ds (closed loop); the load generator, the in-process API server and the sidecar share the machine.%n%n",
                settings.rates(), settings.measure().toSeconds(), settings.concurrency(), settings.measure().toSeconds());
    }

    static String table(Map<Scenario, List<LoadGenerator.Result>> results) {
        StringBuilder out = new StringBuilder(
                "| scenario | load | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | dropped |\n"
                        + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        results.forEach((scenario, measured) -> measured.forEach(r -> out.append(String.format(Locale.ROOT,
                "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d | %d |%n", scenario.name(), load(r),
                r.throughput(), r.percentileMillis(50), r.percentileMillis(99), r.percentileMillis(99.9),
                r.latencyMicros().getMaxValue() / 1000.0, r.errors(), r.dropped()))));
        return out.toString();
    }

    /** Saturation throughput of each scenario against the baseline, and the verdict on both targets. */
    static String verdict(Map<Scenario, List<LoadGenerator.Result>> results) {
        List<List<LoadGenerator.Result>> all = new ArrayList<>(results.values());
        double baseline = last(all.get(0)).throughput();
        StringBuilder out = new StringBuilder("\nSaturation throughput against the baseline (target: at least 80%):\n\n");
        results.forEach((scenario, measured) -> out.append(String.format(Locale.ROOT, "- %s: %.0f req/s = %.0f%%%n",
                scenario.name(), last(measured).throughput(), 100 * last(measured).throughput() / baseline)));
        out.append("\np99 at 1,000 req/s (target: under 5 ms):\n\n");
        results.forEach((scenario, measured) -> measured.stream().filter(r -> r.offeredRate() == 1000).findFirst()
                .ifPresent(r -> out.append(String.format(Locale.ROOT, "- %s: %.2f ms (%s)%n", scenario.name(),
                        r.percentileMillis(99), r.percentileMillis(99) < 5 ? "met" : "missed"))));
        return out.toString();
    }

    /** One line per scenario and load step, for tools. */
    static void writeCsv(Path file, String run, Map<Scenario, List<LoadGenerator.Result>> results) throws IOException {
        StringBuilder csv = new StringBuilder(
                "run,scenario,load,offered_rps,achieved_rps,completed,errors,dropped,seconds,p50_ms,p99_ms,p999_ms,max_ms\n");
        results.forEach((scenario, measured) -> measured.forEach(r -> csv.append(String.format(Locale.ROOT,
                "%s,\"%s\",%s,%.0f,%.1f,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f%n", run, scenario.name(), load(r),
                r.offeredRate(), r.throughput(), r.completed(), r.errors(), r.dropped(), r.seconds(),
                r.percentileMillis(50), r.percentileMillis(99), r.percentileMillis(99.9),
                r.latencyMicros().getMaxValue() / 1000.0))));
        Files.writeString(file, csv);
    }

    private static String load(LoadGenerator.Result r) {
        return r.offeredRate() > 0 ? String.format(Locale.ROOT, "%.0f req/s", r.offeredRate()) : r.mode();
    }

    private static LoadGenerator.Result last(List<LoadGenerator.Result> results) {
        return results.get(results.size() - 1);
    }
}
