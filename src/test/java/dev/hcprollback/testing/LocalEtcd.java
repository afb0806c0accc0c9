package dev.hcprollback.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

/**
 * A real etcd member on loopback (plain HTTP), its log in its directory, stopped on close. Unlike
 * {@link EtcdProcess} it takes the member name, peer URL and initial cluster, so that several restored
 * data dirs can be started as one cluster.
 */
public final class LocalEtcd implements AutoCloseable {

    private final Path dir;
    private final int clientPort;
    private final Process process;

    private LocalEtcd(Path dir, int clientPort, Process process) {
        this.dir = dir;
        this.clientPort = clientPort;
        this.process = process;
    }

    /** A new one-member cluster with an empty data dir under {@code dir}, on ports picked and retried by {@link Ports}. */
    public static LocalEtcd single(Path dir) {
        return Ports.startRetryingOnBindFailure("etcd", 2, ports -> {
            String peerUrl = "http://127.0.0.1:" + ports[0];
            return start(dir, "etcd-0", dir.resolve("data"), peerUrl, "etcd-0=" + peerUrl, ports[1]);
        });
    }

    /**
     * A member of a cluster, on an existing (restored) or empty data dir; returns once it listens on its client and
     * peer ports. Does not wait for quorum.
     *
     * @throws Ports.AddressInUse when another process holds one of its ports
     */
    public static LocalEtcd start(Path dir, String name, Path dataDir, String peerUrl, String initialCluster, int clientPort) {
        String client = "http://127.0.0.1:" + clientPort;
        List<String> command = new ArrayList<>(List.of(TestTools.etcdBin("etcd").toString(), "--name", name,
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", initialCluster, "--initial-cluster-token", "etcd-cluster",
                "--log-level", "warn"));
        Process process = Ports.launch("etcd " + name, new ProcessBuilder(command), dir.resolve("etcd.log"),
                Duration.ofSeconds(120), clientPort, URI.create(peerUrl).getPort());
        return new LocalEtcd(dir, clientPort, process);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    public Client client() {
        return Client.builder().endpoints(URI.create(endpoint())).build();
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("etcd.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        TestTools.stop(process);
    }
}
