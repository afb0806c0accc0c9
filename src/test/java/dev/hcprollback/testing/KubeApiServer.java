package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.net.ssl.SSLContext;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * A real Kubernetes API server (kube-apiserver v1.34.2, {@code .ci/install-test-tools kube-apiserver}) over a real
 * etcd 3.5, on loopback, with what a management cluster's API server has and the fabric8 mock server lacks: RBAC
 * ({@code --authorization-mode=RBAC}), users who authenticate with bearer tokens ({@link TestUser}), service
 * account tokens signed by the server, CRD schemas and CEL rules, the admission chain calling real webhooks,
 * server-side apply, dry runs, optimistic concurrency and watches.
 *
 * <p>No controller manager runs: nothing creates pods for Deployments, runs Jobs, collects garbage or finishes a
 * namespace's deletion. HyperShift's and the kubelet's reactions are played by a simulator acting through this
 * server as its own user. The {@code ServiceAccount} admission plugin is off (no token controller creates the
 * {@code default} accounts pods would need).
 *
 * <p>One server serves a whole test JVM ({@link #shared()}): tests keep apart by namespace. Its directory is
 * {@code target/kube-apiserver-<id>/}, with both logs; it is removed when the JVM ends.
 */
public final class KubeApiServer implements AutoCloseable {

    /** The kube-apiserver version the tooling installs and the tests are written for. */
    public static final String VERSION = "v1.34.2";

    private static final Duration START_LIMIT = Duration.ofSeconds(180);
    private static KubeApiServer shared;

    private final Path dir;
    /** The etcd this server started and stops, or null when it serves an etcd of the caller's. */
    private final EtcdProcess etcd;
    private final TestCertificates authority;
    private final Map<TestUser, String> tokens;
    private final ProcessBuilder command;
    private Process process;
    private final int port;

    private KubeApiServer(Path dir, EtcdProcess etcd, TestCertificates authority, Map<TestUser, String> tokens,
            ProcessBuilder command, Process process, int port) {
        this.dir = dir;
        this.etcd = etcd;
        this.authority = authority;
        this.tokens = tokens;
        this.command = command;
        this.process = process;
        this.port = port;
    }

    /** The server of this test JVM, started on first use (about 5-20 s) and stopped when the JVM ends. */
    public static synchronized KubeApiServer shared() {
        if (shared == null) {
            shared = start(Path.of("target").toAbsolutePath().resolve("kube-apiserver-" + UUID.randomUUID().toString().substring(0, 8)));
            KubeApiServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kube-apiserver-stop"));
        }
        return shared;
    }

    /** A new server (and its etcd) in {@code dir}; fails with the end of its log when it does not become ready. */
    public static KubeApiServer start(Path dir) {
        return start(dir, Map.of());
    }

    /**
     * As {@link #start(Path)}, the server's process given {@code environment} besides this JVM's: {@code HTTPS_PROXY}
     * for its calls to webhooks, which it makes through the proxy the environment names (its calls to etcd on
     * 127.0.0.1 never go through one).
     */
    public static KubeApiServer start(Path dir, Map<String, String> environment) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EtcdProcess etcd = EtcdProcess.startPlain(dir.resolve("etcd"), dir.resolve("etcd").resolve("data"));
        return start(dir, etcd, List.of("--etcd-servers=" + etcd.endpoint()), environment, List.of());
    }

    /**
     * A new server in {@code dir} in front of an etcd the caller runs and stops: {@code etcdArgs} are the server's
     * {@code --etcd-*} flags (servers, client certificate), {@code extraArgs} come after the defaults (a later flag
     * wins). For the outage benchmark, which stops and starts it ({@link #stop()}, {@link #startAgain(Duration)}).
     */
    public static KubeApiServer startInFrontOf(Path dir, List<String> etcdArgs, List<String> extraArgs) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(dir, null, etcdArgs, Map.of(), extraArgs);
    }

    private static KubeApiServer start(Path dir, EtcdProcess etcd, List<String> etcdArgs, Map<String, String> environment,
            List<String> extraArgs) {
        Path binary = TestTools.kubeApiServer();
        try {
            TestCertificates authority = TestCertificates.newAuthority(dir.resolve("pki"), "kube-apiserver");
            TestCertificates.Issued serving = authority.issue(dir.resolve("pki"), "serving", Duration.ofDays(1));
            TestCertificates.Issued serviceAccounts = TestCertificates.newRsaAuthority(dir.resolve("pki"), "service-accounts")
                    .issue(dir.resolve("pki"), "service-account-signer", Duration.ofDays(1));
            Map<TestUser, String> tokens = new LinkedHashMap<>();
            for (TestUser user : TestUser.values()) {
                tokens.put(user, UUID.randomUUID().toString());
            }
            Path tokenFile = dir.resolve("tokens.csv");
            Files.writeString(tokenFile, tokens.entrySet().stream()
                    .map(e -> e.getValue() + "," + e.getKey().username + "," + e.getKey().username + ",\""
                            + String.join(",", e.getKey().groups) + "\"")
                    .collect(Collectors.joining("\n", "", "\n")));
            return Ports.startRetryingOnBindFailure("kube-apiserver", 1, ports -> {
                int port = ports[0];
                List<String> command = new ArrayList<>(List.of(binary.toString()));
                command.addAll(etcdArgs);
                command.addAll(List.of(
                        "--etcd-prefix=/registry",
                        "--bind-address=127.0.0.1",
                        "--advertise-address=127.0.0.1",
                        "--secure-port=" + port,
                        "--tls-cert-file=" + serving.certFile(),
                        "--tls-private-key-file=" + serving.keyFile(),
                        "--token-auth-file=" + tokenFile,
                        "--authorization-mode=RBAC",
                        "--anonymous-auth=false",
                        "--service-account-issuer=https://kubernetes.default.svc",
                        "--service-account-key-file=" + serviceAccounts.certFile(),
                        "--service-account-signing-key-file=" + serviceAccounts.keyFile(),
                        "--api-audiences=https://kubernetes.default.svc",
                        "--service-cluster-ip-range=10.96.0.0/16",
                        "--endpoint-reconciler-type=none",
                        "--disable-admission-plugins=ServiceAccount",
                        "--allow-privileged=true",
                        "--enable-priority-and-fairness=false",
                        "--profiling=false",
                        "--watch-cache=true",
                        "--v=1"));
                command.addAll(extraArgs);
                Path log = dir.resolve("kube-apiserver.log");
                ProcessBuilder builder = new ProcessBuilder(command);
                builder.environment().putAll(environment);
                long launched = System.nanoTime();
                Process process = Ports.launch("kube-apiserver", builder, log, START_LIMIT, port);
                KubeApiServer server = new KubeApiServer(dir, etcd, authority, tokens, builder, process, port);
                server.awaitReady(log, START_LIMIT, launched);
                return server;
            });
        } catch (IOException | RuntimeException e) {
            if (etcd != null) {
                etcd.close();
            }
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** Stops the server's process (SIGTERM, then SIGKILL after a grace period); its files stay. */
    public synchronized void stop() {
        TestTools.stop(process);
    }

    /**
     * How a start went, from {@code /readyz?verbose} polled every 250 ms, in seconds after the launch: until the port
     * listened, until {@code /readyz} first answered (any status: from then on the server also serves requests), until
     * it said ok, and until each of its checks first passed. In a cluster a readiness-gated Service sends traffic only
     * from {@code readySeconds} on; the slowest check says what held it back.
     */
    public record Readiness(double listeningSeconds, double answeringSeconds, double readySeconds,
            Map<String, Double> checksPassedSeconds) {
    }

    /**
     * Starts the stopped server again with the same command, port, certificates and tokens; returns once it is ready,
     * with how its readiness went.
     *
     * @param limit how long it may take to listen and then to be ready, each
     * @throws Ports.AddressInUse when another process took its port meanwhile
     * @throws IllegalStateException when it exits or is not ready within {@code limit} (it is then killed)
     */
    public synchronized Readiness startAgain(Duration limit) {
        if (process.isAlive()) {
            throw new IllegalStateException("kube-apiserver is still running");
        }
        Path log = dir.resolve("kube-apiserver.log");
        long launched = System.nanoTime();
        process = Ports.launch("kube-apiserver", command, log, limit, port);
        return awaitReady(log, limit, launched);
    }

    private Readiness awaitReady(Path log, Duration limit, long launched) {
        double listening = (System.nanoTime() - launched) / 1e9;
        HttpClient http = HttpClient.newBuilder().sslContext(trustContext()).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/readyz?verbose")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + tokens.get(TestUser.ADMIN)).build();
        Instant deadline = Instant.now().plus(limit);
        String last = "no answer yet";
        double answering = Double.NaN;
        Map<String, Double> passed = new LinkedHashMap<>();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("kube-apiserver exited with " + process.exitValue() + "; its log: " + log);
            }
            try {
                HttpResponse<String> answer = http.send(ready, HttpResponse.BodyHandlers.ofString());
                double at = (System.nanoTime() - launched) / 1e9;
                answering = Double.isNaN(answering) ? at : answering;
                // one line per check: "[+]informer-sync ok" or "[-]informer-sync failed: reason withheld"
                answer.body().lines().filter(line -> line.startsWith("[+]") && line.endsWith(" ok"))
                        .forEach(line -> passed.putIfAbsent(line.substring(3, line.length() - 3), at));
                if (answer.statusCode() == 200) {
                    return new Readiness(listening, answering, at, passed);
                }
                last = answer.statusCode() + " " + answer.body().lines().filter(line -> line.startsWith("[-]"))
                        .collect(Collectors.joining(", "));
            } catch (IOException notYet) {
                last = notYet.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            TestTools.sleep(250);
        }
        process.destroyForcibly();
        throw new IllegalStateException("kube-apiserver was not ready after " + limit.toSeconds() + " s (" + last
                + "); its log: " + log);
    }

    /** {@code https://127.0.0.1:<port>}. */
    public String url() {
        return "https://127.0.0.1:" + port;
    }

    /** The CA that signed the server's certificate, PEM. */
    public String caPem() {
        return authority.caPem();
    }

    public Path caFile() {
        return authority.caFile();
    }

    /** Where this server keeps its files and logs. */
    public Path dir() {
        return dir;
    }

    /** The bearer token of a user of the token file. */
    public String token(TestUser user) {
        return tokens.get(user);
    }

    /** A client that authenticates as {@code user}. Close it. */
    public KubernetesClient client(TestUser user) {
        return clientWithToken(tokens.get(user));
    }

    /** A client that authenticates with any bearer token (a service account's). Close it. */
    public KubernetesClient clientWithToken(String token) {
        return new KubernetesClientBuilder().withConfig(config(token)).build();
    }

    /** The client configuration for a bearer token: this server, trusting only its CA, no kubeconfig read. */
    public Config config(String token) {
        return new ConfigBuilder(Config.empty()).withMasterUrl(url()).withCaCertData(base64(caPem()))
                .withOauthToken(token).withRequestTimeout(30_000).withConnectionTimeout(10_000)
                .withRequestRetryBackoffLimit(3).build();
    }

    /**
     * The settings that point the packaged sidecar's Kubernetes client at this server with a bearer token, as
     * a pod's mounted service account token would (the Quarkus kubernetes-client properties).
     */
    public Map<String, String> sidecarConfig(String token) {
        return Map.of("quarkus.kubernetes-client.api-server-url", url(),
                "quarkus.kubernetes-client.ca-cert-file", caFile().toString(),
                "quarkus.kubernetes-client.token", token);
    }

    /**
     * Writes a kubeconfig for {@code user} to {@code file}: this server, its CA, the user's token. What kubectl reads
     * from {@code KUBECONFIG}.
     */
    public Path writeKubeconfig(Path file, TestUser user) {
        String text = """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: test
                    cluster: {server: "%s", certificate-authority: "%s"}
                users:
                  - name: %s
                    user: {token: "%s"}
                contexts:
                  - name: test
                    context: {cluster: test, user: %s}
                current-context: test
                """.formatted(url(), caFile().toAbsolutePath(), user.username, token(user), user.username);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TLS context that trusts this server's CA alone. */
    public SSLContext trustContext() {
        return authority.clientContext();
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        TestTools.stop(process);
        if (etcd != null) {
            etcd.close();
        }
        TestTools.deleteRecursively(dir);
    }
}
