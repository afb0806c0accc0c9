package dev.hcprollback.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;

import io.etcd.jetcd.Client;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.rollback.restore.fetch.VolumeSpace;
import dev.hcprollback.snapshot.EtcdSnapshotStreamer;
import dev.hcprollback.snapshot.SnapshotTaker;
import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.KubeApiServer;
import dev.hcprollback.testing.LocalRestoreJob;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestPki;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.testing.TestUser;

/**
 * Part 5, the rollback's outage as the customer sees it. A real 3-member etcd cluster with peer and client TLS
 * ({@link LocalEtcdCluster}, each member's directory standing for its volume), filled with Kubernetes-shaped objects
 * ({@link EtcdFill}), a real kube-apiserver in front of it, and a client ({@link OutageClient}) that writes and reads
 * through it every 100 ms. Per size ({@code -Dbench.outage-mib=1024,4096}, ascending; each size fills the same
 * cluster on): a snapshot by the project's {@link SnapshotTaker} into s3proxy, more writes (the "update"), then the
 * rollback's steps with their real commands where they have any, and process stops and starts where a management
 * cluster scales:
 *
 * <ul>
 * <li>Preflight: the capacity figures of each member's volume ({@link VolumeSpace#measure}, the measure Job's code)
 * and what the stage needs ({@link VolumeSpace#stageNeeds}).</li>
 * <li>Stage, while serving: per member, the stage Job's containers ({@link LocalRestoreJob#withFetch} of
 * {@link RestoreScript#STAGE}: the fetch container's main class in a JVM of its own, then the script under
 * {@code sh}), the three side by side, with {@link RestoreScript#environment} for this cluster's peer URLs.</li>
 * <li>Quiesce: the API server stopped (the writers scaled to 0), etcd's revision read and compared with the
 * restored one (snapshot + bump), the members stopped (etcd scaled to 0).</li>
 * <li>Swap: {@link RestoreScript#SWAP} per member. StartEtcd: the members started on the restored dirs, quorum, one
 * cluster ID, the revision past the bump. Revert has no HostedCluster to patch here. Resume: the API server started.
 * Verify: until the client's first write and read succeed.</li>
 * </ul>
 *
 * Writes {@code target/benchmarks/outage.md} and {@code outage.json}; logs under {@code target/benchmarks/outage/}.
 */
final class OutageBenchmark {

    private static final long MIB = 1L << 20;
    private static final double GIB = 1L << 30;
    private static final String BUCKET = "outage";
    private static final String NAMESPACE = "outage-client";
    private static final int MEMBERS = 3;
    /** The production default of {@code hcp-rollback.rollback.bump-revision}. */
    private static final long BUMP_REVISION = 1_000_000_000L;
    /** How long the client writes after the snapshot before the rollback is decided (the "update"). */
    private static final Duration AFTER_SNAPSHOT = Duration.ofSeconds(10);

    private OutageBenchmark() {
    }

    static void run(Path work) throws Exception {
        List<Long> sizes = List.of(System.getProperty("bench.outage-mib", "1024,4096").split(",")).stream()
                .map(String::trim).map(Long::parseLong).sorted().toList();
        Path dir = work.resolve("outage").toAbsolutePath();
        TestTools.deleteRecursively(dir);
        Files.createDirectories(dir);
        String machine = Machine.describe();
        ProductionLogging.applyToThisJvm();
        ProductionLogging.requireInThisJvm("the outage benchmark's JVM (s3proxy)");
        long quota = (2 * sizes.get(sizes.size() - 1) + 1024) * MIB;
        List<Map<String, Object>> rounds = new ArrayList<>();
        try {
            measure(sizes, quota, dir, rounds);
        } finally {
            // tens of GiB at 4 GiB: removed even when the run failed; the logs stay
            for (int member = 0; member < MEMBERS; member++) {
                TestTools.deleteRecursively(dir.resolve("etcd").resolve("member-" + member).resolve("data"));
                TestTools.deleteRecursively(dir.resolve("etcd").resolve("member-" + member).resolve("work"));
            }
            TestTools.deleteRecursively(dir.resolve("s3"));
            // what was measured is written even when a later size failed
            report(work, machine, quota, rounds);
        }
    }

    private static void report(Path work, String machine, long quota, List<Map<String, Object>> rounds) throws IOException {
        rounds.removeIf(round -> !round.containsKey("skipped") && !round.containsKey("writes")); // a round that failed
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("machine", Machine.facts());
        raw.put("settings", Map.of("members", MEMBERS, "quotaBackendBytes", quota, "bumpRevision", BUMP_REVISION,
                "clientPeriodMillis", OutageClient.PERIOD.toMillis(), "afterSnapshotSeconds", AFTER_SNAPSHOT.toSeconds()));
        raw.put("rounds", rounds);
        HostedClusters.JSON.writerWithDefaultPrettyPrinter().writeValue(work.resolve("outage.json").toFile(), raw);
        String report = OutageReport.markdown(machine, rounds);
        Files.writeString(work.resolve("outage.md"), report);
        System.out.println("\n" + report + "\nwritten to " + work.resolve("outage.md"));
    }

    private static void measure(List<Long> sizes, long quota, Path dir, List<Map<String, Object>> rounds) throws Exception {
        try (LocalEtcdCluster etcd = LocalEtcdCluster.start(dir.resolve("etcd"), MEMBERS, new TestPki(), "--quota-backend-bytes",
                Long.toString(quota)); S3Server s3 = SnapshotBenchmark.s3Server("filesystem", dir.resolve("s3"))) {
            s3.createBucket(BUCKET);
            S3SnapshotStore store = new S3SnapshotStore(s3.client(), s3.presigner(), BUCKET, Optional.empty(), 8 << 20);
            KubeApiServer api = null;
            try {
                for (long mib : sizes) {
                    long free = Files.getFileStore(dir).getUsableSpace();
                    // three members' data, downloads and restored copies, the stored snapshot, and a tenth to spare
                    long needs = (long) ((3 * MEMBERS + 1) * mib * MIB * 1.1);
                    if (free < needs) {
                        System.out.printf(Locale.ROOT, "outage at %d MiB skipped: needs about %d GiB on the disk, %d GiB free%n",
                                mib, needs >> 30, free >> 30);
                        rounds.add(Map.of("targetMib", mib, "skipped", "needs about " + (needs >> 30) + " GiB, "
                                + (free >> 30) + " GiB free"));
                        continue;
                    }
                    Map<String, Object> round = new LinkedHashMap<>();
                    round.put("targetMib", mib);
                    round.put("loadAverageAtStart", Machine.loadAverage());
                    long fillStart = System.nanoTime();
                    try (EtcdFill fill = new EtcdFill(etcd::client, etcd.clientUrl(0), 4, mib)) {
                        round.put("dbSizeBytes", grow(fill, mib * MIB));
                        round.put("keysAdded", fill.keys());
                    }
                    round.put("fillSeconds", (System.nanoTime() - fillStart) / 1e9);
                    System.out.printf(Locale.ROOT, "outage %d MiB: etcd filled to %d bytes in %.0f s%n", mib,
                            (long) round.get("dbSizeBytes"), (double) round.get("fillSeconds"));
                    if (api == null) {
                        api = startApiServer(etcd, dir.resolve("kube-apiserver"));
                        OutageClient.createNamespace(api.url(), api.trustContext(), api.token(TestUser.ADMIN), NAMESPACE);
                    }
                    rounds.add(round);
                    rollback(etcd, api, store, mib, dir, round);
                }
            } finally {
                if (api != null) {
                    api.close();
                }
            }
        }
    }

    /**
     * Fills to {@code bytes}, 32 puts in flight (the cluster batches them per fsync). On a busy machine a put can time
     * out in the cluster ({@code etcdserver: request timed out}); the fill then goes on from the size reached, up to
     * 5 times: only the size and the kind of content matter here, not every single key.
     */
    private static long grow(EtcdFill fill, long bytes) throws Exception {
        for (int attempt = 1;; attempt++) {
            try {
                return fill.growTo(bytes, 32);
            } catch (java.util.concurrent.ExecutionException e) {
                if (attempt == 5) {
                    throw e;
                }
                System.out.println("fill: " + e.getCause() + "; going on from the size reached");
            }
        }
    }

    /**
     * The kube-apiserver in front of the cluster, with the client certificate. Its watch cache is off: with it, each
     * start decodes every object of the cached kinds into memory, which at 4 GiB of objects does not fit beside the
     * three members on this machine (a real API server's start pays for its cache; not measured here).
     */
    private static KubeApiServer startApiServer(LocalEtcdCluster etcd, Path dir) {
        Path pem = etcd.pem();
        return KubeApiServer.startInFrontOf(dir, List.of("--etcd-servers=" + String.join(",", etcd.clientUrls()),
                "--etcd-cafile=" + pem.resolve("ca.crt"), "--etcd-certfile=" + pem.resolve("client.crt"),
                "--etcd-keyfile=" + pem.resolve("client.key")), List.of("--watch-cache=false", "--v=2"));
    }

    private static void rollback(LocalEtcdCluster etcd, KubeApiServer api, S3SnapshotStore store, long mib, Path dir,
            Map<String, Object> round) throws Exception {
        Path logs = dir.resolve(mib + "-mib");
        Files.createDirectories(logs);
        long origin = System.nanoTime();
        Map<String, double[]> steps = new LinkedHashMap<>();
        try (OutageClient client = new OutageClient(api.url(), api.trustContext(), api.token(TestUser.ADMIN), NAMESPACE,
                "r" + mib, origin)) {
            TestTools.sleep(3_000);
            // the snapshot the rollback goes back to, by the sidecar's own code (from member 0, as its streamer would)
            double snapshotAt = seconds(origin);
            SnapshotTaker taker = new SnapshotTaker(new EtcdSnapshotStreamer(Duration.ofSeconds(10), Duration.ofSeconds(15),
                    Duration.ofHours(1), Duration.ofSeconds(60)), store, "hcp-rollback", Clock.systemUTC(),
                    SnapshotCompression.none);
            var cluster = HostedClusters.onSixAfterFive("outage").model();
            SnapshotTaker.Taken taken = taker.take("outage-" + mib, SnapshotReason.Manual, cluster, () -> cluster,
                    etcd.clientUrl(0), Optional.empty(), etcd.pki().clientCredentials());
            round.put("snapshot", Map.of("revision", taken.revision(), "etcdBytes", taken.etcdBytes(), "sha256",
                    taken.sha256(), "seconds", seconds(origin) - snapshotAt));
            System.out.printf(Locale.ROOT, "outage %d MiB: snapshot at revision %d, %d bytes, in %.1f s%n", mib,
                    taken.revision(), taken.etcdBytes(), seconds(origin) - snapshotAt);
            TestTools.sleep(AFTER_SNAPSHOT.toMillis()); // the "update": the customer keeps writing

            // the decision; from here to Succeeded is the rollback's total
            double decided = seconds(origin);
            DiskWatch disk = new DiskWatch(etcd);
            try {
                List<Map<String, Object>> preflight = new ArrayList<>();
                for (int member = 0; member < MEMBERS; member++) {
                    VolumeSpace space = VolumeSpace.measure(etcd.dataDir(member), etcd.workDir(member));
                    preflight.add(Map.of("dataDirBytes", space.dataDirBytes(), "stageNeedsBytes",
                            space.stageNeeds(taken.etcdBytes()), "marginBytes", space.marginBytes(),
                            "downloadAndRestoredBytes", taken.etcdBytes() + VolumeSpace.restoredBytes(taken.etcdBytes()),
                            "freeForStageBytes", space.freeForStage(), "fits",
                            space.stageNeeds(taken.etcdBytes()) <= space.freeForStage()));
                }
                steps.put("Preflight (volume capacity)", new double[] { decided, seconds(origin) });
                steps.put("Pause", new double[] { seconds(origin), seconds(origin) });

                String url = store.readUrl(taken.object().key(), Duration.ofHours(1)).toString();
                double stageStart = seconds(origin);
                List<Map<String, Object>> stages = runOnEveryMember(etcd, logs, "stage", RestoreScript.STAGE, true, url, taken);
                steps.put("Stage", new double[] { stageStart, seconds(origin) });

                double quiesceStart = seconds(origin);
                api.stop();
                double apiStopped = seconds(origin);
                long revisionAtQuiesce;
                try (Client c = etcd.client()) {
                    revisionAtQuiesce = c.getKVClient().get(io.etcd.jetcd.ByteSequence.from(new byte[] { 0 }))
                            .get(1, TimeUnit.MINUTES).getHeader().getRevision();
                }
                if (revisionAtQuiesce >= taken.revision() + BUMP_REVISION) {
                    throw new IllegalStateException("etcd reached revision " + revisionAtQuiesce + ", past the restored one");
                }
                etcd.stopAll();
                steps.put("Quiesce", new double[] { quiesceStart, seconds(origin) });

                double swapStart = seconds(origin);
                List<Map<String, Object>> swaps = runOnEveryMember(etcd, logs, "swap", RestoreScript.SWAP, false, url, taken);
                steps.put("Swap", new double[] { swapStart, seconds(origin) });

                double startEtcd = seconds(origin);
                etcd.startAll();
                Map<String, Object> health = awaitHealthy(etcd, taken.revision() + BUMP_REVISION);
                double etcdHealthy = seconds(origin);
                steps.put("StartEtcd", new double[] { startEtcd, etcdHealthy });
                steps.put("Revert", new double[] { etcdHealthy, etcdHealthy });

                double resume = seconds(origin);
                long apiLogAtResume = Files.size(api.dir().resolve("kube-apiserver.log"));
                KubeApiServer.Readiness readiness = api.startAgain(resumeLimit(taken.etcdBytes()));
                double apiReady = resume + readiness.readySeconds();
                steps.put("Resume", new double[] { resume, seconds(origin) });

                double verify = seconds(origin);
                OutageClient.Tick back = awaitClient(client, verify, Duration.ofMinutes(5));
                double succeeded = back.atSeconds() + back.millis() / 1000;
                steps.put("Verify", new double[] { verify, succeeded });
                TestTools.sleep(2_000);
                disk.close();

                round.put("decidedAtSeconds", decided);
                round.put("quiesceStartAtSeconds", quiesceStart);
                round.put("apiStoppedAtSeconds", apiStopped);
                round.put("etcdHealthyAtSeconds", etcdHealthy);
                round.put("succeededAtSeconds", succeeded);
                round.put("apiReadyAtSeconds", apiReady);
                round.put("apiServerStart", apiServerStart(readiness, api.dir().resolve("kube-apiserver.log"),
                        apiLogAtResume, logs));
                round.put("revisionAtQuiesce", revisionAtQuiesce);
                round.put("steps", steps.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        e -> Map.of("start", e.getValue()[0] - decided, "seconds", e.getValue()[1] - e.getValue()[0]),
                        (a, b) -> a, LinkedHashMap::new)));
                round.put("stageWhileServing", true);
                round.put("stages", stages);
                round.put("swaps", swaps);
                round.put("etcdHealth", health);
                round.put("preflight", preflight);
                round.put("peakMemberDirBytes", disk.peaks());
                round.put("memberDirBytesAtDecision", disk.first());
            } finally {
                disk.close();
            }
            List<OutageClient.Tick> ticks = client.ticks();
            round.put("client", clientFigures(ticks, (double) round.get("quiesceStartAtSeconds"),
                    (double) round.get("succeededAtSeconds"), (double) round.get("decidedAtSeconds"),
                    (double) round.get("apiReadyAtSeconds")));
            // the snapshot's own revision, as the restored etcd reports it less the bump: the streamer records the revision
            // it read just before the snapshot began, and writes in between are in the snapshot too
            long restoredRevision = (long) ((Map<?, ?>) round.get("etcdHealth")).get("revision") - BUMP_REVISION;
            round.put("writes", lostWrites(ticks, client.stored(), taken.revision(), restoredRevision,
                    (double) round.get("apiStoppedAtSeconds")));
            writeTicks(logs.resolve("client.csv"), ticks);
            store.delete(taken.object().key());
            store.delete(taken.manifest().key());
        }
        System.out.println("outage " + mib + " MiB: " + round.get("client") + "; writes " + round.get("writes"));
    }

    /**
     * Runs a Job's script on every member side by side (the stage Job with its fetch container first), each with the
     * rollback's own environment for that member, timing the {@code stage=} lines it prints.
     */
    private static List<Map<String, Object>> runOnEveryMember(LocalEtcdCluster etcd, Path logs, String job, String script,
            boolean fetch, String url, SnapshotTaker.Taken taken) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(MEMBERS);
        try {
            List<Future<Map<String, Object>>> runs = new ArrayList<>();
            for (int member = 0; member < MEMBERS; member++) {
                int m = member;
                runs.add(pool.submit(() -> runJob(etcd, m, logs.resolve(job + "-" + m + ".log"), script, fetch, url, taken)));
            }
            List<Map<String, Object>> results = new ArrayList<>();
            for (Future<Map<String, Object>> run : runs) {
                results.add(run.get(1, TimeUnit.HOURS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, Object> runJob(LocalEtcdCluster etcd, int member, Path log, String script, boolean fetch,
            String url, SnapshotTaker.Taken taken) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", fetch ? LocalRestoreJob.withFetch(script) : script)
                .redirectErrorStream(true);
        builder.environment().putAll(RestoreScript.environment(etcd.peerUrls(), member, url, taken.sha256(),
                taken.etcdBytes(), BUMP_REVISION, etcd.dataDir(member).toString(), etcd.workDir(member).toString()));
        builder.environment().put("SNAPSHOT_COMPRESSION", taken.compression().name());
        builder.environment().putAll(LocalRestoreJob.fetchEnvironment());
        builder.environment().put("PATH", TestTools.etcdBin("etcdutl").getParent() + ":" + System.getenv("PATH"));
        Map<String, Object> stages = new LinkedHashMap<>();
        long start = System.nanoTime();
        Process process = builder.start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null;) {
                if (line.startsWith("stage=")) {
                    stages.putIfAbsent(line.substring(6).split(" ")[0], (System.nanoTime() - start) / 1e9);
                }
                output.append(line).append('\n');
            }
        }
        int exit = process.waitFor();
        Files.writeString(log, output);
        if (exit != 0) {
            throw new IllegalStateException("member " + member + "'s Job exited " + exit + "; its log " + log + ":\n" + output);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("member", member);
        run.put("seconds", (System.nanoTime() - start) / 1e9);
        run.put("stagesAtSeconds", stages);
        return run;
    }

    /**
     * Waits until every member answers with one cluster ID and a leader and a linearizable read through the cluster
     * succeeds; the revision must be at least {@code bumped}. What StartEtcd checks before it goes on.
     */
    private static Map<String, Object> awaitHealthy(LocalEtcdCluster etcd, long bumped) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String last = "no answer yet";
        try (Client client = etcd.client()) {
            while (System.nanoTime() < deadline) {
                try {
                    Set<Long> clusterIds = new TreeSet<>();
                    boolean leaders = true;
                    for (String endpoint : etcd.clientUrls()) {
                        var status = client.getMaintenanceClient().statusMember(endpoint).get(2, TimeUnit.SECONDS);
                        clusterIds.add(status.getHeader().getClusterId());
                        leaders &= status.getLeader() != 0;
                    }
                    long revision = client.getKVClient().get(io.etcd.jetcd.ByteSequence.from(new byte[] { 0 }))
                            .get(2, TimeUnit.SECONDS).getHeader().getRevision();
                    if (clusterIds.size() == 1 && leaders) {
                        if (revision < bumped) {
                            throw new IllegalStateException("restored etcd is at revision " + revision + ", below " + bumped);
                        }
                        return Map.of("clusterId", Long.toHexString(clusterIds.iterator().next()), "revision", revision);
                    }
                    last = "cluster ids " + clusterIds + ", leaders " + leaders;
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    last = notYet.toString();
                }
                TestTools.sleep(100);
            }
        }
        throw new IllegalStateException("the restored etcd cluster was not healthy within 5 minutes: " + last);
    }

    /**
     * How long the restarted API server may take to be ready: its own informers list what they watch from etcd
     * (pods and secrets among them), so the start grows with the data; 5 minutes and 5 more per GiB.
     */
    static Duration resumeLimit(long etcdBytes) {
        return Duration.ofMinutes(5).plusSeconds((long) (300 * (etcdBytes / GIB)));
    }

    /**
     * The restarted API server's start: its readiness ({@link KubeApiServer.Readiness}) and, from its log ({@code --v=2}),
     * when each of its informers had listed what it watches ({@code Caches populated for *v1.Pod}), in seconds after
     * its launch; the log is kept beside the round's others.
     */
    private static Map<String, Object> apiServerStart(KubeApiServer.Readiness readiness, Path log, long startedAt,
            Path logs) throws IOException {
        Map<String, Object> start = new LinkedHashMap<>();
        start.put("listeningSeconds", readiness.listeningSeconds());
        start.put("answeringSeconds", readiness.answeringSeconds());
        start.put("readySeconds", readiness.readySeconds());
        start.put("checksPassedSeconds", readiness.checksPassedSeconds().entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(5)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new)));
        byte[] whole = Files.readAllBytes(log);
        Files.write(logs.resolve("kube-apiserver.log"), whole);
        start.put("informersSynced", informersSynced(new String(whole, (int) startedAt, whole.length - (int) startedAt,
                StandardCharsets.UTF_8).lines().toList()));
        return start;
    }

    private static final java.util.regex.Pattern KLOG_TIME = java.util.regex.Pattern.compile(
            "\\b[IWE]\\d{4} (\\d{2}):(\\d{2}):(\\d{2}\\.\\d+)");
    private static final java.util.regex.Pattern CACHES_POPULATED = java.util.regex.Pattern.compile(
            "Caches populated\"? ?(?:for )?.*?(\\*v\\d+\\.\\w+)");

    /**
     * Each informer's sync, seconds after the start's first log line, the five slowest ({@code *v1.Secret=41.2}):
     * which kinds' listing kept {@code informer-sync} failing.
     */
    static Map<String, Double> informersSynced(List<String> lines) {
        Double first = null;
        Map<String, Double> synced = new LinkedHashMap<>();
        for (String line : lines) {
            java.util.regex.Matcher time = KLOG_TIME.matcher(line);
            if (!time.find()) {
                continue;
            }
            double at = Integer.parseInt(time.group(1)) * 3600 + Integer.parseInt(time.group(2)) * 60
                    + Double.parseDouble(time.group(3));
            first = first == null ? at : first;
            java.util.regex.Matcher populated = CACHES_POPULATED.matcher(line);
            if (populated.find()) {
                synced.merge(populated.group(1), at - first, Math::max);
            }
        }
        return synced.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(5)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    private static OutageClient.Tick awaitClient(OutageClient client, double since, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            OutageClient.Tick tick = client.firstOkAfter(since);
            if (tick != null) {
                return tick;
            }
            TestTools.sleep(20);
        }
        throw new IllegalStateException("the client did not write and read through the API server within " + limit.toSeconds()
                + " s after it was ready again");
    }

    /**
     * The outage as the client saw it (and as it would behind a readiness-gated Service: until {@code apiReady} at
     * least): from its first failed attempt that ended after the API server was told to stop to the end of
     * its first successful one after its last failure (a stopping API server answers a few attempts while it drains); attempts that failed at other times (while the stage ran) and the
     * latencies while serving.
     */
    static Map<String, Object> clientFigures(List<OutageClient.Tick> ticks, double apiStopping, double succeeded,
            double decided, double apiReady) {
        OutageClient.Tick firstFailure = ticks.stream().filter(t -> !t.ok() && t.atSeconds() + t.millis() / 1000 >= apiStopping)
                .filter(t -> t.atSeconds() <= succeeded).findFirst().orElse(null);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("attempts", ticks.size());
        if (firstFailure == null) {
            figures.put("outageSeconds", 0.0);
            return figures;
        }
        // the stopping API server can still answer a few attempts while it drains: the outage ends with the last failure
        OutageClient.Tick lastFailure = ticks.stream().filter(t -> !t.ok() && t.atSeconds() <= succeeded)
                .reduce((a, b) -> b).orElseThrow();
        OutageClient.Tick back = ticks.stream().filter(t -> t.atSeconds() > lastFailure.atSeconds() && t.ok()).findFirst()
                .orElseThrow();
        figures.put("firstFailureAfterDecisionSeconds", firstFailure.atSeconds() - decided);
        figures.put("firstFailure", firstFailure.failure());
        figures.put("outageSeconds", back.atSeconds() + back.millis() / 1000 - firstFailure.atSeconds());
        // behind a readiness-gated Service (HyperShift's kube-apiserver has a /readyz probe) the client is sent to the
        // server only once it is ready
        figures.put("outageUntilReadySeconds", Math.max(back.atSeconds() + back.millis() / 1000, apiReady)
                - firstFailure.atSeconds());
        List<OutageClient.Tick> failedOutside = ticks.stream().filter(t -> !t.ok())
                .filter(t -> t.atSeconds() < firstFailure.atSeconds() || t.atSeconds() > back.atSeconds()).toList();
        figures.put("failedAttemptsOutsideTheOutage", failedOutside.size());
        figures.put("failuresOutsideTheOutage", failedOutside.stream().limit(5)
                .map(t -> String.format(Locale.ROOT, "%.1f s: %s", t.atSeconds() - decided, t.failure())).toList());
        figures.put("failedAttemptsInTheOutage", ticks.stream().filter(t -> !t.ok())
                .filter(t -> t.atSeconds() >= firstFailure.atSeconds() && t.atSeconds() <= back.atSeconds()).count());
        figures.put("answeredInTheOutage", ticks.stream().filter(OutageClient.Tick::ok)
                .filter(t -> t.atSeconds() > firstFailure.atSeconds() && t.atSeconds() < back.atSeconds()).count());
        double[] serving = ticks.stream().filter(t -> t.ok() && t.atSeconds() >= decided && t.atSeconds() < firstFailure.atSeconds())
                .mapToDouble(OutageClient.Tick::millis).sorted().toArray();
        double[] before = ticks.stream().filter(t -> t.ok() && t.atSeconds() < decided).mapToDouble(OutageClient.Tick::millis)
                .sorted().toArray();
        figures.put("writeAndReadMillisBeforeDecision", percentiles(before));
        figures.put("writeAndReadMillisWhileStaging", percentiles(serving));
        return figures;
    }

    private static Map<String, Object> percentiles(double[] sorted) {
        if (sorted.length == 0) {
            return Map.of("n", 0);
        }
        return Map.of("n", sorted.length, "p50", sorted[sorted.length / 2], "p99", sorted[(int) Math.min(sorted.length - 1,
                Math.ceil(sorted.length * 0.99) - 1)], "max", sorted[sorted.length - 1]);
    }

    /**
     * The writes the rollback took back: of the creates the API server acknowledged before it was stopped, those with
     * a resource version (etcd's revision of the write) above the snapshot's ({@code snapshotRevision}: what the
     * restored etcd holds) must be gone, and every other one must be
     * there; so must every write acknowledged after the rollback. Attempts without an answer count as neither.
     */
    static Map<String, Object> lostWrites(List<OutageClient.Tick> ticks, Set<String> stored, long recordedRevision,
            long snapshotRevision, double apiStopped) {
        List<OutageClient.Tick> acknowledged = ticks.stream().filter(OutageClient.Tick::written).toList();
        Set<String> expectedLost = new TreeSet<>();
        Set<String> expectedKept = new TreeSet<>();
        for (OutageClient.Tick t : acknowledged) {
            (t.atSeconds() < apiStopped && t.resourceVersion() > snapshotRevision ? expectedLost : expectedKept).add(t.name());
        }
        Set<String> lost = acknowledged.stream().map(OutageClient.Tick::name).filter(n -> !stored.contains(n))
                .collect(Collectors.toCollection(TreeSet::new));
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("acknowledged", acknowledged.size());
        figures.put("acknowledgedBeforeSnapshot", acknowledged.stream().filter(t -> t.resourceVersion() <= snapshotRevision).count());
        figures.put("recordedRevision", recordedRevision);
        figures.put("snapshotRevision", snapshotRevision);
        figures.put("keptAfterTheRecordedRevision", acknowledged.stream()
                .filter(t -> t.resourceVersion() > recordedRevision && t.resourceVersion() <= snapshotRevision).count());
        figures.put("expectedLost", expectedLost.size());
        figures.put("lost", lost.size());
        figures.put("exactlyThoseAfterTheSnapshot", lost.equals(expectedLost));
        Set<String> unexpected = new TreeSet<>(lost);
        unexpected.removeAll(expectedLost);
        Set<String> kept = new TreeSet<>(expectedLost);
        kept.removeAll(lost);
        figures.put("lostButBeforeTheSnapshot", unexpected.stream().limit(10).toList());
        figures.put("keptButAfterTheSnapshot", kept.stream().limit(10).toList());
        return figures;
    }

    private static void writeTicks(Path file, List<OutageClient.Tick> ticks) throws IOException {
        StringBuilder csv = new StringBuilder("at_seconds,seq,name,written,resource_version,ok,millis,failure\n");
        for (OutageClient.Tick t : ticks) {
            csv.append(String.format(Locale.ROOT, "%.3f,%d,%s,%b,%d,%b,%.1f,\"%s\"%n", t.atSeconds(), t.seq(), t.name(),
                    t.written(), t.resourceVersion(), t.ok(), t.millis(), t.failure() == null ? "" : t.failure().replace('"', '\'')));
        }
        Files.writeString(file, csv);
    }

    private static double seconds(long origin) {
        return (System.nanoTime() - origin) / 1e9;
    }

    /**
     * Samples every 200 ms what each member's directory (its volume: data dir and work dir) holds, by the measure
     * Job's own code ({@link VolumeSpace#measure}); keeps the first sample and the largest.
     */
    private static final class DiskWatch implements AutoCloseable {
        private final AtomicLongArray peaks;
        private final long[] first;
        private final Thread thread;
        private volatile boolean stopped;

        DiskWatch(LocalEtcdCluster etcd) throws IOException {
            peaks = new AtomicLongArray(etcd.members());
            first = new long[etcd.members()];
            for (int member = 0; member < etcd.members(); member++) {
                first[member] = used(etcd, member);
                peaks.set(member, first[member]);
            }
            thread = new Thread(() -> {
                while (!stopped) {
                    for (int member = 0; member < etcd.members(); member++) {
                        try {
                            peaks.accumulateAndGet(member, used(etcd, member), Math::max);
                        } catch (IOException | RuntimeException movedMeanwhile) {
                            // the swap removed or moved a directory during the walk: the next sample counts
                        }
                    }
                    TestTools.sleep(200);
                }
            }, "outage-disk-watch");
            thread.setDaemon(true);
            thread.start();
        }

        private static long used(LocalEtcdCluster etcd, int member) throws IOException {
            VolumeSpace space = VolumeSpace.measure(etcd.dataDir(member), etcd.workDir(member));
            return space.dataDirBytes() + space.workDirBytes();
        }

        List<Long> peaks() {
            List<Long> list = new ArrayList<>();
            for (int member = 0; member < peaks.length(); member++) {
                list.add(peaks.get(member));
            }
            return list;
        }

        List<Long> first() {
            return java.util.Arrays.stream(first).boxed().toList();
        }

        @Override
        public void close() {
            stopped = true;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
