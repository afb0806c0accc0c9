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
 * The packaged sidecar ({@code target/quarkus-app/quarkus-run.jar}) started as its own process,
 * configured the way a pod is, against the demo's in-process management cluster.
 */
public final class SidecarProcess implements AutoCloseable {

    /** Where every port of the sidecar listens: the webhook's and the unauthenticated management port. */
    public static final String LOOPBACK = "127.0.0.1";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final Path log;
    public final int httpsPort;
    public final int managementPort;

    private SidecarProcess(Process process, Path log, int httpsPort, int managementPort) {
        this.process = process;
        this.log = log;
        this.httpsPort = httpsPort;
        this.managementPort = managementPort;
    }

    /**
     * Starts the sidecar with {@code config} on two ports picked by {@link Ports} (again on fresh ones if another
     * process took one first); returns once it listens on both, which it does at the end of its start-up. Its log
     * is {@code sidecar.log} in {@code workDir}, holding the output of this start only.
     */
    public static SidecarProcess start(Path workDir, Map<String, String> config) throws IOException {
        return Ports.startRetryingOnBindFailure("the packaged sidecar", 2, ports -> startOn(workDir, config, ports[0], ports[1]));
    }

    /**
     * Starts the sidecar on these ports; returns once it listens on both.
     *
     * @throws Ports.AddressInUse when another process holds one of them
     */
    public static SidecarProcess startOn(Path workDir, Map<String, String> config, int httpsPort, int managementPort)
            throws IOException {
        Map<String, String> settings = new java.util.LinkedHashMap<>(config);
        // a pod listens on every interface; on a workstation or a shared build machine, nothing beyond loopback
        settings.put("quarkus.http.host", LOOPBACK);
        settings.put("quarkus.http.ssl-port", Integer.toString(httpsPort));
        settings.put("quarkus.management.host", LOOPBACK);
        settings.put("quarkus.management.port", Integer.toString(managementPort));
        Path log = workDir.resolve("sidecar.log");
        Files.deleteIfExists(log);
        Process process = Ports.launch("the packaged sidecar", command(settings), log, Duration.ofSeconds(240), httpsPort,
                managementPort);
        return new SidecarProcess(process, log, httpsPort, managementPort);
    }

    /** {@code java -jar} of the packaged sidecar with these system properties, as a pod's container runs it. */
    public static ProcessBuilder command(Map<String, String> config) {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
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
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        return HTTP.send(ready, HttpResponse.BodyHandlers.ofString()).body();
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
