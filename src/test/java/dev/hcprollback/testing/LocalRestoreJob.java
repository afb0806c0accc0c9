package dev.hcprollback.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import dev.hcprollback.rollback.RestoreJobs;
import dev.hcprollback.rollback.RestoreScript;

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

    /** A shell script: the fetch, stopping with its exit code when it fails, then {@code script}. */
    public static String withFetch(String script) {
        String arguments = RestoreScript.fetchArguments().stream()
                .map(a -> '"' + a.replaceAll("\\$\\((\\w+)\\)", "\\$$1") + '"').collect(Collectors.joining(" "));
        return "\"$FETCH_JAVA\" -cp \"$FETCH_CLASS_PATH\" " + RestoreScript.FETCH_CLASS + " " + arguments + " || exit $?\n"
                + script;
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
}
