package dev.hcprollback.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the fetch container is compared with: the same object through the same URL with
 * {@code curl -sS <url> | sha256sum}, and, since the fetch also writes the object onto the volume,
 * {@code curl -sS <url> | tee <file> | sha256sum} with the file beside the fetch's own. Each is timed from
 * process start to exit and its hash checked against the one expected, so that a failed download is never
 * taken for a fast one.
 */
final class CurlComparator {

    static final Path CURL = Path.of("/usr/bin/curl");

    private CurlComparator() {
    }

    /** Null when {@code curl} can run here; otherwise the one line that says why no comparison is made. */
    static String unavailable() {
        return Files.isExecutable(CURL) ? null : "no comparison with curl: " + CURL + " is not on this machine";
    }

    /**
     * One run: {@code tee} null for {@code curl | sha256sum}, a file for {@code curl | tee file | sha256sum} (removed
     * after). Returns {@code seconds} and {@code sha256}; throws when curl fails or the hash is not {@code expectedSha256}.
     */
    static Map<String, Object> run(String url, String expectedSha256, Path tee) throws IOException, InterruptedException {
        // the URL goes through the environment: a pre-signed URL is a credential, never on a command line
        String pipe = "set -o pipefail; " + CURL + " -sS --fail \"$URL\" | " + (tee == null ? "" : "tee \"$TEE\" | ")
                + "sha256sum";
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", pipe).redirectErrorStream(true);
        builder.environment().put("URL", url);
        if (tee != null) {
            builder.environment().put("TEE", tee.toAbsolutePath().toString());
        }
        double cpu = Machine.reapedChildrenCpuSeconds(ProcessHandle.current().pid());
        long start = System.nanoTime();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int exit = process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        cpu = Machine.reapedChildrenCpuSeconds(ProcessHandle.current().pid()) - cpu;
        long teed = tee == null ? -1 : Files.size(tee);
        if (tee != null) {
            Files.deleteIfExists(tee);
        }
        String sha256 = output.split("\\s+")[0];
        if (exit != 0 || !sha256.equals(expectedSha256)) {
            throw new IllegalStateException("curl" + (tee == null ? "" : " | tee") + " | sha256sum exited " + exit
                    + " with '" + output + "', expected SHA-256 " + expectedSha256);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("seconds", seconds);
        result.put("cpuSeconds", cpu); // bash, curl, tee and sha256sum, all waited for
        result.put("sha256", sha256);
        if (tee != null) {
            result.put("teedBytes", teed);
        }
        return result;
    }

    /**
     * For a zstd object, the fetch's whole work in shell tools, for what bounds it: {@code curl | tee >(sha256sum) |
     * zstd -dc | tee <file> | sha256sum}, timed from start to exit, the stored object's hash checked; null when
     * {@code zstd} is not here.
     */
    static Map<String, Object> decoding(String url, String expectedSha256, Path file) throws IOException, InterruptedException {
        if (!Files.isExecutable(ZSTD)) {
            return null;
        }
        Path sum = file.resolveSibling(file.getFileName() + ".sha256");
        String pipe = "set -o pipefail; " + CURL + " -sS --fail \"$URL\" | tee >(sha256sum > \"$SUM\") | " + ZSTD
                + " -dc | tee \"$TEE\" | sha256sum > /dev/null";
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", pipe).redirectErrorStream(true);
        builder.environment().put("URL", url);
        builder.environment().put("TEE", file.toAbsolutePath().toString());
        builder.environment().put("SUM", sum.toAbsolutePath().toString());
        long start = System.nanoTime();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int exit = process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.deleteIfExists(file);
        // the process substitution may finish writing just after bash exits
        String stored = "";
        for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            stored = Files.exists(sum) ? Files.readString(sum).trim() : "";
            if (!stored.isEmpty()) {
                break;
            }
        }
        Files.deleteIfExists(sum);
        if (exit != 0 || !stored.startsWith(expectedSha256)) {
            throw new IllegalStateException("curl | tee >(sha256sum) | zstd -dc | tee | sha256sum exited " + exit + " with '"
                    + output + "', stored SHA-256 '" + stored + "', expected " + expectedSha256);
        }
        return Map.of("seconds", seconds);
    }

    static final Path ZSTD = Path.of("/usr/bin/zstd");

    /** {@code fetch / curl} with the target's verdict: {@code 1.13x met (target <= 1.2x)}. */
    static String verdict(double fetchSeconds, double curlSeconds) {
        double ratio = fetchSeconds / curlSeconds;
        return String.format(Locale.ROOT, "%.2fx %s", ratio, ratio <= TARGET ? "met" : "missed");
    }

    /** The fetch's target: at most this many times the seconds of {@code curl | sha256sum}. */
    static final double TARGET = 1.2;
}
