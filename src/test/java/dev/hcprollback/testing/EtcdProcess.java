package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

/**
 * A real etcd 3.5 on loopback, in its own directory, on ports picked and retried by {@link Ports} (a
 * restart after {@link #stop()} takes the same ports). With a {@link TestPki} it serves TLS and requires
 * client certificates signed by the test CA; without one it serves plain HTTP.
 */
public final class EtcdProcess implements AutoCloseable {

    private final Path dir;
    private final Path dataDir;
    private final TestPki pki;
    private final int clientPort;
    private final int peerPort;
    private final List<String> extraArgs;
    private final String memberName;
    private Process process;

    private EtcdProcess(Path dir, Path dataDir, TestPki pki, List<String> extraArgs, int[] ports) {
        this(dir, dataDir, pki, extraArgs, ports, "etcd-0");
    }

    private EtcdProcess(Path dir, Path dataDir, TestPki pki, List<String> extraArgs, int[] ports, String memberName) {
        this.memberName = memberName;
        this.dir = dir;
        this.dataDir = dataDir;
        this.pki = pki;
        this.extraArgs = extraArgs;
        this.clientPort = ports[0];
        this.peerPort = ports[1];
    }

    /** A fresh member with TLS and client-certificate authentication. */
    public static EtcdProcess startTls(Path dir, TestPki pki, String... extraArgs) {
        pki.writeTo(dir.resolve("pki"));
        return Ports.startRetryingOnBindFailure("etcd", 2, ports -> {
            EtcdProcess etcd = new EtcdProcess(dir, dir.resolve("data"), pki, List.of(extraArgs), ports);
            etcd.start();
            return etcd;
        });
    }

    /**
     * A fresh member with TLS and client-certificate authentication, named {@code memberName} as HyperShift names a
     * member of an etcd shard ({@code etcd-events-0}).
     */
    public static EtcdProcess startTlsNamed(Path dir, TestPki pki, String memberName) {
        pki.writeTo(dir.resolve("pki"));
        return Ports.startRetryingOnBindFailure("etcd", 2, ports -> {
            EtcdProcess etcd = new EtcdProcess(dir, dir.resolve("data"), pki, List.of(), ports, memberName);
            etcd.start();
            return etcd;
        });
    }

    /** This member's name ({@code --name}). */
    public String memberName() {
        return memberName;
    }

    /** Stops the member and deletes its data directory: what a memory-backed (EmptyDir) volume does when its pod goes. */
    public synchronized void stopAndEmpty() {
        stop();
        TestTools.deleteRecursively(dataDir);
    }

    /** A plain member serving an existing data directory (one {@code etcdutl snapshot restore} wrote). */
    public static EtcdProcess startPlain(Path dir, Path dataDir) {
        return Ports.startRetryingOnBindFailure("etcd", 2, ports -> {
            EtcdProcess etcd = new EtcdProcess(dir, dataDir, null, List.of(), ports);
            etcd.start();
            return etcd;
        });
    }

    public Path dataDir() {
        return dataDir;
    }

    public String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public String endpoint() {
        return (pki == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    /** The etcd server's process id (to read its CPU time from /proc); -1 when it is not running. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /**
     * Starts etcd on this member's ports; returns once it listens on both.
     *
     * @throws Ports.AddressInUse when another process took one of them (while the member was stopped)
     */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(TestTools.etcdBin("etcd").toString(),
                "--name", memberName,
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", endpoint(),
                "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", memberName + "=http://127.0.0.1:" + peerPort,
                "--log-level", "warn"));
        if (pki != null) {
            Path p = dir.resolve("pki");
            command.addAll(List.of("--cert-file", p.resolve("server.crt").toString(),
                    "--key-file", p.resolve("server.key").toString(),
                    "--trusted-ca-file", p.resolve("ca.crt").toString(),
                    "--client-cert-auth"));
        }
        command.addAll(extraArgs);
        process = Ports.launch("etcd", new ProcessBuilder(command), dir.resolve("etcd.log"), Duration.ofSeconds(120),
                clientPort, peerPort);
    }

    public synchronized void stop() {
        TestTools.stop(process);
        process = null;
    }

    /** A client for putting and reading test keys. */
    public Client client() {
        try {
            var builder = Client.builder().endpoints(URI.create(endpoint()));
            if (pki != null) {
                var credentials = pki.clientCredentials();
                builder.sslContext(ssl -> ssl.trustManager(credentials.ca()).keyManager(credentials.cert(), credentials.key()));
            }
            return builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes one key through a client of its own (with the client certificate when TLS is on). */
    public void write(String key, String value) {
        try (Client client = client()) {
            put(client, key, value);
        }
    }

    /** One key's value as etcd holds it now, or null. */
    public String read(String key) {
        try (Client client = client()) {
            return get(client, key);
        }
    }

    public void put(Client client, String key, String value) {
        try {
            client.getKVClient().put(bytes(key), bytes(value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("put " + key, e);
        }
    }

    public static String get(Client client, String key) {
        try {
            var kvs = client.getKVClient().get(bytes(key)).get(30, TimeUnit.SECONDS).getKvs();
            return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException("get " + key, e);
        }
    }

    public static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        stop();
    }
}
