package dev.hcprollback.bench;

import static dev.hcprollback.testing.HostedClusters.tag;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.testing.AdmissionReviews;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.ManagementCluster;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;
import io.javaoperatorsdk.operator.ReconcilerUtils;

/**
 * The admission measurement both the admission benchmark and the scale benchmark run: a constant-answer
 * baseline of the same application against the real rules for (a) an update that changes no release
 * field, (b) a refused customer downgrade, (c) an admitted rollback whose SubjectAccessReview the
 * in-process API server answers; each at fixed rates and at saturation, against a running sidecar.
 */
final class AdmissionRun {

    /** The HostedCluster the scenarios update; {@link #seed} records its verified snapshot. */
    static final String CLUSTER = "bench";

    /** Configuration the sidecar needs for the baseline endpoint to exist; its log levels are production's. */
    static final Map<String, String> SIDECAR_CONFIG = Map.of("hcp-rollback.benchmark.baseline-endpoint", "true");

    record Scenario(String name, String path, String body, boolean allowed) {
    }

    /**
     * Rates of the Java open-loop generator (none by default: on a loaded 2-core machine it fails before the
     * sidecar does), measuring time per step, and connections at saturation.
     */
    record Settings(List<Double> rates, Duration measure, int concurrency, int rounds, boolean profile) {
        static Settings fromSystemProperties() {
            return new Settings(Arrays.stream(System.getProperty("bench.rates", "").split(","))
                    .map(String::trim).filter(rate -> !rate.isEmpty()).map(Double::parseDouble).toList(),
                    Duration.ofSeconds(Long.getLong("bench.seconds", 20)), Integer.getInteger("bench.concurrency", 32),
                    Math.max(1, Integer.getInteger("bench.rounds", 3)), Boolean.getBoolean("bench.profile"));
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

    /**
     * Runs every scenario against the sidecar, printing each table as it completes: warm-up, saturation with wrk,
     * the fixed rates of {@link Settings#rates()} with the Java open-loop generator, and half the baseline's
     * saturation rate with h2load (the rate the p99 target is stated at). Fails, after the figures are printed,
     * if any answer was wrong.
     */
    static Map<Scenario, List<LoadGenerator.Result>> measure(SimulatedManagementCluster management, SidecarProcess sidecar,
            Settings settings) throws Exception {
        ProductionLogging.requireInThisJvm("the benchmark's JVM (load generator and in-process API server)");
        ProductionLogging.requireInSidecar(sidecar.pid(), "the sidecar");
        Path work = Files.createDirectories(sidecar.log().toAbsolutePath().getParent().resolve("load"));
        NativeLoad clients = new NativeLoad(work);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try (JvmAllocation allocation = JvmAllocation.attach(sidecar.pid())) {
            HttpClient https = management.httpsClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(executor));
            String base = "https://localhost:" + sidecar.httpsPort;
            List<Scenario> scenarios = scenarios(); // once: every call writes fresh uids, so its records differ
            // warm the whole server once (TLS, JSON, both endpoints) so that the scenario measured first, the
            // baseline, does not pay for the JIT alone; each scenario still gets its own warm-up below
            for (Scenario scenario : scenarios) {
                Path body = bodyFile(work, scenario);
                new LoadGenerator(https, URI.create(base + scenario.path()), scenario.body(), scenario.allowed()).probe();
                clients.saturate(URI.create(base + scenario.path()), body, decision(scenario), settings.concurrency(), 2,
                        Duration.ofSeconds(5));
            }
            // saturation in rounds, every scenario once per round in turn, so that a busy minute of a shared machine
            // falls on all of them alike; each scenario's median round is reported
            Map<Scenario, List<LoadGenerator.Result>> rounds = new LinkedHashMap<>();
            for (int round = 0; round < settings.rounds(); round++) {
                for (Scenario scenario : scenarios) {
                    URI uri = URI.create(base + scenario.path());
                    Path body = bodyFile(work, scenario);
                    clients.saturate(uri, body, decision(scenario), settings.concurrency(), 2, Duration.ofSeconds(5)); // warm-up
                    Watch watch = new Watch(sidecar, allocation);
                    Optional<Path> recording = settings.profile() && round == 0
                            ? Optional.of(startRecording(sidecar, work, scenario)) : Optional.empty();
                    LoadGenerator.Result saturation = watch.server(clients.saturate(uri, body, decision(scenario),
                            settings.concurrency(), 2, settings.measure()));
                    if (recording.isPresent()) {
                        jcmd(sidecar, "JFR.stop", "name=bench");
                        System.out.println("profile of the sidecar at saturation: " + recording.get());
                    }
                    rounds.computeIfAbsent(scenario, s -> new ArrayList<>()).add(saturation);
                }
            }
            Map<Scenario, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
            double halfBaseline = Math.floor(median(rounds.values().iterator().next()).throughput() / 2);
            for (Scenario scenario : scenarios) {
                URI uri = URI.create(base + scenario.path());
                Path body = bodyFile(work, scenario);
                LoadGenerator java = new LoadGenerator(https, uri, scenario.body(), scenario.allowed());
                List<LoadGenerator.Result> measured = new ArrayList<>();
                measured.add(median(rounds.get(scenario)));
                clients.saturate(uri, body, decision(scenario), settings.concurrency(), 2, Duration.ofSeconds(5)); // warm-up
                Decisions decisions = Decisions.read(sidecar);
                Watch watch = new Watch(sidecar, allocation);
                LoadGenerator.Result half = watch.server(clients.fixedRate(uri, body, halfBaseline, settings.concurrency(),
                        settings.measure()));
                measured.add(decisions.check(Decisions.read(sidecar), scenario, half));
                for (double rate : settings.rates()) {
                    watch = new Watch(sidecar, allocation);
                    measured.add(watch.both(java.fixedRate(rate, settings.measure())));
                }
                results.put(scenario, measured);
                System.out.println(table(Map.of(scenario, measured)));
            }
            List<String> wrong = new ArrayList<>();
            rounds.forEach((scenario, measured) -> measured.stream().filter(r -> r.errors() > 0).forEach(r -> wrong.add(
                    scenario.name() + ", a saturation round: " + r.errors() + " wrong answers or failed requests")));
            results.forEach((scenario, measured) -> measured.stream().filter(r -> r.errors() > 0).forEach(r -> wrong.add(
                    scenario.name() + ", " + load(r) + ": " + r.errors() + " wrong answers or failed requests")));
            if (!wrong.isEmpty()) {
                System.out.println(table(results));
                throw new IllegalStateException("the admission benchmark got wrong answers: " + String.join("; ", wrong));
            }
            return results;
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A flight recording of the sidecar (JFR's {@code profile} settings: CPU and allocation samples) over a
     * saturation run, for {@code -Dbench.profile=true}: {@code jfr print --events jdk.ObjectAllocationSample}.
     */
    private static Path startRecording(SidecarProcess sidecar, Path work, Scenario scenario)
            throws IOException, InterruptedException {
        Path file = work.resolve("sidecar-" + scenario.name().replaceAll("[^A-Za-z0-9]+", "-") + ".jfr").toAbsolutePath();
        jcmd(sidecar, "JFR.start", "name=bench", "settings=profile", "filename=" + file);
        return file;
    }

    private static void jcmd(SidecarProcess sidecar, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("jcmd", Long.toString(sidecar.pid())));
        line.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes());
        if (jcmd.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", line) + " failed: " + output);
        }
    }

    /** The run of median throughput (the higher of the two middle ones for an even count). */
    private static LoadGenerator.Result median(List<LoadGenerator.Result> runs) {
        List<LoadGenerator.Result> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(LoadGenerator.Result::throughput));
        return sorted.get(sorted.size() / 2);
    }

    /** What the benchmark's clients check in each answer. */
    private static String decision(Scenario scenario) {
        return "\"allowed\":" + scenario.allowed();
    }

    private static Path bodyFile(Path work, Scenario scenario) throws IOException {
        Path file = work.resolve("body-" + Integer.toHexString(scenario.name().hashCode()) + ".json");
        Files.writeString(file, scenario.body());
        return file;
    }

    /** The sidecar's (and this JVM's) CPU and the sidecar's allocated bytes, from when it was made to a run's end. */
    private static final class Watch {
        private final SidecarProcess sidecar;
        private final JvmAllocation allocation;
        private final double serverCpu;
        private final double selfCpu;
        private final long allocated;

        Watch(SidecarProcess sidecar, JvmAllocation allocation) {
            this.sidecar = sidecar;
            this.allocation = allocation;
            this.serverCpu = Machine.cpuSeconds(sidecar.pid());
            this.selfCpu = Machine.cpuSeconds(ProcessHandle.current().pid());
            this.allocated = allocation.allocatedBytes();
        }

        /** A native client's run: its own CPU is already in the result. */
        LoadGenerator.Result server(LoadGenerator.Result run) {
            return run.withCost(new LoadGenerator.Cost(run.cost().clientCpuSeconds(), run.cost().clientThreads(),
                    Machine.cpuSeconds(sidecar.pid()) - serverCpu, allocation.allocatedBytes() - allocated,
                    Machine.loadAverage()));
        }

        /** A run of the Java generator: the client is this JVM, whose 2 client threads share it with the API server. */
        LoadGenerator.Result both(LoadGenerator.Result run) {
            return run.withCost(new LoadGenerator.Cost(Machine.cpuSeconds(ProcessHandle.current().pid()) - selfCpu, 2,
                    Machine.cpuSeconds(sidecar.pid()) - serverCpu, allocation.allocatedBytes() - allocated,
                    Machine.loadAverage()));
        }
    }

    /**
     * The sidecar's decision counters ({@code hcp_rollback_admission_decisions_total} by decision, from its
     * management port): how a client that cannot read answers (h2load) has them checked.
     */
    private record Decisions(Map<String, Double> byDecision) {
        static Decisions read(SidecarProcess sidecar) throws IOException, InterruptedException {
            HttpResponse<String> scrape = sidecar.managementClient().build().send(HttpRequest.newBuilder(
                    sidecar.management("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            Map<String, Double> counts = new LinkedHashMap<>();
            for (String line : scrape.body().split("\n")) {
                if (line.startsWith("hcp_rollback_admission_decisions_total{")) {
                    String decision = line.contains("decision=\"allowed\"") ? "allowed" : "denied";
                    counts.merge(decision, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
                }
            }
            return new Decisions(counts);
        }

        /** The run with every request whose decision the counters do not show as expected counted as an error. */
        LoadGenerator.Result check(Decisions after, Scenario scenario, LoadGenerator.Result run) {
            if (scenario.path().endsWith("/baseline")) {
                return run; // the constant answer is counted nowhere; its status was checked
            }
            String expected = scenario.allowed() ? "allowed" : "denied";
            long right = Math.round(after.byDecision.getOrDefault(expected, 0.0) - byDecision.getOrDefault(expected, 0.0));
            long missing = Math.max(0, run.completed() - right);
            long other = Math.round(after.byDecision.values().stream().mapToDouble(Double::doubleValue).sum()
                    - byDecision.values().stream().mapToDouble(Double::doubleValue).sum()) - right;
            long wrong = Math.max(missing, other);
            return wrong == 0 ? run
                    : new LoadGenerator.Result(run.client(), run.mode(), run.offeredRate(), run.completed() - wrong,
                            run.errors() + wrong, run.dropped(), run.seconds(), run.p50Ms(), run.p99Ms(), run.p999Ms(),
                            run.maxMs(), run.cost());
        }
    }

    static String header(Settings settings) {
        return String.format(Locale.ROOT, "Saturation with wrk (closed loop, %d keep-alive connections, 2 threads, every"
                + " answer's status and decision checked) for %ds, after 5 s of warm-up, in " + settings.rounds() + " rounds"
                + " (every scenario in turn per round; the median round of each is reported); then per scenario, half the baseline's"
                + " saturation rate with h2load (%d connections, fixed rate, latency from sending, decisions checked"
                + " against the sidecar's counters) for %ds" + (settings.rates().isEmpty() ? "%s%s"
                        : "; then %s req/s with the suite's Java open-loop generator (latency from the intended send time)"
                                + " for %ds each")
                + ". HTTP/1.1 keep-alive over TLS. The clients, the"
                + " in-process API server (in the benchmark's JVM) and the sidecar share the machine. Client CPU is the"
                + " share of the cores its threads could use (wrk: 2 threads, h2load: 1, the Java generator: its JVM,"
                + " API server included, against 2); a run whose client used at least 90%% of it is client-bound and"
                + " gives no ratio. Sidecar CPU is utime + stime of its process over the run (/proc), allocation the"
                + " sum of its threads' allocated bytes (ThreadMXBean over JMX).%n%n",
                settings.concurrency(), settings.measure().toSeconds(), settings.concurrency(), settings.measure().toSeconds(),
                settings.rates().isEmpty() ? "" : settings.rates(), settings.rates().isEmpty() ? "" : settings.measure().toSeconds());
    }

    static String table(Map<Scenario, List<LoadGenerator.Result>> results) {
        StringBuilder out = new StringBuilder(
                "| scenario | client | load | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | dropped"
                        + " | client CPU | sidecar CPU ms/req | sidecar KiB/req | load average |\n"
                        + "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        results.forEach((scenario, measured) -> measured.forEach(r -> out.append(String.format(Locale.ROOT,
                "| %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d | %d | %.0f%%%s | %.3f | %s | %s |%n",
                scenario.name(), r.client(), load(r), r.throughput(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.maxMs(),
                r.errors(), r.dropped(), 100 * r.clientBusy(), r.clientBound() ? " (client-bound)" : "",
                r.serverCpuMsPerRequest(), r.allocatedBytesPerRequest() < 0 ? "-"
                        : String.format(Locale.ROOT, "%.1f", r.allocatedBytesPerRequest() / 1024),
                r.cost().loadAverage()))));
        return out.toString();
    }

    /** Each scenario against the baseline, and the verdict on every target (issue 11's admission targets). */
    static String verdict(Map<Scenario, List<LoadGenerator.Result>> results) {
        List<Scenario> scenarios = new ArrayList<>(results.keySet());
        LoadGenerator.Result baseline = saturation(results.get(scenarios.get(0)));
        LoadGenerator.Result baselineHalf = half(results.get(scenarios.get(0)));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nTargets against the baseline (same run):"
                + " saturation %.0f req/s, %.3f ms sidecar CPU per request; p99 at %.0f req/s %.2f ms.%n%n",
                baseline.throughput(), baseline.serverCpuMsPerRequest(), baselineHalf.offeredRate(), baselineHalf.p99Ms()));
        out.append("| scenario | saturation / baseline | target | sidecar CPU per request / baseline | target"
                + " | p99 at half the baseline's rate / baseline | target | sidecar KiB per request | target |\n"
                + "| --- | ---: | --- | ---: | --- | ---: | --- | ---: | --- |\n");
        for (Scenario scenario : scenarios.subList(1, scenarios.size())) {
            LoadGenerator.Result saturation = saturation(results.get(scenario));
            LoadGenerator.Result half = half(results.get(scenario));
            boolean rollback = scenario.name().startsWith("(c)");
            boolean admittedOnly = scenario.name().startsWith("(a)");
            double throughputTarget = rollback ? 0.5 : 0.8;
            String throughput = baseline.clientBound() || saturation.clientBound() ? "client-bound"
                    : String.format(Locale.ROOT, "%.0f%%", 100 * saturation.throughput() / baseline.throughput());
            String throughputVerdict = throughput.equals("client-bound") ? "no verdict"
                    : verdict(saturation.throughput() >= throughputTarget * baseline.throughput(),
                            String.format(Locale.ROOT, "≥ %.0f%%", 100 * throughputTarget));
            double cpuRatio = saturation.serverCpuMsPerRequest() / baseline.serverCpuMsPerRequest();
            double p99Ratio = half.p99Ms() / baselineHalf.p99Ms();
            double kib = saturation.allocatedBytesPerRequest() / 1024;
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2fx | %s | %.2fx | %s | %.1f | %s |%n", scenario.name(),
                    throughput, throughputVerdict, cpuRatio, rollback ? "none" : verdict(cpuRatio <= 1.25, "≤ 1.25x"),
                    p99Ratio, rollback ? "none" : verdict(p99Ratio <= 2, "≤ 2x"), kib,
                    admittedOnly ? verdict(kib <= 20, "≤ 20 KiB") : "none"));
        }
        return out.toString();
    }

    private static String verdict(boolean met, String target) {
        return target + ": " + (met ? "met" : "missed");
    }

    private static LoadGenerator.Result saturation(List<LoadGenerator.Result> measured) {
        return measured.get(0);
    }

    private static LoadGenerator.Result half(List<LoadGenerator.Result> measured) {
        return measured.get(1);
    }

    /** One line per scenario and load step, for tools. */
    static void writeCsv(Path file, String run, Map<Scenario, List<LoadGenerator.Result>> results) throws IOException {
        StringBuilder csv = new StringBuilder("run,scenario,client,load,offered_rps,achieved_rps,completed,errors,dropped,"
                + "seconds,p50_ms,p99_ms,p999_ms,max_ms,client_cpu_s,client_threads,client_bound,sidecar_cpu_s,"
                + "sidecar_cpu_ms_per_request,sidecar_bytes_per_request,load_average\n");
        results.forEach((scenario, measured) -> measured.forEach(r -> csv.append(String.format(Locale.ROOT,
                "%s,\"%s\",%s,%s,%.0f,%.1f,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%d,%b,%.2f,%.4f,%.0f,\"%s\"%n", run,
                scenario.name(), r.client(), load(r), r.offeredRate(), r.throughput(), r.completed(), r.errors(),
                r.dropped(), r.seconds(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.maxMs(), r.cost().clientCpuSeconds(),
                r.cost().clientThreads(), r.clientBound(), r.cost().serverCpuSeconds(), r.serverCpuMsPerRequest(),
                r.allocatedBytesPerRequest(), r.cost().loadAverage()))));
        Files.writeString(file, csv);
    }

    private static String load(LoadGenerator.Result r) {
        return r.offeredRate() > 0 ? String.format(Locale.ROOT, "%.0f req/s", r.offeredRate()) : r.mode();
    }

}
