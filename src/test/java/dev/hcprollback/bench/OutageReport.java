package dev.hcprollback.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The Markdown report of the outage benchmark ({@link OutageBenchmark}), from its rounds' figures. */
final class OutageReport {

    private static final double GIB = 1L << 30;
    private static final double MIB = 1L << 20;
    /** The targets of issue 24: outage ratio, the sidecar's share, the total at 4 GiB. */
    static final double OUTAGE_RATIO_TARGET = 1.2;
    static final double SIDECAR_SHARE_TARGET_SECONDS = 20;
    static final double TOTAL_TARGET_SECONDS = 300;
    private static final List<String> STEPS = List.of("Preflight (volume capacity)", "Pause", "Stage", "Quiesce", "Swap",
            "StartEtcd", "Revert", "Resume", "Verify");
    private static final List<String> SERVING = List.of("Preflight (volume capacity)", "Pause", "Stage");

    private OutageReport() {
    }

    static String markdown(String machine, List<Map<String, Object>> rounds) {
        List<Map<String, Object>> done = rounds.stream().filter(r -> !r.containsKey("skipped")).toList();
        StringBuilder out = new StringBuilder(machine).append('\n');
        out.append("A 3-member etcd 3.5 cluster (peer and client TLS, one directory per member for its volume) behind a real"
                + " kube-apiserver (watch cache off, `--v=2`); a client creates a ConfigMap and reads it back through the API server every"
                + " 100 ms. Per size: the project's snapshot into s3proxy, 10 s more writes, then the rollback's steps (Stage"
                + " while serving; the API server and etcd stopped and started as processes where a management cluster scales)."
                + " Seconds from the decision. Load average at each round's start in the first table.\n\n");
        out.append("| etcd db | snapshot | fill | client's outage, straight to the server | behind a readiness-gated Service |"
                + " sidecar's share (API server stopped to etcd healthy) | API server start (Resume) | decision to Succeeded |"
                + " acknowledged writes lost (those after the snapshot) | load average |\n"
                + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
        for (Map<String, Object> r : rounds) {
            if (r.containsKey("skipped")) {
                out.append(String.format(Locale.ROOT, "| %d MiB | skipped: %s | | | | | | | | |%n", (long) num(r, "targetMib"),
                        r.get("skipped")));
                continue;
            }
            Map<String, Object> client = map(r, "client");
            Map<String, Object> writes = map(r, "writes");
            out.append(String.format(Locale.ROOT, "| %.0f MiB | %.0f MiB | %.0f s | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s |"
                    + " %d of %d (%d expected): %s | %s |%n", num(r, "dbSizeBytes") / MIB,
                    num(map(r, "snapshot"), "etcdBytes") / MIB, num(r, "fillSeconds"), outage(r), outageUntilReady(r),
                    sidecarShare(r), step(r, "Resume"), total(r), (long) num(writes, "lost"),
                    (long) num(writes, "acknowledged"), (long) num(writes, "expectedLost"),
                    Boolean.TRUE.equals(writes.get("exactlyThoseAfterTheSnapshot")) ? "exactly those" : "NOT exactly those",
                    r.get("loadAverageAtStart")));
        }
        out.append("\nSteps (seconds; Preflight, Pause and Stage run while the API serves):\n\n| step | while serving |");
        done.forEach(r -> out.append(String.format(Locale.ROOT, " %.0f MiB |", num(r, "dbSizeBytes") / MIB)));
        out.append("\n| --- | --- |").append(" ---: |".repeat(done.size())).append('\n');
        for (String step : STEPS) {
            out.append("| ").append(step).append(" | ").append(SERVING.contains(step) ? "yes" : "no").append(" |");
            done.forEach(r -> out.append(String.format(Locale.ROOT, " %.1f |", step(r, step))));
            out.append('\n');
        }
        out.append("\nThe restarted API server's start (seconds after its launch): listening, first answer (from then on it serves"
                + " requests), `/readyz` ok, its slowest checks, and its slowest informers to list what they watch (its log,"
                + " `Caches populated`):\n\n| etcd db | listening | answering | ready | slowest checks | slowest informers |\n"
                + "| ---: | ---: | ---: | ---: | --- | --- |\n");
        for (Map<String, Object> r : done) {
            Map<String, Object> start = map(r, "apiServerStart");
            if (start == null) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %.0f MiB | %.1f | %.1f | %.1f | %s | %s |%n", num(r, "dbSizeBytes") / MIB,
                    num(start, "listeningSeconds"), num(start, "answeringSeconds"), num(start, "readySeconds"),
                    seconds(map(start, "checksPassedSeconds")), seconds(map(start, "informersSynced"))));
        }
        out.append("\nStage per member (seconds from the Job's start: download with SHA-256, then `etcdutl snapshot restore`):\n\n"
                + "| etcd db | member | download and check | restore | whole Job |\n| ---: | ---: | ---: | ---: | ---: |\n");
        for (Map<String, Object> r : done) {
            for (Object o : (List<?>) r.get("stages")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) o;
                Map<String, Object> at = map(s, "stagesAtSeconds");
                out.append(String.format(Locale.ROOT, "| %.0f MiB | etcd-%d | %.1f | %.1f | %.1f |%n", num(r, "dbSizeBytes") / MIB,
                        (int) num(s, "member"), num(at, "verified") - num(at, "fetch"),
                        num(at, "staged") - num(at, "restore"), num(s, "seconds")));
            }
        }
        out.append("\nDisk per member directory (data dir and work dir, sampled every 200 ms from the decision on) beside"
                + " the capacity preflight's figures (`VolumeSpace`):\n\n| etcd db | member | at the decision | peak | peak less"
                + " at decision | estimate: download + restored copy | preflight needs free (with margin) |\n"
                + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Map<String, Object> r : done) {
            List<?> peaks = (List<?>) r.get("peakMemberDirBytes");
            List<?> first = (List<?>) r.get("memberDirBytesAtDecision");
            List<?> preflight = (List<?>) r.get("preflight");
            for (int m = 0; m < peaks.size(); m++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> p = (Map<String, Object>) preflight.get(m);
                double peak = ((Number) peaks.get(m)).doubleValue();
                double at = ((Number) first.get(m)).doubleValue();
                out.append(String.format(Locale.ROOT, "| %.0f MiB | etcd-%d | %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB | %.0f MiB |%n",
                        num(r, "dbSizeBytes") / MIB, m, at / MIB, peak / MIB, (peak - at) / MIB,
                        num(p, "downloadAndRestoredBytes") / MIB, num(p, "stageNeedsBytes") / MIB));
            }
        }
        out.append("\nClient latency (write and read-back, ms) before the decision and while the stage ran; failed attempts"
                + " outside the outage:\n\n| etcd db | before: p50 / p99 / max | while staging: p50 / p99 / max |"
                + " failed outside the outage |\n| ---: | --- | --- | --- |\n");
        for (Map<String, Object> r : done) {
            Map<String, Object> client = map(r, "client");
            out.append(String.format(Locale.ROOT, "| %.0f MiB | %s | %s | %s %s |%n", num(r, "dbSizeBytes") / MIB,
                    latency(map(client, "writeAndReadMillisBeforeDecision")), latency(map(client, "writeAndReadMillisWhileStaging")),
                    client.get("failedAttemptsOutsideTheOutage"), client.get("failuresOutsideTheOutage")));
        }
        out.append('\n').append(targets(done));
        return out.toString();
    }

    private static String targets(List<Map<String, Object>> done) {
        StringBuilder out = new StringBuilder("Targets (same run):\n\n");
        if (done.size() >= 2) {
            Map<String, Object> small = done.get(0);
            Map<String, Object> large = done.get(done.size() - 1);
            double ratio = outage(large) / outage(small);
            double gated = outageUntilReady(large) / outageUntilReady(small);
            out.append(String.format(Locale.ROOT, "- outage at %.0f MiB / at %.0f MiB: %.2fx straight to the server, %.2fx"
                    + " behind a readiness-gated Service (target ≤ %.1fx): %s, %s%n", num(large, "dbSizeBytes") / MIB,
                    num(small, "dbSizeBytes") / MIB, ratio, gated, OUTAGE_RATIO_TARGET,
                    ratio <= OUTAGE_RATIO_TARGET ? "met" : "missed", gated <= OUTAGE_RATIO_TARGET ? "met" : "missed"));
            double share = sidecarShare(large) / sidecarShare(small);
            out.append(String.format(Locale.ROOT, "- the sidecar's share at %.0f MiB / at %.0f MiB: %.2fx; the API server's"
                    + " start to ready: %.2fx%n", num(large, "dbSizeBytes") / MIB, num(small, "dbSizeBytes") / MIB, share,
                    num(map(large, "apiServerStart"), "readySeconds") / num(map(small, "apiServerStart"), "readySeconds")));
            double gibSmall = num(small, "dbSizeBytes") / GIB;
            double gibLarge = num(large, "dbSizeBytes") / GIB;
            double totalPerGib = (total(large) - total(small)) / (gibLarge - gibSmall);
            double outagePerGib = (outage(large) - outage(small))
                    / (gibLarge - gibSmall);
            out.append(String.format(Locale.ROOT, "- per GiB of etcd between the two sizes: total %.1f s/GiB (Stage %.1f s/GiB),"
                    + " outage %+.2f s/GiB; at 8 GiB, extrapolated on paper: total %.0f s, outage %.1f s%n", totalPerGib,
                    (step(large, "Stage") - step(small, "Stage")) / (gibLarge - gibSmall), outagePerGib,
                    total(large) + totalPerGib * (8 - gibLarge), outage(large)
                            + outagePerGib * (8 - gibLarge)));
        }
        for (Map<String, Object> r : done) {
            out.append(String.format(Locale.ROOT, "- %.0f MiB: sidecar's share %.1f s (target < %.0f s): %s; decision to"
                    + " Succeeded %.0f s%s%n", num(r, "dbSizeBytes") / MIB, sidecarShare(r), SIDECAR_SHARE_TARGET_SECONDS,
                    sidecarShare(r) < SIDECAR_SHARE_TARGET_SECONDS ? "met" : "missed", total(r),
                    (long) num(r, "targetMib") == 4096 ? String.format(Locale.ROOT, " (target < %.0f s): %s",
                            TOTAL_TARGET_SECONDS, total(r) < TOTAL_TARGET_SECONDS ? "met" : "missed") : ""));
        }
        return out.toString();
    }

    private static String latency(Map<String, Object> p) {
        return (int) num(p, "n") == 0 ? "-" : String.format(Locale.ROOT, "%.0f / %.0f / %.0f", num(p, "p50"), num(p, "p99"),
                num(p, "max"));
    }

    /**
     * The client's outage as it saw it ({@link OutageBenchmark#clientFigures}): from its first attempt that failed after
     * the API server was told to stop to the end of its first successful attempt after its last failure. Not until
     * {@code Succeeded}: the API server answers the client before its own readiness check passes.
     */
    static double outage(Map<String, Object> r) {
        return num(map(r, "client"), "outageSeconds");
    }

    /**
     * The outage behind a readiness-gated Service, as a HyperShift customer reaches the kube-apiserver (its pods have a
     * {@code /readyz} probe): until the restarted server is ready, or later if the client's first success came later.
     */
    static double outageUntilReady(Map<String, Object> r) {
        return num(map(r, "client"), "outageUntilReadySeconds");
    }

    /** {@code informer-sync 41.2, poststarthook/rbac 3.1}. */
    private static String seconds(Map<String, Object> named) {
        if (named == null || named.isEmpty()) {
            return "-";
        }
        return named.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(),
                ((Number) e.getValue()).doubleValue())).collect(java.util.stream.Collectors.joining(", "));
    }

    /** From the stop of the API server (the start of Quiesce) to etcd healthy on the restored data. */
    static double sidecarShare(Map<String, Object> r) {
        return num(r, "etcdHealthyAtSeconds") - num(r, "quiesceStartAtSeconds");
    }

    static double total(Map<String, Object> r) {
        return num(r, "succeededAtSeconds") - num(r, "decidedAtSeconds");
    }

    private static double step(Map<String, Object> r, String step) {
        return num(map(map(r, "steps"), step), "seconds");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    private static double num(Map<String, Object> m, String key) {
        Object value = m.get(key);
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
