package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.hcprollback.rollback.restore.RestoreJobs;
import dev.hcprollback.rollback.restore.RestoreScript;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * A member's stage Job run on this machine as its containers run in the cluster: first the fetch
 * container's command (the same main class and the same arguments, with this JVM and the test class
 * path standing in for the sidecar's image), then the etcd container's script. The kubelet's
 * {@code $(VAR)} expansion of the arguments becomes the shell's {@code "$VAR"}. And a member's measure Job
 * ({@link #measure}).
 */
public final class LocalRestoreJob {

    private LocalRestoreJob() {
    }

    /** What running a restore Job here did: its exit code, its log, and the log's lines that tell what it did. */
    public record Ran(String job, boolean fetched, List<String> command, int exit, Path log, String summary) {

        public boolean succeeded() {
            return exit == 0;
        }
    }

    /** A shell script: the fetch, stopping with its exit code when it fails, then {@code script}. */
    public static String withFetch(String script) {
        String arguments = RestoreScript.fetchArguments().stream()
                .map(a -> '"' + a.replaceAll("\\$\\((\\w+)\\)", "\\$$1") + '"').collect(Collectors.joining(" "));
        return "\"$FETCH_JAVA\" -cp \"$FETCH_CLASS_PATH\" " + RestoreScript.FETCH_CLASS + " " + arguments + " || exit $?\n"
                + script;
    }

    /** The fetch container's command with {@code arguments}, with this JVM and the test class path for the image's. */
    public static List<String> fetchCommand(List<String> arguments) {
        Map<String, String> env = fetchEnvironment();
        List<String> command = new ArrayList<>(List.of(env.get("FETCH_JAVA"), "-cp", env.get("FETCH_CLASS_PATH"),
                RestoreScript.FETCH_CLASS));
        command.addAll(arguments);
        return command;
    }

    /**
     * A member's measure Job run on this machine: its main class on {@code dataDir} and {@code workDir}, with this
     * JVM and the test class path standing in for the sidecar's image. The report (what the Job's termination
     * message carries), or null when the measure failed, as its Job would.
     */
    public static String measure(Path dataDir, Path workDir) {
        Map<String, String> env = fetchEnvironment();
        try {
            Process process = new ProcessBuilder(env.get("FETCH_JAVA"), "-cp", env.get("FETCH_CLASS_PATH"),
                    RestoreJobs.MEASURE_CLASS, dataDir.toAbsolutePath().toString(), workDir.toAbsolutePath().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String report = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return process.waitFor() == 0 ? report : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The environment {@link #withFetch} needs besides the Job's own: this JVM and class path. */
    public static Map<String, String> fetchEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("FETCH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.put("FETCH_CLASS_PATH", System.getProperty("java.class.path"));
        return env;
    }

    /**
     * Runs a rollback's stage or swap Job as its pod would run on the node of the member {@code etcd} plays: the
     * restore container's command with the Job's environment, after the fetch for a stage Job (whose first container
     * downloads and checks the snapshot). What differs from a pod: the data directory is the local etcd's, peers are
     * on loopback, the etcd tools come from {@code .tools}, and scratch space is {@code workDir}. Waits for the end;
     * the log is {@code workDir/<job>.log}.
     */
    public static Ran run(Job job, EtcdProcess etcd, Path workDir) {
        Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        List<String> command = new ArrayList<>(container.getCommand());
        boolean fetches = !Optional.ofNullable(job.getSpec().getTemplate().getSpec().getInitContainers()).orElse(List.of())
                .isEmpty();
        if (fetches) {
            command.set(command.size() - 1, withFetch(command.get(command.size() - 1)));
        }
        Map<String, String> env = new LinkedHashMap<>();
        // an empty value comes back from a real API server as no value at all; the kubelet sets it empty
        container.getEnv().forEach(e -> env.put(e.getName(), Objects.requireNonNullElse(e.getValue(), "")));
        env.put("DATA_DIR", etcd.dataDir().toAbsolutePath().toString());
        env.put("WORK_DIR", workDir.resolve("restore-work").toAbsolutePath().toString());
        env.put("PEER_URL", etcd.peerUrl());
        env.put("INITIAL_CLUSTER", env.get("MEMBER_NAME") + "=" + etcd.peerUrl());
        Path log = workDir.resolve(job.getMetadata().getName() + ".log");
        try {
            Files.createDirectories(workDir);
            ProcessBuilder restore = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            restore.environment().putAll(env);
            restore.environment().put("PATH", TestTools.etcdBin("etcdutl").getParent() + ":" + System.getenv("PATH"));
            if (fetches) {
                restore.environment().putAll(fetchEnvironment());
            }
            int exit = restore.start().waitFor();
            String summary = Files.readAllLines(log).stream()
                    .filter(line -> line.startsWith("stage=") || line.contains("bumping latest revision"))
                    .map(line -> line.contains("bumping") ? "revision bumped: " + line.substring(line.indexOf('{')) : line)
                    .collect(Collectors.joining("; "));
            return new Ran(job.getMetadata().getName(), fetches, command, exit, log, summary);
        } catch (IOException e) {
            throw new UncheckedIOException("restore Job " + job.getMetadata().getName() + " could not run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restore Job " + job.getMetadata().getName() + " ran", e);
        }
    }
}
