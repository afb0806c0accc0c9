package dev.hcprollback.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.etcd.jetcd.Client;

import dev.hcprollback.rollback.restore.RestoreScript;
import dev.hcprollback.testing.Ports;
import dev.hcprollback.testing.TestPki;
import dev.hcprollback.testing.TestTools;

/**
 * A real etcd 3.5 cluster of {@code members} processes on loopback, as HyperShift runs its managed etcd: peer and
 * client TLS with certificates of one CA required on both, members named {@link RestoreScript#memberName} with the
 * cluster token {@link RestoreScript#CLUSTER_TOKEN} (what a restore writes back), each member with its own directory
 * {@code member-<n>/} standing for its volume ({@code data/} its data dir, {@code work/} the restore's work dir). Ports
 * are picked by {@link Ports} (etcd must be told its ports up front: its peer URLs go into every member's
 * configuration), and a restart takes the same ones.
 */
final class LocalEtcdCluster implements AutoCloseable {

    private final Path dir;
    private final TestPki pki;
    private final Path pem;
    private final int[] ports;
    private final List<String> extraArgs;
    private final Process[] processes;

    private LocalEtcdCluster(Path dir, TestPki pki, int[] ports, List<String> extraArgs) {
        this.dir = dir;
        this.pki = pki;
        this.pem = pki.writeTo(dir.resolve("pki"));
        this.ports = ports;
        this.extraArgs = extraArgs;
        this.processes = new Process[ports.length / 2];
    }

    /** A new cluster of {@code members} in {@code dir}; returns once every member listens on both its ports. */
    static LocalEtcdCluster start(Path dir, int members, TestPki pki, String... extraArgs) {
        return Ports.startRetryingOnBindFailure("etcd cluster", 2 * members, ports -> {
            LocalEtcdCluster cluster = new LocalEtcdCluster(dir, pki, ports, List.of(extraArgs));
            try {
                cluster.startAll();
            } catch (RuntimeException e) {
                cluster.stopAll();
                throw e;
            }
            return cluster;
        });
    }

    int members() {
        return processes.length;
    }

    Path memberDir(int member) {
        return dir.resolve("member-" + member);
    }

    Path dataDir(int member) {
        return memberDir(member).resolve("data");
    }

    Path workDir(int member) {
        return memberDir(member).resolve("work");
    }

    /** The PEM files: ca.crt, server.crt/.key (serving and peer), client.crt/.key. */
    Path pem() {
        return pem;
    }

    TestPki pki() {
        return pki;
    }

    String clientUrl(int member) {
        return "https://127.0.0.1:" + ports[2 * member];
    }

    String peerUrl(int member) {
        return "https://127.0.0.1:" + ports[2 * member + 1];
    }

    List<String> clientUrls() {
        return IntStream.range(0, members()).mapToObj(this::clientUrl).toList();
    }

    List<String> peerUrls() {
        return IntStream.range(0, members()).mapToObj(this::peerUrl).toList();
    }

    /** A client of every member, with the client certificate. Close it. */
    Client client() {
        try {
            var credentials = pki.clientCredentials();
            return Client.builder().endpoints(clientUrls().stream().map(URI::create).toArray(URI[]::new))
                    .sslContext(ssl -> ssl.trustManager(credentials.ca()).keyManager(credentials.cert(), credentials.key()))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts every member side by side (a member of a new cluster waits for its peers), on its data dir as it is: an
     * empty one makes a new cluster, a restored one (its membership written by the restore) rejoins it.
     */
    void startAll() {
        ExecutorService starts = Executors.newFixedThreadPool(members());
        try {
            List<Future<Process>> started = new ArrayList<>();
            for (int member = 0; member < members(); member++) {
                int m = member;
                started.add(starts.submit(() -> startMember(m)));
            }
            RuntimeException failure = null;
            for (int member = 0; member < members(); member++) {
                try {
                    processes[member] = started.get(member).get(3, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (Exception e) {
                    failure = new IllegalStateException("etcd member " + member + " did not start", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            starts.shutdownNow();
        }
    }

    private Process startMember(int member) {
        List<String> command = new ArrayList<>(List.of(TestTools.etcdBin("etcd").toString(),
                "--name", RestoreScript.memberName(member),
                "--data-dir", dataDir(member).toString(),
                "--listen-client-urls", clientUrl(member),
                "--advertise-client-urls", clientUrl(member),
                "--listen-peer-urls", peerUrl(member),
                "--initial-advertise-peer-urls", peerUrl(member),
                "--initial-cluster", RestoreScript.initialCluster(peerUrls()),
                "--initial-cluster-token", RestoreScript.CLUSTER_TOKEN,
                "--initial-cluster-state", "new",
                "--cert-file", pem.resolve("server.crt").toString(),
                "--key-file", pem.resolve("server.key").toString(),
                "--trusted-ca-file", pem.resolve("ca.crt").toString(),
                "--client-cert-auth",
                "--peer-cert-file", pem.resolve("server.crt").toString(),
                "--peer-key-file", pem.resolve("server.key").toString(),
                "--peer-trusted-ca-file", pem.resolve("ca.crt").toString(),
                "--peer-client-cert-auth",
                "--log-level", "warn"));
        command.addAll(extraArgs);
        return Ports.launch("etcd member " + member, new ProcessBuilder(command),
                memberDir(member).resolve("etcd.log"), Duration.ofMinutes(3), ports[2 * member], ports[2 * member + 1]);
    }

    /** Stops every member (SIGTERM, as a pod's deletion does). */
    /**
     * Stops every member at once: SIGTERM to all, then each waited for (killed after 20 s), as HyperShift's etcd
     * StatefulSet ({@code podManagementPolicy: Parallel}) has its pods deleted together when it is scaled to 0.
     */
    void stopAll() {
        for (Process process : processes) {
            if (process != null) {
                process.destroy();
            }
        }
        for (int member = 0; member < members(); member++) {
            TestTools.stop(processes[member]);
            processes[member] = null;
        }
    }

    /** The process id of a running member, -1 when it is stopped. */
    long pid(int member) {
        return processes[member] == null ? -1 : processes[member].pid();
    }

    @Override
    public void close() {
        stopAll();
    }
}
