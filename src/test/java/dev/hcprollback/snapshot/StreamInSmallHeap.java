package dev.hcprollback.snapshot;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.storage.S3SnapshotStore;
import dev.hcprollback.testing.Clusters;
import dev.hcprollback.testing.S3Server;

/**
 * Run in a child JVM with a small heap: takes one snapshot (etcd over TLS into S3 and back) and prints
 * {@code RESULT <size> <sha256> <max heap bytes> <key>}.
 * Arguments: etcd endpoint, directory with ca.crt/client.crt/client.key, S3 endpoint, bucket.
 */
public final class StreamInSmallHeap {

    public static void main(String[] args) throws Exception {
        Path pki = Path.of(args[1]);
        EtcdCredentials credentials = new EtcdCredentials(Files.readString(pki.resolve("ca.crt")),
                Files.readString(pki.resolve("client.crt")), Files.readString(pki.resolve("client.key")));
        S3SnapshotStore store = new S3SnapshotStore(S3Server.client(URI.create(args[2]), S3Server.ACCESS_KEY,
                S3Server.SECRET_KEY), null, args[3], Optional.empty(), 5 * 1024 * 1024);
        HostedCluster cluster = Clusters.available("clusters", "large", "4.18.6");
        // generous limits: a small-heap JVM on a loaded machine takes its time, which is not what the test measures
        SnapshotTaker taker = new SnapshotTaker(new EtcdSnapshotStreamer(Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofMinutes(5), Duration.ofSeconds(60)), store, "hcp", Clock.systemUTC());
        SnapshotTaker.Taken taken = taker.take("large", SnapshotReason.Manual, cluster, () -> cluster, args[0],
                Optional.empty(), credentials);
        System.out.println("RESULT " + taken.sizeBytes() + " " + taken.sha256() + " " + Runtime.getRuntime().maxMemory()
                + " " + taken.object().key());
        System.exit(0);
    }
}
