package dev.hcprollback.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The admission report's verdict over two measurements: each builds its own scenarios, a target is met only when
 * both medians meet it, and a busy machine withholds the throughput verdict but not the allocation one.
 */
class AdmissionVerdictTest {

    @Test
    void metOnlyWhenBothMeasurementsMediansMeetIt() {
        // (a) at 90% of the baseline in the first measurement, 70% in the second: not met
        String verdict = AdmissionRun.verdict(List.of(measurement(0.9, 0, 30), measurement(0.7, 0, 8)));
        assertTrue(line(verdict, "(a) no release field changes | saturation / baseline").endsWith("**not met** |"), verdict);
        assertTrue(line(verdict, "(a) no release field changes | rules' own KiB").endsWith("**not met** |"), verdict);
        String both = AdmissionRun.verdict(List.of(measurement(0.9, 0, 8), measurement(0.85, 0, 9)));
        assertTrue(line(both, "(a) no release field changes | saturation / baseline").endsWith("**met** |"), both);
        assertTrue(line(both, "(a) no release field changes | rules' own KiB").endsWith("**met** |"), both);
    }

    @Test
    void aBusyMachineWithholdsThroughputButNotAllocation() {
        String verdict = AdmissionRun.verdict(List.of(measurement(0.9, 10, 8), measurement(0.9, 0, 8)));
        assertTrue(line(verdict, "(a) no release field changes | saturation / baseline").contains("not judged: run 1 on a busy"),
                verdict);
        assertTrue(line(verdict, "(a) no release field changes | rules' own KiB").endsWith("**met** |"), verdict);
    }

    private static String line(String report, String start) {
        return report.lines().filter(l -> l.startsWith("| " + start)).findFirst().orElseThrow(() -> new AssertionError(
                start + " not in " + report));
    }

    /**
     * Scenarios built afresh, as each measurement does; (a) at {@code share} of the baseline's throughput and
     * {@code ownKib} above its allocation, others using {@code othersCpu} seconds per 20 s round.
     */
    private static AdmissionRun.Measurement measurement(double share, double othersCpu, double ownKib) {
        Map<AdmissionRun.Scenario, List<AdmissionRun.Round>> rounds = new LinkedHashMap<>();
        Map<AdmissionRun.Scenario, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
        List<AdmissionRun.Scenario> scenarios = AdmissionRun.scenarios();
        for (AdmissionRun.Scenario scenario : scenarios) {
            boolean baseline = scenario == scenarios.get(0);
            double throughput = baseline ? 10_000 : 10_000 * share;
            double kib = baseline ? 70 : 70 + ownKib;
            LoadGenerator.Result run = result(throughput, kib);
            rounds.put(scenario, List.of(round(run, othersCpu), round(run, othersCpu), round(run, othersCpu)));
            results.put(scenario, List.of(run, result(5_000, kib)));
        }
        return new AdmissionRun.Measurement(results, rounds);
    }

    private static AdmissionRun.Round round(LoadGenerator.Result run, double othersCpu) {
        return new AdmissionRun.Round(run, new JvmAllocation.Counters(0, 10, 50, 0, 100), 0.1, othersCpu);
    }

    private static LoadGenerator.Result result(double throughput, double kib) {
        long completed = Math.round(throughput * 20);
        return new LoadGenerator.Result("wrk", "saturation x32", 0, completed, 0, 0, 20, 1, 5, 10, 20,
                new LoadGenerator.Cost(4, 2, completed * 0.00015, Math.round(completed * kib * 1024), "1.00 1.00 1.00"));
    }
}
