package dev.hcprollback.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import dev.hcprollback.rollback.RestoreScript;

/**
 * A member's stage Job run on this machine as its containers run in the cluster: first the fetch
 * container's command (the same main class and the same arguments, with this JVM and the test class
 * path standing in for the sidecar's image), then the etcd container's script. The kubelet's
 * {@code $(VAR)} expansion of the arguments becomes the shell's {@code "$VAR"}.
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

    /** The environment {@link #withFetch} needs besides the Job's own: this JVM and class path. */
    public static Map<String, String> fetchEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("FETCH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.put("FETCH_CLASS_PATH", System.getProperty("java.class.path"));
        return env;
    }
}
