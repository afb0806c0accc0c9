package dev.hcprollback.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.testing.EtcdProcess;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestPki;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

/**
 * Streams a ~300 MB etcd database in a child JVM limited to a 64 MB heap (and so to 64 MB of direct
 * memory): the snapshot only fits if nothing holds it whole.
 */
class BoundedMemoryTest {

    static final int HEAP_MB = 64;
    static final long DATABASE_BYTES = 300L * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void streamsADatabaseFarLargerThanTheHeap() throws Exception {
        TestPki pki = new TestPki();
        try (EtcdProcess etcd = EtcdProcess.startTls(dir.resolve("etcd"), pki, "--unsafe-no-fsync",
                "--quota-backend-bytes", String.valueOf(2L * 1024 * 1024 * 1024));
                S3Server s3 = new S3Server()) {
            s3.createBucket("large");
            fill(etcd);

            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + HEAP_MB + "m", "-XX:MaxDirectMemorySize=" + HEAP_MB + "m", "-XX:+ExitOnOutOfMemoryError",
                    "-cp", System.getProperty("java.class.path"), StreamInSmallHeap.class.getName(),
                    etcd.endpoint(), dir.resolve("etcd/pki").toString(), s3.endpoint().toString(), "large"));
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = child.getInputStream()) {
                    return new String(in.readAllBytes());
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the child JVM did not finish");
            String text = output.get();
            assertEquals(0, child.exitValue(), "the child JVM failed:\n" + tail(text));
            String[] result = text.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no result:\n" + tail(text))).split(" ");
            long size = Long.parseLong(result[1]);
            long maxHeap = Long.parseLong(result[3]);
            assertTrue(size > 4L * HEAP_MB * 1024 * 1024, "snapshot of " + size + " bytes is not far larger than the heap");
            assertTrue(maxHeap <= HEAP_MB * 1024L * 1024, "the child ran with a heap limit of " + maxHeap);

            // the object in the bucket is the whole snapshot: same hash read here, in the big JVM
            S3SnapshotStore store = new S3SnapshotStore(s3.client(), s3.presigner(), "large", Optional.empty(),
                    5 * 1024 * 1024);
            try (InputStream in = store.open(result[4])) {
                assertEquals(result[2], SnapshotDigest.sha256Hex(in));
            }
        }
    }

    /** Writes ~300 MB of distinct 1 MiB values, four writers at a time. */
    private static void fill(EtcdProcess etcd) throws Exception {
        byte[] value = new byte[1024 * 1024];
        new java.util.Random(7).nextBytes(value);
        int count = (int) (DATABASE_BYTES / value.length);
        try (Client client = etcd.client()) {
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                value[0] = (byte) i;
                value[1] = (byte) (i >> 8);
                pending.add(client.getKVClient().put(EtcdProcess.bytes("/large/" + i), ByteSequence.from(value.clone())));
                if (pending.size() == 4) {
                    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    pending.clear();
                }
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    private static String tail(String text) {
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }
}
