package dev.hcprollback.bench;

import static dev.hcprollback.testing.HostedClusters.tag;

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
import java.util.concurrent.Executors;

import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;

/**
 * Admission over HTTPS with keep-alive: a constant-answer baseline of the same application against
 * the real rules for (a) an update that changes no release field, (b) a refused customer downgrade,
 * (c) an admitted rollback whose SubjectAccessReview the in-process API server answers. Each at fixed
 * rates and at saturation, in one run, against the packaged sidecar as its own process.
 *
 * <p>{@code ./mvnw -B -Pbench verify} (options: {@code -Dbench.rates=500,1000,2000 -Dbench.seconds=20
 * -Dbench.concurrency=32}); writes {@code target/benchmarks/admission.md}.
 */
public final class AdmissionBenchmark {

    record Scenario(String name, String path, String body, boolean allowed) {
    }

    public static void main(String[] args) throws Exception {
        List<Double> rates = Arrays.stream(System.getProperty("bench.rates", "500,1000,2000").split(","))
                .map(Double::parseDouble).toList();
        Duration measure = Duration.ofSeconds(Long.getLong("bench.seconds", 20));
        int concurrency = Integer.getInteger("bench.concurrency", 32);
        Path work = Path.of("target", "benchmarks");

        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(work)) {
            String cluster = "bench";
            new ManagementCluster(management.client()).record(ManagementCluster.verifiedSnapshot("bench-4-18-5",
                    cluster, "4.18.5", tag("4.18.5"), null, Instant.now().minus(Duration.ofHours(3))));
            SidecarProcess sidecar = management.startSidecar(Map.of("hcp-rollback.benchmark.baseline-endpoint", "true",
                    "quarkus.log.level", "WARN"));
            HttpClient https = management.httpsClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newFixedThreadPool(2)));
            String base = "https://localhost:" + sidecar.httpsPort;

            HostedClusters on6 = HostedClusters.onSixAfterFive(cluster);
            HostedClusters requested = on6.copy().requestRollback("4.18.5", "INC-4711 benchmark");
            List<Scenario> scenarios = List.of(
                    new Scenario("baseline (constant AdmissionReview)", "/validate/baseline",
                            AdmissionReviews.update(on6, on6.copy().annotate("team", "payments")).toString(), true),
                    new Scenario("(a) no release field changes", "/validate/hostedclusters",
                            AdmissionReviews.update(on6, on6.copy().annotate("team", "payments")).toString(), true),
                    new Scenario("(b) customer downgrade, refused", "/validate/hostedclusters",
                            AdmissionReviews.update(on6, on6.copy().release(tag("4.18.5"))).toString(), false),
                    new Scenario("(c) SRE rollback, admitted (with SubjectAccessReview)", "/validate/hostedclusters",
                            AdmissionReviews.update(requested, requested.copy().release(tag("4.18.5"))).sre().toString(), true));

            Map<Scenario, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
            for (Scenario scenario : scenarios) {
                LoadGenerator load = new LoadGenerator(https, URI.create(base + scenario.path()), scenario.body(),
                        scenario.allowed());
                load.probe();
                load.saturate(concurrency, Duration.ofSeconds(5)); // warm-up: JIT, connections
                List<LoadGenerator.Result> measured = new ArrayList<>();
                for (double rate : rates) {
                    measured.add(load.fixedRate(rate, measure));
                }
                measured.add(load.saturate(concurrency, measure));
                results.put(scenario, measured);
                System.out.println(table(Map.of(scenario, measured)));
            }
            String report = header(rates, measure, concurrency) + table(results) + ratio(results);
            Files.writeString(work.resolve("admission.md"), report);
            System.out.println("\n" + report + "\nwritten to " + work.resolve("admission.md"));
        }
        System.exit(0);
    }

    private static String header(List<Double> rates, Duration measure, int concurrency) {
        return String.format(Locale.ROOT, "Run %s on %d cores (%s %s), Java %s; rates %s req/s for %ds each, saturation with %d"
                + " requests in flight for %ds; the load generator, the in-process API server and the sidecar share the machine.%n%n",
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"), rates,
                measure.toSeconds(), concurrency, measure.toSeconds());
    }

    static String table(Map<Scenario, List<LoadGenerator.Result>> results) {
        StringBuilder out = new StringBuilder(
                "| scenario | load | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | dropped |\n"
                        + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        results.forEach((scenario, measured) -> measured.forEach(r -> out.append(String.format(Locale.ROOT,
                "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d | %d |%n", scenario.name(),
                r.offeredRate() > 0 ? String.format(Locale.ROOT, "%.0f req/s", r.offeredRate()) : r.mode(),
                r.throughput(), r.percentileMillis(50), r.percentileMillis(99), r.percentileMillis(99.9),
                r.latencyMicros().getMaxValue() / 1000.0, r.errors(), r.dropped()))));
        return out.toString();
    }

    private static String ratio(Map<Scenario, List<LoadGenerator.Result>> results) {
        List<List<LoadGenerator.Result>> all = new ArrayList<>(results.values());
        double baseline = last(all.get(0)).throughput();
        StringBuilder out = new StringBuilder("\nSaturation throughput against the baseline:\n\n");
        results.forEach((scenario, measured) -> out.append(String.format(Locale.ROOT, "- %s: %.0f req/s = %.0f%%%n",
                scenario.name(), last(measured).throughput(), 100 * last(measured).throughput() / baseline)));
        return out.toString();
    }

    private static LoadGenerator.Result last(List<LoadGenerator.Result> results) {
        return results.get(results.size() - 1);
    }
}
