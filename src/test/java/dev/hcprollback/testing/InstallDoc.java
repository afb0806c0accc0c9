package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell steps of docs/install.md, as a user copies them. Every {@code ```sh} block there follows a marker line:
 * {@code <!-- test: <step> -->} for a block a test runs (several blocks may share a step; they run in the doc's
 * order), or {@code <!-- not run: <why> -->} for one none can (a kubelet's rollout, OLM's catalog). {@link #blocks}
 * fails on a block with neither, so that no untested command slips in.
 */
public final class InstallDoc {

    public static final Path DOC = Path.of("docs", "install.md");
    private static final Pattern BLOCK = Pattern.compile("(?:<!-- (test|not run): ([^>]*?) -->\\n)?```sh\\n(.*?)```",
            Pattern.DOTALL);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(180);

    private InstallDoc() {
    }

    /** The blocks a test runs, by step, each step's blocks in the doc's order. */
    public static Map<String, List<String>> blocks() {
        String text;
        try {
            text = Files.readString(DOC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, List<String>> steps = new LinkedHashMap<>();
        Matcher block = BLOCK.matcher(text);
        while (block.find()) {
            if (block.group(1) == null) {
                throw new IllegalStateException(DOC + ": a sh block without '<!-- test: step -->' or '<!-- not run: why -->' "
                        + "before it:\n" + block.group(3));
            }
            if ("test".equals(block.group(1))) {
                steps.computeIfAbsent(block.group(2).trim(), k -> new ArrayList<>()).add(block.group(3));
            }
        }
        return steps;
    }

    /** The blocks of {@code step}; fails when the doc has none. */
    public static List<String> step(String step) {
        List<String> blocks = blocks().get(step);
        if (blocks == null) {
            throw new IllegalStateException(DOC + " has no block marked '<!-- test: " + step + " -->'");
        }
        return blocks;
    }

    /** What a step printed, and how it ended. */
    public record Ran(String step, int exitCode, String output) {

        @Override
        public String toString() {
            return step + " exited " + exitCode + ":\n" + output;
        }
    }

    /**
     * Runs the blocks of {@code step} as a user would paste them into bash, stopping at a failed command ({@code set -eu};
     * a pipeline's status is its last command's, as in an interactive shell), in this
     * repository's folder, with kubectl (Debian's, {@code .ci/install-test-tools kubectl}) first on the PATH and
     * pointed at {@code server} as {@code user}; stops at the first block that fails.
     *
     * @param workDir for the kubeconfig, kubectl's cache and the output
     */
    public static Ran run(String step, KubeApiServer server, TestUser user, Path workDir) {
        Path kubeconfig = server.writeKubeconfig(workDir.resolve("kubeconfig"), user);
        StringBuilder output = new StringBuilder();
        for (String block : step(step)) {
            ProcessBuilder bash = new ProcessBuilder("bash", "-c", "set -eu\n" + block)
                    .directory(Path.of("").toAbsolutePath().toFile()).redirectErrorStream(true);
            bash.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
            bash.environment().put("KUBECACHEDIR", workDir.resolve("kube-cache").toAbsolutePath().toString());
            bash.environment().put("PATH", TestTools.kubectl().getParent() + ":" + System.getenv("PATH"));
            try {
                Process process = bash.start();
                byte[] printed = process.getInputStream().readAllBytes();
                if (!process.waitFor(STEP_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return new Ran(step, -1, output + "(still running after " + STEP_LIMIT.toSeconds() + " s)");
                }
                output.append("$ ").append(block.strip()).append('\n').append(new String(printed, StandardCharsets.UTF_8));
                if (process.exitValue() != 0) {
                    return new Ran(step, process.exitValue(), output.toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new Ran(step, 0, output.toString());
    }
}
