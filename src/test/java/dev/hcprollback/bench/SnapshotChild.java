package dev.hcprollback.bench;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.snapshot.EtcdCredentials;
import dev.hcprollback.snapshot.EtcdSnapshotStreamer;
import dev.hcprollback.snapshot.SnapshotTaker;
import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.Upload;
import dev.hcprollback.testing.DelegatingSnapshotStore;
import dev.hcprollback.testing.HostedClusters;
import dev.hcprollback.testing.S3Server;

/**
 * One snapshot by the project's own code (SnapshotTaker: EtcdSnapshotStreamer into S3SnapshotStore, read
 * back, verified, manifest), in a JVM of its own so that its heap and resident memory are the snapshot's
 * alone. The parent passes the etcd endpoint, the PEM directory, the S3 endpoint and bucket, the part
 * size and where to write the figures (JSON).
 *
 * <p>The store is wrapped only to timestamp the phases: the stream ends when the read-back starts.
 */
public final class SnapshotChild {

    private SnapshotChild() {
    }

    public static void main(String[] args) throws Exception {
        String endpoint = args[0];
        Path pki = Path.of(args[1]);
        URI s3Endpoint = URI.create(args[2]);
        String bucket = args[3];
        int partSize = Integer.parseInt(args[4]);
        Path out = Path.of(args[5]);
        ProductionLogging.applyToThisJvm();
        ProductionLogging.requireInThisJvm("the snapshot child (pid " + ProcessHandle.current().pid() + ")");

        AtomicLong maxAfterGc = watchHeapAfterGc();
        EtcdCredentials credentials = new EtcdCredentials(Files.readString(pki.resolve("ca.crt")),
                Files.readString(pki.resolve("client.crt")), Files.readString(pki.resolve("client.key")));
        S3SnapshotStore s3 = new S3SnapshotStore(S3Server.client(s3Endpoint, S3Server.ACCESS_KEY, S3Server.SECRET_KEY),
                null, bucket, Optional.empty(), partSize);
        TimedStore store = new TimedStore(s3);
        String mode = args.length > 6 ? args[6] : "take";
        SnapshotCompression compression = mode.equals("take-zstd") ? SnapshotCompression.zstd : SnapshotCompression.none;
        SnapshotTaker taker = new SnapshotTaker(new EtcdSnapshotStreamer(Duration.ofSeconds(10), Duration.ofSeconds(15),
                Duration.ofHours(1), Duration.ofSeconds(60)), store, "hcp-rollback", Clock.systemUTC(), compression);
        var cluster = HostedClusters.onSixAfterFive("bench").model();

        System.gc();
        long heapBefore = heapUsed();
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans();
        pools.forEach(MemoryPoolMXBean::resetPeakUsage);
        maxAfterGc.set(0);
        long gcCountBefore = gcCount();
        if (!mode.startsWith("take")) {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("mode", mode.equals("stream-only") ? mode : "upload-only");
            for (String pass : List.of("cold", "warm")) {
                double cpu = marker(pass, "start");
                long start = System.nanoTime();
                long bytes = mode.equals("stream-only") ? streamOnly(endpoint, credentials) : uploadOnly(Path.of(mode), store);
                figures.put("bytes", bytes);
                figures.put(pass.equals("cold") ? "coldSeconds" : "totalSeconds", (System.nanoTime() - start) / 1e9);
                figures.put(pass.equals("cold") ? "coldCpuSeconds" : "cpuSeconds", marker(pass, "end") - cpu);
            }
            HostedClusters.JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), figures);
            System.exit(0);
        }
        // twice in one JVM: the first pays for class loading, TLS set-up and JIT compilation (the first snapshot after
        // the sidecar started); the second is what a running sidecar does every time after that
        SnapshotTaker.Taken taken = null;
        long start = 0;
        long end = 0;
        Map<String, Object> cold = new LinkedHashMap<>();
        for (String pass : List.of("cold", "warm")) {
            store.readBackStarted.set(0);
            double cpu = marker(pass, "start");
            start = System.nanoTime();
            taken = taker.take("bench-" + pass + "-" + System.currentTimeMillis(), SnapshotReason.Manual, cluster,
                    () -> cluster, endpoint, Optional.empty(), credentials);
            end = System.nanoTime();
            cold.put(pass.equals("cold") ? "coldCpuSeconds" : "cpuSeconds", marker(pass, "end") - cpu);
            if (pass.equals("cold")) {
                cold.put("coldTotalSeconds", (end - start) / 1e9);
                cold.put("coldStreamSeconds", (store.readBackStarted.get() - start) / 1e9);
                SnapshotTaker.deleteStored(store, taken.object().key());
            }
        }
        long peakHeap = pools.stream().filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getPeakUsage)
                .mapToLong(MemoryUsage::getUsed).sum();
        Machine.Memory memory = Machine.memory(ProcessHandle.current().pid());
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("bytes", taken.sizeBytes());
        figures.put("etcdBytes", taken.etcdBytes());
        figures.put("compression", compression.name());
        figures.put("sha256", taken.sha256());
        figures.put("key", taken.object().key());
        figures.put("revision", taken.revision());
        figures.put("totalSeconds", (end - start) / 1e9);
        figures.put("streamSeconds", (store.readBackStarted.get() - start) / 1e9);
        figures.put("readBackSeconds", (store.readBackEnded.get() - store.readBackStarted.get()) / 1e9);
        figures.putAll(cold);
        figures.put("partSizeBytes", partSize);
        figures.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        figures.put("heapUsedBeforeBytes", heapBefore);
        figures.put("peakHeapUsedBytes", peakHeap);
        figures.put("maxHeapAfterGcBytes", maxAfterGc.get());
        figures.put("gcCount", gcCount() - gcCountBefore);
        figures.put("vmRssKib", memory.rssKib());
        figures.put("vmHwmKib", memory.hwmKib());
        HostedClusters.JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), figures);
        System.exit(0);
    }

    /** Only etcd into this JVM: the project's streamer into a stream that discards (hashing still on). */
    private static long streamOnly(String endpoint, EtcdCredentials credentials) throws Exception {
        return new EtcdSnapshotStreamer(Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofHours(1), Duration.ofSeconds(60))
                .stream(endpoint, Optional.empty(), credentials, revision -> OutputStream.nullOutputStream()).sizeBytes();
    }

    /** Only the upload: a local file through the store's multi-part upload, in the streamer's chunk size. */
    private static long uploadOnly(Path file, SnapshotStore store) throws Exception {
        String key = "upload-only/" + System.nanoTime();
        try (InputStream in = Files.newInputStream(file); Upload upload = store.upload(key, "application/octet-stream")) {
            in.transferTo(upload);
            upload.complete();
        }
        store.delete(key);
        return Files.size(file);
    }

    /** Tells the parent (on standard output) where a pass starts or ends; returns this JVM's CPU seconds so far. */
    private static double marker(String pass, String edge) {
        System.out.println("pass=" + pass + " " + edge);
        System.out.flush();
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime()
                / 1e9;
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount)
                .sum();
    }

    /** The largest heap occupancy right after any collection: what the snapshot really keeps alive. */
    private static AtomicLong watchHeapAfterGc() {
        AtomicLong max = new AtomicLong();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                    long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                            .filter(e -> isHeap(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
                    max.accumulateAndGet(used, Math::max);
                }
            }, null, null);
        }
        return max;
    }

    private static boolean isHeap(String pool) {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .anyMatch(p -> p.getName().equals(pool) && p.getType() == MemoryType.HEAP);
    }

    /** Delegates everything; notes when the read-back starts and ends. */
    private static final class TimedStore extends DelegatingSnapshotStore {
        final AtomicLong readBackStarted = new AtomicLong();
        final AtomicLong readBackEnded = new AtomicLong();

        TimedStore(SnapshotStore store) {
            super(store);
        }

        @Override
        public InputStream open(String key) {
            readBackStarted.set(System.nanoTime());
            return new FilterInputStream(delegate.open(key)) {
                @Override
                public void close() throws IOException {
                    readBackEnded.set(System.nanoTime());
                    super.close();
                }
            };
        }
    }
}
