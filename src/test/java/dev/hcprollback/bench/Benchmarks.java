package dev.hcprollback.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Runs the benchmark suite, or the parts {@code -Dbench.only} names (comma-separated: {@code admission},
 * {@code snapshot} (with the restore), {@code scale}; default and {@code all} these three; and, only when named, {@code fetch} (part 3's fetch
 * alone against curl) and {@code outage}). Each part writes
 * {@code target/benchmarks/<part>.md} and its raw figures next to it. See docs/benchmarks.md.
 */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        // every library in this JVM (the in-process API server, s3proxy, the AWS SDK) logs at production levels
        ProductionLogging.applyToThisJvm();
        ProductionLogging.requireInThisJvm("the benchmark's JVM");
        Set<String> only = Set.copyOf(List.of(System.getProperty("bench.only", "admission,snapshot,scale").split(",")).stream()
                .map(String::trim).toList());
        Path work = Path.of("target", "benchmarks");
        for (String part : only) {
            if (!Set.of("admission", "snapshot", "fetch", "scale", "outage", "all").contains(part)) {
                throw new IllegalArgumentException("unknown part " + part + " in bench.only (admission, snapshot, fetch, scale, outage)");
            }
        }
        boolean all = only.contains("all");
        if (all || only.contains("admission")) {
            AdmissionBenchmark.run(work);
        }
        if (all || only.contains("snapshot")) {
            SnapshotBenchmark.run(work);
        }
        if (only.contains("fetch")) {
            FetchBenchmark.run(work);
        }
        if (all || only.contains("scale")) {
            ScaleBenchmark.run(work);
        }
        if (only.contains("outage")) {
            OutageBenchmark.run(work);
        }
        System.exit(0);
    }
}
