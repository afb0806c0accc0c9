package dev.hcprollback.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;

/**
 * Part 1: admission over HTTPS with keep-alive against the packaged sidecar as its own process, on a
 * management cluster holding only the benchmark's own cluster ({@link AdmissionRun}).
 *
 * <p>{@code ./mvnw -B -Pbench verify -Dbench.only=admission} (options: {@code -Dbench.rates=500,1000 (Java open-loop runs, none by default)
 * -Dbench.seconds=20 -Dbench.concurrency=32 -Dbench.admission-runs=2}): {@code bench.admission-runs} measurements, each
 * against a sidecar of its own; writes {@code target/benchmarks/admission.md} and
 * {@code admission.csv}.
 */
public final class AdmissionBenchmark {

    private AdmissionBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        ProductionLogging.applyToThisJvm();
        run(Path.of("target", "benchmarks"));
        System.exit(0);
    }

    static void run(Path work) throws Exception {
        AdmissionRun.Settings settings = AdmissionRun.Settings.fromSystemProperties();
        int measurements = Math.max(1, Integer.getInteger("bench.admission-runs", 2));
        StringBuilder report = new StringBuilder("# Admission over HTTPS\n\n").append(Machine.describe()).append('\n')
                .append(AdmissionRun.header(settings));
        StringBuilder csv = new StringBuilder(AdmissionRun.CSV_HEADER);
        List<AdmissionRun.Measurement> runs = new ArrayList<>();
        // each measurement against a sidecar of its own (its own JIT, heap and caches), so that the verdict rests on
        // figures that held twice rather than on one run's luck
        for (int i = 1; i <= measurements; i++) {
            Path dir = work.resolve("admission").resolve("run-" + i);
            Files.createDirectories(dir);
            try (SimulatedManagementCluster management = SimulatedManagementCluster.start(dir)) {
                AdmissionRun.seed(management);
                SidecarProcess sidecar = management.startSidecar(AdmissionRun.SIDECAR_CONFIG);
                String load = Machine.loadAverage();
                AdmissionRun.Measurement run = AdmissionRun.measure(management, sidecar, settings);
                runs.add(run);
                String section = String.format(Locale.ROOT, "## Run %d of %d (load average at its start %s)%n%n", i,
                        measurements, load) + AdmissionRun.table(run.results()) + "\nSaturation rounds:\n\n"
                        + AdmissionRun.rounds(run) + "\n";
                report.append(section);
                csv.append(AdmissionRun.csv("admission-" + i, run));
                System.out.println("\n" + section);
            }
        }
        report.append("## Verdict\n").append(AdmissionRun.verdict(runs));
        Files.writeString(work.resolve("admission.md"), report);
        Files.writeString(work.resolve("admission.csv"), csv);
        System.out.println("\n" + report + "\nwritten to " + work.resolve("admission.md"));
    }
}
