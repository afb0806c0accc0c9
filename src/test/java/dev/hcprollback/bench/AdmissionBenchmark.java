package dev.hcprollback.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;

/**
 * Part 1: admission over HTTPS with keep-alive against the packaged sidecar as its own process, on a
 * management cluster holding only the benchmark's own cluster ({@link AdmissionRun}).
 *
 * <p>{@code ./mvnw -B -Pbench verify -Dbench.only=admission} (options: {@code -Dbench.rates=500,1000 (Java open-loop runs, none by default)
 * -Dbench.seconds=20 -Dbench.concurrency=32}); writes {@code target/benchmarks/admission.md} and
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
        Path dir = work.resolve("admission");
        Files.createDirectories(dir);
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(dir)) {
            AdmissionRun.seed(management);
            SidecarProcess sidecar = management.startSidecar(AdmissionRun.SIDECAR_CONFIG);
            Map<AdmissionRun.Scenario, List<LoadGenerator.Result>> results = AdmissionRun.measure(management, sidecar,
                    settings);
            String report = "# Admission over HTTPS\n\n" + Machine.describe() + "\n" + AdmissionRun.header(settings)
                    + AdmissionRun.table(results) + AdmissionRun.verdict(results);
            Files.writeString(work.resolve("admission.md"), report);
            AdmissionRun.writeCsv(work.resolve("admission.csv"), "admission", results);
            System.out.println("\n" + report + "\nwritten to " + work.resolve("admission.md"));
        }
    }
}
