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

    /** Saturation per scenario before any is measured, so that the JIT has compiled every scenario's path. */
    static final Duration WHOLE_SERVER_WARM_UP = Duration.ofSeconds(20);

    /** Configuration the sidecar needs for the baseline endpoint to exist; its log levels are production's. */
    static final Map<String, String> SIDECAR_CONFIG = Map.of("hcp-rollback.benchmark.baseline-endpoint", "true");

    record Scenario(String name, String path, String body, boolean allowed) {
    }

    /**
     * One saturation round of one scenario: the run with its cost, what the sidecar's JVM did meanwhile (allocation,
     * collections, JIT compilation: {@link JvmAllocation.Counters}, differences over the round), the CPU seconds of the
     * benchmark's JVM (the in-process API server; wrk is a process of its own) and of everything else on the machine
     * (the machine's busy time less the sidecar's, the client's and the benchmark JVM's).
     */
    record Round(LoadGenerator.Result run, JvmAllocation.Counters sidecar, double apiServerCpuSeconds,
            double othersCpuSeconds) {
    }

    /**
     * One measurement against one sidecar: per scenario its median saturation round, half the baseline's rate and the
     * fixed rates ({@code results}, as {@link #table} prints them), and every saturation round ({@code rounds}).
     */
    record Measurement(Map<Scenario, List<LoadGenerator.Result>> results, Map<Scenario, List<Round>> rounds) {

        /** Everything else on the machine used more than a tenth of its cores during the saturation rounds. */
        boolean busy() {
            return othersShare() > 0.1;
        }

        /** The share of the machine's cores other processes used during the saturation rounds. */
        double othersShare() {
            double others = 0;
            double seconds = 0;
            for (List<Round> measured : rounds.values()) {
                for (Round round : measured) {
                    others += round.othersCpuSeconds();
                    seconds += round.run().seconds();
                }
            }
            return others / Math.max(1e-9, seconds) / Runtime.getRuntime().availableProcessors();
        }
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
    static Measurement measure(SimulatedManagementCluster management, SidecarProcess sidecar, Settings settings)
            throws Exception {
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
            // baseline, does not pay for the JIT alone; each scenario still gets its own warm-up below. 20 s each:
            // with 5 s, each scenario's first round still spent up to 19 s compiling (docs/benchmarks.md)
            for (Scenario scenario : scenarios) {
                Path body = bodyFile(work, scenario);
                new LoadGenerator(https, URI.create(base + scenario.path()), scenario.body(), scenario.allowed()).probe();
                clients.saturate(URI.create(base + scenario.path()), body, decision(scenario), settings.concurrency(), 2,
                        WHOLE_SERVER_WARM_UP);
            }
            // saturation in rounds, every scenario once per round in turn, so that a busy minute of a shared machine
            // falls on all of them alike; each scenario's median round is reported
            Map<Scenario, List<Round>> rounds = new LinkedHashMap<>();
            for (int round = 0; round < settings.rounds(); round++) {
                for (Scenario scenario : scenarios) {
                    URI uri = URI.create(base + scenario.path());
                    Path body = bodyFile(work, scenario);
                    clients.saturate(uri, body, decision(scenario), settings.concurrency(), 2, Duration.ofSeconds(5)); // warm-up
                    Watch watch = new Watch(sidecar, allocation);
                    Optional<Path> recording = settings.profile() && round == 0
                            ? Optional.of(startRecording(sidecar, work, scenario)) : Optional.empty();
                    Round saturation = watch.round(clients.saturate(uri, body, decision(scenario),
                            settings.concurrency(), 2, settings.measure()));
                    if (recording.isPresent()) {
                        jcmd(sidecar, "JFR.stop", "name=bench");
                        System.out.println("profile of the sidecar at saturation: " + recording.get());
                    }
                    rounds.computeIfAbsent(scenario, s -> new ArrayList<>()).add(saturation);
                }
            }
            Map<Scenario, List<LoadGenerator.Result>> results = new LinkedHashMap<>();
            double halfBaseline = Math.floor(median(runs(rounds.values().iterator().next())).throughput() / 2);
            for (Scenario scenario : scenarios) {
                URI uri = URI.create(base + scenario.path());
                Path body = bodyFile(work, scenario);
                LoadGenerator java = new LoadGenerator(https, uri, scenario.body(), scenario.allowed());
                List<LoadGenerator.Result> measured = new ArrayList<>();
                measured.add(median(runs(rounds.get(scenario))));
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
            rounds.forEach((scenario, measured) -> runs(measured).stream().filter(r -> r.errors() > 0).forEach(r -> wrong.add(
                    scenario.name() + ", a saturation round: " + r.errors() + " wrong answers or failed requests")));
            results.forEach((scenario, measured) -> measured.stream().filter(r -> r.errors() > 0).forEach(r -> wrong.add(
                    scenario.name() + ", " + load(r) + ": " + r.errors() + " wrong answers or failed requests")));
            if (!wrong.isEmpty()) {
                System.out.println(table(results));
                throw new IllegalStateException("the admission benchmark got wrong answers: " + String.join("; ", wrong));
            }
            return new Measurement(results, rounds);
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

    private static List<LoadGenerator.Result> runs(List<Round> rounds) {
        return rounds.stream().map(Round::run).toList();
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
        private final double machineCpu;
        private final JvmAllocation.Counters counters;
        private final long allocated;

        Watch(SidecarProcess sidecar, JvmAllocation allocation) {
            this.sidecar = sidecar;
            this.allocation = allocation;
            this.serverCpu = Machine.cpuSeconds(sidecar.pid());
            this.selfCpu = Machine.cpuSeconds(ProcessHandle.current().pid());
            this.machineCpu = Machine.machineBusyCpuSeconds();
            this.counters = allocation.counters();
            this.allocated = counters.allocatedBytes();
        }

        /** A saturation round of a native client, with what the sidecar's JVM and the rest of the machine did meanwhile. */
        Round round(LoadGenerator.Result run) {
            double machine = Machine.machineBusyCpuSeconds() - machineCpu;
            double self = Machine.cpuSeconds(ProcessHandle.current().pid()) - selfCpu;
            JvmAllocation.Counters during = allocation.counters().minus(counters);
            LoadGenerator.Result measured = server(run);
            return new Round(measured, during, self,
                    Math.max(0, machine - measured.cost().serverCpuSeconds() - measured.cost().clientCpuSeconds() - self));
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
        return headerText(settings) + String.format(Locale.ROOT, "Per round, the sidecar's JVM's collections, collection"
                + " milliseconds and JIT compilation milliseconds (its GarbageCollector and Compilation MXBeans over the"
                + " same JMX connection), the CPU of the benchmark's JVM (the in-process API server) and of every other"
                + " process on the machine (/proc/stat's busy time less the sidecar's, the client's and the benchmark"
                + " JVM's).%n%n");
    }

    private static String headerText(Settings settings) {
        return String.format(Locale.ROOT, "Saturation with wrk (closed loop, %d keep-alive connections, 2 threads, every"
                + " answer's status and decision checked) for %ds, after " + WHOLE_SERVER_WARM_UP.toSeconds() + " s of warm-up per scenario before the first round"
                + " and 5 s before each, in " + settings.rounds() + " rounds"
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

    /**
     * Every saturation round of one measurement, in the order they ran, with what the sidecar's JVM and the machine did
     * meanwhile; per scenario each figure's min / median / max over the rounds; and how the rounds' throughput, relative
     * to their scenario's median, went with those facts (Pearson's r over all rounds): what made rounds differ.
     */
    static String rounds(Measurement measurement) {
        StringBuilder out = new StringBuilder("| scenario | round | req/s | sidecar CPU ms/req | sidecar KiB/req | sidecar GCs"
                + " (old) | GC ms | JIT ms | API server JVM CPU s | others' CPU s | load average |\n"
                + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        List<double[]> relative = new ArrayList<>(); // throughput / its scenario's median, others, API server, GC ms, JIT ms
        measurement.rounds().forEach((scenario, measured) -> {
            for (int i = 0; i < measured.size(); i++) {
                Round r = measured.get(i);
                out.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.3f | %.1f | %d (%d) | %d | %s | %.1f | %.1f | %s |%n",
                        scenario.name(), i + 1, r.run().throughput(), r.run().serverCpuMsPerRequest(),
                        r.run().allocatedBytesPerRequest() / 1024, r.sidecar().collections(), r.sidecar().oldCollections(),
                        r.sidecar().collectionMillis(), r.sidecar().jitMillis() < 0 ? "-" : Long.toString(r.sidecar().jitMillis()),
                        r.apiServerCpuSeconds(), r.othersCpuSeconds(), r.run().cost().loadAverage()));
            }
            Spread throughput = Spread.of(measured, r -> r.run().throughput());
            out.append(String.format(Locale.ROOT, "| %s | min / median / max | %s | %s | %s | | %s | %s | %s | %s | |%n",
                    scenario.name(), throughput.format("%.0f"),
                    Spread.of(measured, r -> r.run().serverCpuMsPerRequest()).format("%.3f"),
                    Spread.of(measured, r -> r.run().allocatedBytesPerRequest() / 1024).format("%.1f"),
                    Spread.of(measured, r -> r.sidecar().collectionMillis()).format("%.0f"),
                    Spread.of(measured, r -> r.sidecar().jitMillis()).format("%.0f"),
                    Spread.of(measured, Round::apiServerCpuSeconds).format("%.1f"),
                    Spread.of(measured, Round::othersCpuSeconds).format("%.1f")));
            for (Round r : measured) {
                relative.add(new double[] {r.run().throughput() / throughput.median(), r.othersCpuSeconds(),
                        r.apiServerCpuSeconds(), r.sidecar().collectionMillis(), r.sidecar().jitMillis()});
            }
        });
        out.append(String.format(Locale.ROOT, "%nOther processes used %.0f%% of the machine's cores during these rounds%s."
                + " Each round's throughput relative to its scenario's median, against (Pearson's r over the %d rounds):"
                + " others' CPU %s, the API server JVM's CPU %s, the sidecar's GC ms %s, its JIT ms %s.%n",
                100 * measurement.othersShare(), measurement.busy() ? " (a busy machine: throughput targets not judged)" : "",
                relative.size(), correlation(relative, 1), correlation(relative, 2), correlation(relative, 3),
                correlation(relative, 4)));
        return out.toString();
    }

    /** Pearson's r of column 0 against {@code column}, or "n/a" when either does not vary. */
    private static String correlation(List<double[]> rows, int column) {
        int n = rows.size();
        double mx = rows.stream().mapToDouble(r -> r[0]).average().orElse(0);
        double my = rows.stream().mapToDouble(r -> r[column]).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (double[] r : rows) {
            sxy += (r[0] - mx) * (r[column] - my);
            sxx += (r[0] - mx) * (r[0] - mx);
            syy += (r[column] - my) * (r[column] - my);
        }
        return n < 3 || sxx == 0 || syy == 0 ? "n/a" : String.format(Locale.ROOT, "%+.2f", sxy / Math.sqrt(sxx * syy));
    }

    /** A figure's min, median (the mean of the middle two for an even count) and max over some rounds. */
    private record Spread(double min, double median, double max) {
        static Spread of(List<Round> rounds, java.util.function.ToDoubleFunction<Round> figure) {
            return of(rounds.stream().mapToDouble(figure).sorted().toArray());
        }

        static Spread of(double[] sorted) {
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            return new Spread(sorted[0], median, sorted[n - 1]);
        }

        String format(String number) {
            return String.format(Locale.ROOT, number + " / " + number + " / " + number, min, median, max);
        }
    }

    /**
     * Each scenario against the baseline of the same measurement, and the verdict on every target: a ratio of the
     * medians over the rounds (p99: of the one run at half the baseline's rate) per measurement, beside the range of
     * the round-by-round ratios; a target is met only when every measurement's median meets it. Throughput, CPU and
     * latency targets get no verdict when a measurement ran on a busy machine ({@link Measurement#busy()}) or its
     * client was the bottleneck; allocation is judged anyway (it hardly depends on what else runs).
     */
    static String verdict(List<Measurement> runs) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nTargets against the baseline of the same"
                + " measurement, over %d measurement%s (each a sidecar of its own): median of the rounds, and in brackets the"
                + " lowest and highest round-by-round ratio (each round against the baseline's round just before it); met"
                + " only when every measurement's median meets the target.%n%n", runs.size(), runs.size() == 1 ? "" : "s"));
        out.append("| scenario | figure | target |");
        for (int i = 1; i <= runs.size(); i++) {
            out.append(" run ").append(i).append(" |");
        }
        out.append(" verdict |\n| --- | --- | --- |").append(" ---: |".repeat(runs.size())).append(" --- |\n");
        List<Scenario> scenarios = new ArrayList<>(runs.get(0).rounds().keySet());
        Scenario baseline = scenarios.get(0);
        for (Scenario scenario : scenarios.subList(1, scenarios.size())) {
            boolean rollback = scenario.name().startsWith("(c)");
            boolean admittedOnly = scenario.name().startsWith("(a)");
            double throughputTarget = rollback ? 0.5 : 0.8;
            targetRow(out, runs, scenario, "saturation / baseline", String.format(Locale.ROOT, "≥ %.0f%%", 100 * throughputTarget),
                    true, "%.0f%%", r -> r.run().throughput(), (s, b) -> 100 * s / b,
                    ratio -> ratio >= 100 * throughputTarget, true);
            targetRow(out, runs, scenario, "sidecar CPU per request / baseline", rollback ? "none" : "≤ 1.25x", true, "%.2fx",
                    r -> r.run().serverCpuMsPerRequest(), (s, b) -> s / b, ratio -> ratio <= 1.25, !rollback);
            halfRateRow(out, runs, scenario, rollback);
            targetRow(out, runs, scenario, "rules' own KiB per request (less the baseline's)", admittedOnly ? "≤ 10 KiB" : "none",
                    false, "%.1f", r -> r.run().allocatedBytesPerRequest() / 1024, (s, b) -> s - b, kib -> kib <= 10,
                    admittedOnly);
            targetRow(out, runs, scenario, "sidecar KiB per request, in all", "none", false, "%.1f",
                    r -> r.run().allocatedBytesPerRequest() / 1024, (s, b) -> s, kib -> true, false);
        }
        return out.toString();
    }

    private interface Compare {
        double apply(double scenario, double baseline);
    }

    /** One figure of one scenario in every measurement, and its verdict. */
    private static void targetRow(StringBuilder out, List<Measurement> runs, Scenario scenario, String figure, String target,
            boolean needsQuietMachine, String format, java.util.function.ToDoubleFunction<Round> of, Compare compare,
            java.util.function.DoublePredicate meets, boolean judged) {
        out.append("| ").append(scenario.name()).append(" | ").append(figure).append(" | ").append(target).append(" |");
        boolean allMet = true;
        List<String> withheld = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Measurement run = runs.get(i);
            List<Round> rounds = sameScenario(run.rounds(), scenario);
            List<Round> base = run.rounds().values().iterator().next();
            double median = compare.apply(Spread.of(rounds, of).median(), Spread.of(base, of).median());
            double[] byRound = new double[Math.min(rounds.size(), base.size())];
            for (int k = 0; k < byRound.length; k++) {
                byRound[k] = compare.apply(of.applyAsDouble(rounds.get(k)), of.applyAsDouble(base.get(k)));
            }
            Arrays.sort(byRound);
            Spread spread = Spread.of(byRound);
            out.append(String.format(Locale.ROOT, " " + format + " (" + format + "–" + format + ") |", median, spread.min(),
                    spread.max()));
            allMet &= meets.test(median);
            if (needsQuietMachine && run.busy()) {
                withheld.add(String.format(Locale.ROOT, "run %d on a busy machine (others used %.0f%% of the cores)", i + 1,
                        100 * run.othersShare()));
            }
            if (needsQuietMachine && (rounds.stream().anyMatch(r -> r.run().clientBound())
                    || base.stream().anyMatch(r -> r.run().clientBound()))) {
                withheld.add("run " + (i + 1) + " client-bound");
            }
        }
        out.append(' ').append(!judged ? "-" : !withheld.isEmpty() ? "not judged: " + String.join(", ", withheld)
                : allMet ? "**met**" : "**not met**").append(" |\n");
    }

    /** p99 at half the baseline's saturation rate against the baseline's there: one h2load run per measurement. */
    private static void halfRateRow(StringBuilder out, List<Measurement> runs, Scenario scenario, boolean rollback) {
        out.append("| ").append(scenario.name()).append(" | p99 at half the baseline's rate / baseline | ")
                .append(rollback ? "none" : "≤ 2x").append(" |");
        boolean allMet = true;
        List<String> withheld = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Measurement run = runs.get(i);
            List<LoadGenerator.Result> baseline = run.results().values().iterator().next();
            double ratio = half(sameScenario(run.results(), scenario)).p99Ms() / half(baseline).p99Ms();
            out.append(String.format(Locale.ROOT, " %.2fx at %.0f req/s |", ratio, half(baseline).offeredRate()));
            allMet &= ratio <= 2;
            if (run.busy()) {
                withheld.add("run " + (i + 1) + " on a busy machine");
            }
        }
        out.append(' ').append(rollback ? "-" : !withheld.isEmpty() ? "not judged: " + String.join(", ", withheld)
                : allMet ? "**met**" : "**not met**").append(" |\n");
    }

    /**
     * A scenario's figures in another measurement, found by name: each measurement builds its scenarios afresh
     * (new uids in their bodies), so its keys are not equal to another's.
     */
    private static <V> V sameScenario(Map<Scenario, V> measured, Scenario scenario) {
        return measured.entrySet().stream().filter(e -> e.getKey().name().equals(scenario.name())).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new IllegalStateException(scenario.name() + " was not measured in every run"));
    }

    private static LoadGenerator.Result half(List<LoadGenerator.Result> measured) {
        return measured.get(1);
    }

    /**
     * One line per scenario and load step, and per saturation round (load {@code round N}, with the sidecar's GC and JIT
     * figures), for tools; {@code run} names the measurement.
     */
    static String csv(String run, Measurement measurement) {
        StringBuilder csv = new StringBuilder();
        measurement.results().forEach((scenario, measured) -> measured.forEach(r -> csv.append(csvLine(run, scenario, load(r),
                r, null))));
        measurement.rounds().forEach((scenario, measured) -> {
            for (int i = 0; i < measured.size(); i++) {
                csv.append(csvLine(run, scenario, "round " + (i + 1), measured.get(i).run(), measured.get(i)));
            }
        });
        return csv.toString();
    }

    static final String CSV_HEADER = "run,scenario,client,load,offered_rps,achieved_rps,completed,errors,dropped,"
            + "seconds,p50_ms,p99_ms,p999_ms,max_ms,client_cpu_s,client_threads,client_bound,sidecar_cpu_s,"
            + "sidecar_cpu_ms_per_request,sidecar_bytes_per_request,load_average,sidecar_gcs,sidecar_old_gcs,sidecar_gc_ms,"
            + "sidecar_jit_ms,api_server_cpu_s,others_cpu_s\n";

    private static String csvLine(String run, Scenario scenario, String load, LoadGenerator.Result r, Round round) {
        return String.format(Locale.ROOT,
                "%s,\"%s\",%s,%s,%.0f,%.1f,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%d,%b,%.2f,%.4f,%.0f,\"%s\",%s%n", run,
                scenario.name(), r.client(), load, r.offeredRate(), r.throughput(), r.completed(), r.errors(),
                r.dropped(), r.seconds(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.maxMs(), r.cost().clientCpuSeconds(),
                r.cost().clientThreads(), r.clientBound(), r.cost().serverCpuSeconds(), r.serverCpuMsPerRequest(),
                r.allocatedBytesPerRequest(), r.cost().loadAverage(), round == null ? ",,,,," : String.format(Locale.ROOT,
                        "%d,%d,%d,%d,%.2f,%.2f", round.sidecar().collections(), round.sidecar().oldCollections(),
                        round.sidecar().collectionMillis(), round.sidecar().jitMillis(), round.apiServerCpuSeconds(),
                        round.othersCpuSeconds()));
    }

    private static String load(LoadGenerator.Result r) {
        return r.offeredRate() > 0 ? String.format(Locale.ROOT, "%.0f req/s", r.offeredRate()) : r.mode();
    }

}
