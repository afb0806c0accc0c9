package dev.hcprollback.testing;

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
import java.util.List;
import java.util.Map;

/**
 * The packaged sidecar ({@code target/quarkus-app/quarkus-run.jar}, or {@code quarkus-run.jar} in the folder the
 * system property {@value #APP_PROPERTY} names: the demo's own package) started as its own process, configured the
 * way a pod is, against the demo's in-process management cluster.
 */
public final class SidecarProcess implements AutoCloseable {

    /** The packaged application's folder, when not {@code target/quarkus-app}. */
    public static final String APP_PROPERTY = "hcprollback.sidecar.app";

    /** Where every port of the sidecar listens: the webhook's and the management port (health and metrics). */
    public static final String LOOPBACK = "127.0.0.1";

    private final Process process;
    private final Path log;
    public final int httpsPort;
    public final int managementPort;
    /** The serving certificate (PEM), which both ports present. */
    private final Path servingCertificate;

    private SidecarProcess(Process process, Path log, int httpsPort, int managementPort, Path servingCertificate) {
        this.process = process;
        this.log = log;
        this.httpsPort = httpsPort;
        this.managementPort = managementPort;
        this.servingCertificate = servingCertificate;
    }

    /**
     * Starts the sidecar with {@code config} on two ports picked by {@link Ports} (again on fresh ones if another
     * process took one first); returns once it listens on both, which it does at the end of its start-up. Its log
     * is {@code sidecar.log} in {@code workDir}, holding the output of this start only.
     */
    public static SidecarProcess start(Path workDir, Map<String, String> config) throws IOException {
        return start(workDir, config, Map.of());
    }

    /**
     * As {@link #start(Path, Map)}, with {@code environment} added to the process's (a container's {@code env}, which
     * the sidecar reads as settings too, below the system properties of {@code config}).
     */
    public static SidecarProcess start(Path workDir, Map<String, String> config, Map<String, String> environment)
            throws IOException {
        return Ports.startRetryingOnBindFailure("the packaged sidecar", 2,
                ports -> startOn(workDir, config, environment, ports[0], ports[1]));
    }

    /**
     * Starts the sidecar on these ports; returns once it listens on both.
     *
     * @throws Ports.AddressInUse when another process holds one of them
     */
    public static SidecarProcess startOn(Path workDir, Map<String, String> config, int httpsPort, int managementPort)
            throws IOException {
        return startOn(workDir, config, Map.of(), httpsPort, managementPort);
    }

    private static SidecarProcess startOn(Path workDir, Map<String, String> config, Map<String, String> environment,
            int httpsPort, int managementPort) throws IOException {
        Map<String, String> settings = new java.util.LinkedHashMap<>(config);
        // a pod listens on every interface; on a workstation or a shared build machine, nothing beyond loopback
        settings.put("quarkus.http.host", LOOPBACK);
        settings.put("quarkus.http.ssl-port", Integer.toString(httpsPort));
        settings.put("quarkus.management.host", LOOPBACK);
        settings.put("quarkus.management.port", Integer.toString(managementPort));
        Path log = workDir.resolve("sidecar.log");
        Files.deleteIfExists(log);
        ProcessBuilder command = command(settings);
        command.environment().putAll(environment);
        Process process = Ports.launch("the packaged sidecar", command, log, Duration.ofSeconds(240), httpsPort,
                managementPort);
        return new SidecarProcess(process, log, httpsPort, managementPort, Path.of(settings.getOrDefault(
                "hcp-rollback.tls.cert-file", environment.getOrDefault("HCP_ROLLBACK_TLS_CERT_FILE", "/etc/hcp-rollback/tls/tls.crt"))));
    }

    /** {@code java -jar} of the packaged sidecar with these system properties, as a pod's container runs it. */
    public static ProcessBuilder command(Map<String, String> config) {
        Path jar = Path.of(System.getProperty(APP_PROPERTY, "target/quarkus-app"), "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run through './mvnw -Pdemo verify' or '-Pbench', which package it first");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx256m");
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        return new ProcessBuilder(command);
    }

    /** {@code path} on the management port, which serves HTTPS with the webhook's certificate, as a pod does. */
    public URI management(String path) {
        return URI.create("https://" + LOOPBACK + ":" + managementPort + path);
    }

    /**
     * A client for {@link #management}: it trusts the certificate the sidecar serves (as read now), the way a
     * ServiceMonitor trusts the CA that issued it, and checks that it names 127.0.0.1.
     */
    public HttpClient.Builder managementClient() {
        return HttpClient.newBuilder().sslContext(trustingTheServedCertificate());
    }

    private javax.net.ssl.SSLContext trustingTheServedCertificate() {
        try (java.io.InputStream in = Files.newInputStream(servingCertificate)) {
            java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("sidecar", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory
                    .getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            return tls;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the sidecar's certificate " + servingCertificate, e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust the sidecar's certificate " + servingCertificate, e);
        }
    }

    /** Waits until the sidecar's own readiness check is up: caches synced, certificate loaded. */
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the sidecar exited with code " + process.exitValue() + "; its log:\n" + logTail(30));
            }
            try {
                last = readiness();
                if (last.replaceAll("\\s", "").contains("\"name\":\"admission-webhook\",\"status\":\"UP\"")) {
                    return;
                }
            } catch (IOException notListeningYet) {
                last = notListeningYet.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the sidecar was not ready after " + timeout.toSeconds() + "s: " + last + "\n" + logTail(30));
    }

    /** The body of {@code /q/health/ready} as the kubelet's probe reads it (JSON; 503 while not ready). */
    public String readiness() throws IOException, InterruptedException {
        return readManagement("/q/health/ready", Duration.ofSeconds(2));
    }

    /**
     * The body of a management path (any status), trusting the served certificate without checking the name it
     * gives, as the kubelet's HTTPS probe does: a certificate for the Service alone (cert-manager's, service-ca's)
     * serves 127.0.0.1 here as it serves the pod IP in a cluster. The name the ServiceMonitor checks is a test's own.
     */
    public String readManagement(String path, Duration timeout) throws IOException {
        javax.net.ssl.HttpsURLConnection probe = (javax.net.ssl.HttpsURLConnection) management(path).toURL()
                .openConnection();
        probe.setSSLSocketFactory(trustingTheServedCertificate().getSocketFactory());
        probe.setHostnameVerifier((host, session) -> true);
        probe.setConnectTimeout((int) timeout.toMillis());
        probe.setReadTimeout((int) timeout.toMillis());
        try (java.io.InputStream body = probe.getResponseCode() < 400 ? probe.getInputStream() : probe.getErrorStream()) {
            return body == null ? "" : new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            probe.disconnect();
        }
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The sidecar's process id, to read its resident memory and CPU time from /proc. */
    public long pid() {
        return process.pid();
    }

    /** When the operating system started the sidecar's process. */
    public java.util.Optional<Instant> startedAt() {
        return process.info().startInstant();
    }

    public Path log() {
        return log;
    }

    /** Sends SIGTERM, as the kubelet does when a pod is deleted, and returns at once. */
    public void terminate() {
        process.destroy();
    }

    /**
     * Sends SIGSTOP: every thread of the sidecar stops where it is, as in a stall of its node or a long pause of its
     * JVM, and nothing of it runs until {@link #thaw()}.
     */
    public void freeze() {
        signal("STOP");
    }

    /** Sends SIGCONT: a frozen sidecar goes on from where it stopped. */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited with " + kill.exitValue());
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits up to {@code timeout} for the process to end; its exit status, or empty if it still runs. */
    public java.util.OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
    }

    /** The last {@code count} lines of the sidecar's log, for a failure message. */
    public String logTail(int count) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "(its log " + log + " cannot be read: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        // a frozen process would only see the SIGTERM once thawed
        thaw();
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
