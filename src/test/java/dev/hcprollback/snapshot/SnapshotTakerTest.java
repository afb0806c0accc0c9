package dev.hcprollback.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.hcprollback.api.SnapshotCompression;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.storage.AzureSnapshotStore;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.StoredObject;
import dev.hcprollback.storage.Upload;
import dev.hcprollback.testing.AzuriteProcess;
import dev.hcprollback.testing.Clusters;
import dev.hcprollback.testing.DelegatingSnapshotStore;
import dev.hcprollback.testing.EtcdProcess;
import dev.hcprollback.testing.S3Server;
import dev.hcprollback.testing.TestPki;
import dev.hcprollback.testing.TestTools;
import io.etcd.jetcd.Client;

/** Snapshots of a real etcd (TLS, client certificates) into real S3 and Azure servers. */
class SnapshotTakerTest {

    static final int PART = 5 * 1024 * 1024;
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T13:14:15Z"), ZoneOffset.UTC);

    @TempDir
    static Path dir;
    static TestPki pki;
    static EtcdProcess etcd;
    static S3Server s3;
    static SnapshotStore store;
    /** Generous limits: a snapshot that must succeed gets whatever time a loaded machine takes for it. */
    static EtcdSnapshotStreamer streamer = new EtcdSnapshotStreamer(Duration.ofSeconds(30), Duration.ofSeconds(60),
            Duration.ofMinutes(5), Duration.ofSeconds(60));
    /** Short limits, for an etcd that cannot be reached (down, or refusing the client's certificate): it fails either way. */
    static EtcdSnapshotStreamer impatient = new EtcdSnapshotStreamer(Duration.ofSeconds(2), Duration.ofSeconds(4),
            Duration.ofMinutes(2), Duration.ofSeconds(60));

    @BeforeAll
    static void start() {
        pki = new TestPki();
        etcd = EtcdProcess.startTls(dir.resolve("etcd"), pki);
        try (Client client = etcd.client()) {
            etcd.put(client, "/kubernetes.io/configmaps/ns/before", "written before the snapshot");
            for (int i = 0; i < 200; i++) {
                etcd.put(client, "/kubernetes.io/secrets/ns/s" + i, "x".repeat(40_000)); // ~8 MB: several parts
            }
        }
        s3 = new S3Server();
        store = s3.snapshotStore("snapshots", PART);
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    static HostedCluster cluster(String name) {
        return Clusters.available("clusters", name, "4.18.6", "4.18.5");
    }

    SnapshotTaker.Taken take(SnapshotStore into, HostedCluster cluster) throws SnapshotFailure {
        return take(streamer, into, cluster);
    }

    SnapshotTaker.Taken take(EtcdSnapshotStreamer with, SnapshotStore into, HostedCluster cluster) throws SnapshotFailure {
        return new SnapshotTaker(with, into, "hcp", CLOCK).take("snap-1", SnapshotReason.Manual, cluster,
                () -> cluster, etcd.endpoint(), Optional.empty(), pki.clientCredentials(), ETCD_IMAGE);
    }

    /** The etcd StatefulSet's image as the reconciler reads it; recorded as the payload's etcd. */
    static final String ETCD_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "e".repeat(64);

    @Test
    void aSnapshotThatEtcdutlRestoresWithTheKeysWrittenBefore() throws Exception {
        HostedCluster cluster = cluster("restore");
        // HyperShift reports the payload it resolved by digest, while the spec names it by tag
        String digest = "sha256:" + "6".repeat(64);
        cluster.versionHistory().get(0).setImage("quay.io/openshift-release-dev/ocp-release@" + digest);
        SnapshotTaker.Taken taken = take(store, cluster);

        assertTrue(taken.object().key().matches("hcp/clusters/restore/4\\.18\\.6/20261120T131415\\.000Z-\\d+\\.db"),
                taken.object().key());
        assertEquals("s3://snapshots/" + taken.object().key(), taken.object().location());
        assertTrue(taken.revision() >= 201, "revision read before the snapshot: " + taken.revision());
        assertTrue(taken.sizeBytes() > 8_000_000, "size " + taken.sizeBytes());
        assertEquals(Clusters.image("4.18.6"), taken.payload().releaseImage());
        assertEquals("4.18.6", taken.payload().version());
        // the identity a rollback is matched by: digest and version of each release field, and the cluster's uid
        assertEquals(digest, taken.payload().releaseDigest());
        assertEquals("4.18.6", taken.payload().releaseVersion());
        assertEquals(null, taken.payload().controlPlaneReleaseDigest());
        assertEquals("restore-uid", taken.payload().hostedClusterUid());

        // the manifest next to it tells what it is without any Kubernetes object
        assertEquals(SnapshotKeys.manifestKey(taken.object().key()), taken.manifest().key());
        SnapshotManifest manifest;
        try (InputStream in = store.open(taken.manifest().key())) {
            manifest = SnapshotManifest.fromJson(in.readAllBytes());
        }
        assertEquals("restore-uid", manifest.clusterUid());
        assertEquals("clusters-restore", manifest.controlPlaneNamespace());
        assertEquals(taken.sha256(), manifest.sha256());
        // the etcd of the payload: the image it ran and the version the real etcd reported
        assertEquals(ETCD_IMAGE, manifest.etcdImage());
        assertTrue(manifest.etcdVersion() != null && manifest.etcdVersion().startsWith("3.5."), manifest.etcdVersion());
        assertEquals(manifest.etcdVersion(), taken.etcdVersion());
        assertEquals(taken.revision(), manifest.etcdRevision());
        assertEquals(taken.sizeBytes(), manifest.sizeBytes());
        assertEquals(Clusters.image("4.18.6"), manifest.releaseImage());
        assertEquals(digest, manifest.releaseDigest());
        assertEquals("4.18.6", manifest.releaseVersion());
        assertEquals(SnapshotManifest.FORMAT, manifest.formatVersion());

        // fetch it as a restore pod would, through the short-lived URL, and restore it with etcd's own tool
        Path file = dir.resolve("restore.db");
        URL url = store.readUrl(taken.object().key(), Duration.ofMinutes(5));
        try (InputStream in = url.openStream()) {
            Files.copy(in, file);
        }
        assertEquals(taken.sizeBytes(), Files.size(file));
        Path dataDir = dir.resolve("restored");
        Process restore = new ProcessBuilder(TestTools.etcdBin("etcdutl").toString(), "snapshot", "restore",
                file.toString(), "--data-dir", dataDir.toString(), "--name", "etcd-0",
                "--initial-cluster", "etcd-0=http://127.0.0.1:2380", "--initial-advertise-peer-urls",
                "http://127.0.0.1:2380", "--bump-revision", "1000000", "--mark-compacted")
                .redirectErrorStream(true).start();
        String output = new String(restore.getInputStream().readAllBytes());
        assertTrue(restore.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, restore.exitValue(), output);

        try (EtcdProcess restored = EtcdProcess.startPlain(dir.resolve("restored-etcd"), dataDir);
                Client client = restored.client()) {
            assertEquals("written before the snapshot", EtcdProcess.get(client, "/kubernetes.io/configmaps/ns/before"));
            assertEquals("x".repeat(40_000), EtcdProcess.get(client, "/kubernetes.io/secrets/ns/s199"));
        }
    }

    /**
     * EtcdSharding: a snapshot set is the default etcd and each PersistentVolume shard's own etcd (here a second etcd
     * process standing for shard "events"), each stored as its own object, each read back, and listed together in the
     * set's manifest.
     */
    @Test
    void aSnapshotSetStoresAndVerifiesEachShardAndTheManifestListsThemTogether() throws Exception {
        try (EtcdProcess events = EtcdProcess.startTls(dir.resolve("shard-events"), pki)) {
            events.write("/kubernetes.io/events/ns/e1", "an event of the shard");
            SnapshotTaker.Taken taken = new SnapshotTaker(streamer, store, "hcp", CLOCK).take("set-1", SnapshotReason.Manual,
                    cluster("sharded"), () -> cluster("sharded"), etcd.endpoint(), Optional.empty(), pki.clientCredentials(),
                    ETCD_IMAGE, List.of(new SnapshotTaker.ShardEndpoint("events", events.endpoint())));

            assertEquals(1, taken.shards().size());
            SnapshotTaker.TakenShard shard = taken.shards().get(0);
            assertEquals("events", shard.name());
            assertEquals(SnapshotKeys.shardKey(taken.object().key(), "events"), shard.object().key());
            assertTrue(shard.object().key().endsWith(".shard-events.db"), shard.object().key());
            // the shard's own etcd, not the default one: its revision, its bytes, and its key in the object
            try (Client client = events.client()) {
                assertEquals(client.getKVClient().get(EtcdProcess.bytes("/kubernetes.io/events/ns/e1")).get()
                        .getHeader().getRevision(), shard.revision());
            }
            assertTrue(shard.sizeBytes() < taken.sizeBytes(), "the small shard's object is its own: " + shard.sizeBytes());
            byte[] stored;
            try (InputStream in = store.open(shard.object().key())) {
                stored = in.readAllBytes();
            }
            assertEquals(shard.sha256(), SnapshotDigest.sha256Hex(new java.io.ByteArrayInputStream(stored)));
            assertTrue(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1).contains("an event of the shard"));

            SnapshotManifest manifest;
            try (InputStream in = store.open(taken.manifest().key())) {
                manifest = SnapshotManifest.fromJson(in.readAllBytes());
            }
            assertEquals(List.of(new SnapshotManifest.Shard("events", shard.object().key(), shard.revision(), shard.sha256(),
                    shard.sizeBytes(), shard.etcdVersion())), manifest.shards());
        }
    }

    /** One member unreachable fails the whole set, naming the shard, and nothing of the set stays stored. */
    @Test
    void aSetWhoseShardEtcdIsUnreachableFailsNamingTheShardAndLeavesNothing() throws Exception {
        try (EtcdProcess leases = EtcdProcess.startTls(dir.resolve("shard-leases"), pki)) {
            String endpoint = leases.endpoint();
            leases.stop();
            SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> new SnapshotTaker(impatient, store, "hcp", CLOCK)
                    .take("set-2", SnapshotReason.Manual, cluster("half-set"), () -> cluster("half-set"), etcd.endpoint(),
                            Optional.empty(), pki.clientCredentials(), ETCD_IMAGE,
                            List.of(new SnapshotTaker.ShardEndpoint("leases", endpoint))));
            assertEquals(SnapshotFailure.Reason.EtcdUnreachable, failure.reason());
            assertTrue(failure.getMessage().startsWith("etcd shard leases: etcd at " + endpoint), failure.getMessage());
            assertEquals(List.of(), store.list("hcp/clusters/half-set/"), "the default etcd's object went with the set");
        }
    }

    @Test
    void aClusterWhosePayloadChangesDuringTheSnapshotIsRefused() {
        HostedCluster before = cluster("moving");
        HostedCluster after = Clusters.withRelease(before, "4.18.7");
        SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> new SnapshotTaker(streamer, store, "hcp", CLOCK)
                .take("snap-2", SnapshotReason.PreUpgrade, before, () -> after, etcd.endpoint(), Optional.empty(),
                        pki.clientCredentials()));
        assertEquals(SnapshotFailure.Reason.PayloadChanged, failure.reason());
        assertTrue(failure.getMessage().contains("4.18.7"), failure.getMessage());
        assertEquals(List.of(), store.list("hcp/clusters/moving/"), "nothing of the refused snapshot stays stored");
    }

    @Test
    void aCorruptedStoredObjectIsDetectedAndNeverKept() {
        SnapshotStore corrupting = new CorruptingStore(store);
        SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> take(corrupting, cluster("corrupt")));
        assertEquals(SnapshotFailure.Reason.HashMismatch, failure.reason());
        assertTrue(failure.getMessage().contains("reads back with SHA-256"), failure.getMessage());
        assertEquals(List.of(), store.list("hcp/clusters/corrupt/"));
    }

    @Test
    void etcdDownFailsReadablyAndALaterAttemptSucceeds() throws Exception {
        etcd.stop();
        try {
            SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> take(impatient, store, cluster("etcd-down")));
            assertEquals(SnapshotFailure.Reason.EtcdUnreachable, failure.reason());
            assertTrue(failure.getMessage().startsWith("etcd at " + etcd.endpoint()), failure.getMessage());
        } finally {
            etcd.start();
        }
        assertEquals(List.of(), store.list("hcp/clusters/etcd-down/"));
        SnapshotTaker.Taken taken = take(store, cluster("etcd-down"));
        assertTrue(store.exists(taken.object().key()));
    }

    @Test
    void bucketDownFailsReadablyWithoutOrphansAndALaterAttemptSucceeds() throws Exception {
        s3.stop();
        try {
            SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> take(store, cluster("bucket-down")));
            assertEquals(SnapshotFailure.Reason.StorageUnavailable, failure.reason());
            assertTrue(failure.getMessage().startsWith("S3 bucket snapshots: could not"), failure.getMessage());
        } finally {
            s3.start();
        }
        assertEquals(List.of(), store.list("hcp/clusters/bucket-down/"));
        SnapshotTaker.Taken taken = take(store, cluster("bucket-down"));
        assertEquals(2, store.list("hcp/clusters/bucket-down/").size(), "the snapshot and its manifest");
        assertTrue(store.exists(taken.manifest().key()));
    }

    @Test
    void aBucketThatBreaksInTheMiddleOfTheStreamLeavesNoObject() {
        SnapshotStore failing = new FailingAfterPartsStore(store, 1);
        SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> take(failing, cluster("mid-stream")));
        assertEquals(SnapshotFailure.Reason.StorageUnavailable, failure.reason(), failure.getMessage());
        assertEquals(List.of(), store.list("hcp/clusters/mid-stream/"));
    }

    @Test
    void aZstdSnapshotRecordsWhatIsStoredAndDecodesToWhatEtcdSent() throws Exception {
        HostedCluster cluster = cluster("compressed");
        SnapshotTaker.Taken taken = new SnapshotTaker(streamer, store, "hcp", CLOCK, SnapshotCompression.zstd).take("snap-z",
                SnapshotReason.Manual, cluster, () -> cluster, etcd.endpoint(), Optional.empty(), pki.clientCredentials());
        assertEquals(SnapshotCompression.zstd, taken.compression());
        assertTrue(taken.sizeBytes() * 5 < taken.etcdBytes(), "the repetitive secrets compress: " + taken.sizeBytes()
                + " stored of " + taken.etcdBytes());
        byte[] stored;
        try (InputStream in = store.open(taken.object().key())) {
            stored = in.readAllBytes();
        }
        assertEquals(taken.sizeBytes(), stored.length);
        assertEquals(taken.sha256(), SnapshotDigest.sha256Hex(new java.io.ByteArrayInputStream(stored)),
                "the SHA-256 recorded is of what is stored");
        SnapshotDigest decoded = new SnapshotDigest(java.io.OutputStream.nullOutputStream());
        SnapshotCompression.zstd.decoder(new java.io.ByteArrayInputStream(stored)).transferTo(decoded);
        assertEquals(taken.etcdBytes(), decoded.size());
        assertTrue(decoded.trailerMatches(), "the decoded object is an etcd snapshot with its own hash intact");
        SnapshotManifest manifest;
        try (InputStream in = store.open(taken.manifest().key())) {
            manifest = SnapshotManifest.fromJson(in.readAllBytes());
        }
        assertEquals(SnapshotCompression.zstd, manifest.compression());
        assertEquals(taken.etcdBytes(), manifest.etcdSizeBytes());
    }

    @Test
    void etcdDyingInTheMiddleOfTheStreamLeavesNoObjectAndNoUploadBehind() throws Exception {
        SnapshotStore killing = afterAPart(() -> etcd.stop()); // a part is already on its way
        try {
            SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> take(killing, cluster("etcd-dies")));
            assertEquals(SnapshotFailure.Reason.EtcdError, failure.reason(), failure.getMessage());
            assertTrue(failure.getMessage().contains("the snapshot stream broke after"), failure.getMessage());
        } finally {
            etcd.start();
        }
        assertEquals(List.of(), store.list("hcp/clusters/etcd-dies/"));
        assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket("snapshots")).uploads(),
                "the multi-part upload was aborted, its parts discarded");
    }

    @Test
    void etcdStallingInTheMiddleOfTheStreamIsGivenUpAfterTheIdleLimitLeavingNothingBehind() throws Exception {
        EtcdSnapshotStreamer stallWatch = new EtcdSnapshotStreamer(Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofMinutes(10), Duration.ofSeconds(1));
        // a member that stops answering, its connection still open
        SnapshotStore freezing = afterAPart(() -> signal(etcd, "STOP"));
        HostedCluster cluster = cluster("etcd-stalls");
        try {
            SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> new SnapshotTaker(stallWatch, freezing, "hcp", CLOCK)
                    .take("snap-1", SnapshotReason.Manual, cluster, () -> cluster, etcd.endpoint(), Optional.empty(),
                            pki.clientCredentials(), ETCD_IMAGE));
            assertEquals(SnapshotFailure.Reason.EtcdError, failure.reason(), failure.getMessage());
            assertTrue(failure.getMessage().matches(".*etcd at .* sent no data for 1\\.0 s after \\d+ bytes of the snapshot.*"),
                    failure.getMessage());
        } finally {
            signal(etcd, "CONT");
        }
        assertEquals(List.of(), store.list("hcp/clusters/etcd-stalls/"));
        assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket("snapshots")).uploads(),
                "the multi-part upload was aborted, its parts discarded");
        take(store, cluster("after-the-stall")); // the member answers again: the next attempt succeeds
    }

    /** The test's store, which does {@code action} once, when the upload has taken more than a part. */
    private static SnapshotStore afterAPart(Runnable action) {
        return new DelegatingSnapshotStore(store) {
            @Override
            public Upload upload(String key, String contentType) {
                Upload real = delegate.upload(key, contentType);
                return new ForwardingUpload(real) {
                    long seen;
                    boolean done;

                    @Override
                    public void write(byte[] b, int off, int len) throws java.io.IOException {
                        real.write(b, off, len);
                        seen += len;
                        if (seen > PART && !done) {
                            done = true;
                            action.run();
                        }
                    }
                };
            }
        };
    }

    private static void signal(EtcdProcess process, String signal) {
        try {
            int status = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            assertEquals(0, status, "kill -" + signal);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void wrongClientCertificatesAreNotAccepted() {
        TestPki other = new TestPki();
        SnapshotFailure failure = assertThrows(SnapshotFailure.class, () -> new SnapshotTaker(impatient, store, "hcp", CLOCK)
                .take("snap-3", SnapshotReason.Manual, cluster("strangers"), () -> cluster("strangers"), etcd.endpoint(),
                        Optional.empty(), other.clientCredentials()));
        assertEquals(SnapshotFailure.Reason.EtcdUnreachable, failure.reason());
        assertEquals(List.of(), store.list("hcp/clusters/strangers/"));
    }

    @Test
    void snapshotsIntoAzureBlobToo() throws Exception {
        try (AzuriteProcess azurite = new AzuriteProcess(dir.resolve("azurite"))) {
            AzureSnapshotStore azure = new AzureSnapshotStore(azurite.container("snapshots"), 4 * 1024 * 1024);
            SnapshotTaker.Taken taken = take(azure, cluster("on-azure"));
            assertTrue(taken.object().location().startsWith(azurite.endpoint() + "/snapshots/hcp/clusters/on-azure/"),
                    taken.object().location());
            try (InputStream in = azure.readUrl(taken.object().key(), Duration.ofMinutes(5)).openStream()) {
                assertEquals(taken.sha256(), SnapshotDigest.sha256Hex(in));
            }
            assertEquals(2, azure.list("hcp/clusters/on-azure/").size());
        }
    }

    /** Flips one byte of the second part on its way to storage. */
    static final class CorruptingStore extends DelegatingSnapshotStore {
        CorruptingStore(SnapshotStore delegate) {
            super(delegate);
        }

        @Override
        public Upload upload(String key, String contentType) {
            Upload real = delegate.upload(key, contentType);
            return new ForwardingUpload(real) {
                long seen;

                @Override
                public void write(byte[] b, int off, int len) throws java.io.IOException {
                    byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len);
                    long target = PART + 17;
                    if (seen <= target && target < seen + len) {
                        copy[(int) (target - seen)] ^= 0x01;
                    }
                    seen += len;
                    real.write(copy, 0, len);
                }
            };
        }
    }

    /** A bucket whose uploads fail after some parts. */
    static final class FailingAfterPartsStore extends DelegatingSnapshotStore {
        final int parts;

        FailingAfterPartsStore(SnapshotStore delegate, int parts) {
            super(delegate);
            this.parts = parts;
        }

        @Override
        public Upload upload(String key, String contentType) {
            Upload real = delegate.upload(key, contentType);
            return new ForwardingUpload(real) {
                long seen;

                @Override
                public void write(byte[] b, int off, int len) throws java.io.IOException {
                    seen += len;
                    if (seen > (long) parts * PART) {
                        throw new dev.hcprollback.storage.StorageException("S3 bucket snapshots: could not upload part: "
                                + "connection reset", false, null);
                    }
                    real.write(b, off, len);
                }
            };
        }
    }

    static class ForwardingUpload extends Upload {
        final Upload real;

        ForwardingUpload(Upload real) {
            super(1);
            this.real = real;
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            real.write(b, off, len);
        }

        @Override
        public StoredObject complete() throws java.io.IOException {
            return real.complete();
        }

        @Override
        public void abort() {
            real.abort();
        }

        @Override
        protected String sendPart(int number, byte[] bytes, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected StoredObject commit(List<String> receipts) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void discard(int partsSent) {
        }
    }

}
