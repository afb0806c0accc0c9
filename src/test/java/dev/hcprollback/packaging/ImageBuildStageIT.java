package dev.hcprollback.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's build stage, run as the Dockerfile runs it (this machine has no container engine):
 * the build stage's {@code COPY} sources, and only those (less what {@code .dockerignore} drops),
 * go into an empty directory at the stage's {@code WORKDIR}; its {@code RUN} command runs there;
 * then every path the runtime stage copies {@code --from=build} must exist. The differences from a
 * container build: Maven runs offline ({@code MAVEN_ARGS=-o}) against the local repository, which
 * plays the part of the build's cache mount, and with the quick JIT tier ({@code MAVEN_OPTS}). The Dockerfile is parsed, so the test follows it.
 */
class ImageBuildStageIT {

    private static final Path DOCKERFILE = Path.of("Dockerfile");
    private static final Path DOCKERIGNORE = Path.of(".dockerignore");
    /** A hang guard, not a measurement: a Maven build on a loaded 2-core machine can take several times its usual time. */
    private static final long TIMEOUT_MINUTES = 30;

    /** One instruction of a stage, continuation lines joined. */
    record Instruction(String keyword, String arguments) {
    }

    /** A {@code FROM ... AS name} stage and its instructions. */
    record Stage(String name, List<Instruction> instructions) {

        List<String> arguments(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
        }
    }

    @TempDir
    Path root;

    @Test
    void theBuildStageBuildsFromExactlyWhatItCopiesAndYieldsWhatTheRuntimeStageCopies() throws Exception {
        List<Stage> stages = stages(Files.readAllLines(DOCKERFILE));
        Stage build = stages.stream().filter(s -> "build".equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError(DOCKERFILE + " has no stage named build"));
        Stage runtime = stages.get(stages.size() - 1);
        Path workdir = inRoot(build.arguments("WORKDIR").get(build.arguments("WORKDIR").size() - 1));
        Files.createDirectories(workdir);

        for (String copy : build.arguments("COPY")) {
            List<String> words = words(copy).stream().filter(w -> !w.startsWith("--")).toList();
            Path destination = workdir.resolve(words.get(words.size() - 1));
            for (String source : words.subList(0, words.size() - 1)) {
                copyFromContext(Path.of(source), destination, words.size() > 2 || words.get(words.size() - 1).endsWith("/"));
            }
        }
        assertFalse(Files.exists(workdir.resolve("manifests")) || Files.exists(workdir.resolve(".ci")),
                "the build stage should not copy manifests/ or .ci/: packaging needs neither");

        List<String> runs = build.arguments("RUN");
        assertEquals(1, runs.size(), "expected one RUN in the build stage: " + runs);
        String command = String.join(" ", words(runs.get(0)).stream().filter(w -> !w.startsWith("--mount=")).toList());
        Path log = root.resolve("build.log");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command).directory(workdir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("MAVEN_ARGS", "-o");
        // a short-lived Maven: the quick JIT tier is enough, and the test's share of a 2-core CI machine smaller
        builder.environment().put("MAVEN_OPTS", "-XX:TieredStopAtLevel=1");
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES), "the build stage's command did not finish in "
                    + TIMEOUT_MINUTES + " min: " + command);
        } finally {
            process.destroyForcibly();
        }
        assertEquals(0, process.exitValue(), "the build stage's command failed: " + command + "\n" + tail(log));

        List<String> missing = new ArrayList<>();
        for (String copy : runtime.arguments("COPY")) {
            List<String> words = words(copy);
            if (!words.contains("--from=build")) {
                continue;
            }
            List<String> paths = words.stream().filter(w -> !w.startsWith("--")).toList();
            for (String source : paths.subList(0, paths.size() - 1)) {
                if (matches(source).isEmpty()) {
                    missing.add(source);
                }
            }
        }
        assertEquals(List.of(), missing, "the runtime stage copies what the build stage did not produce\n" + tail(log));

        Path lib = workdir.resolve("target/quarkus-app/lib/main");
        try (Stream<Path> jars = Files.list(lib)) {
            List<String> testOnly = jars.map(j -> j.getFileName().toString())
                    .filter(PackagedApplicationIT::isTestOnly).toList();
            assertEquals(List.of(), testOnly, "the image would ship test libraries");
        }
        assertEquals(java.util.Map.of(), PackagedApplicationIT.oneArchitectureOnly(lib.getParent()),
                "the image would ship native libraries for one architecture only");

        // the stage Jobs' fetch container runs this image's main class with the class path of /deployments
        String classPath = dev.hcprollback.rollback.restore.RestoreScript.FETCH_CLASS_PATH.replace("/deployments/",
                workdir.resolve("target/quarkus-app") + "/");
        Process fetch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
                dev.hcprollback.rollback.restore.RestoreScript.FETCH_CLASS).redirectErrorStream(true).start();
        String fetchOutput = new String(fetch.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(dev.hcprollback.rollback.restore.RestoreScript.EXIT_CANNOT_WRITE, fetch.waitFor(), fetchOutput);
        assertTrue(fetchOutput.startsWith("usage: FetchSnapshot"), "the fetch class is in the image's layout: " + fetchOutput);
        // and the preflight's measure Jobs run this one
        Process measure = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
                dev.hcprollback.rollback.restore.RestoreJobs.MEASURE_CLASS).redirectErrorStream(true).start();
        String measureOutput = new String(measure.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(2, measure.waitFor(), measureOutput);
        assertTrue(measureOutput.startsWith("usage: VolumeSpace"), "the measure class is in the image's layout: " + measureOutput);
    }

    /** The stages of a Dockerfile, continuation lines joined and comments dropped. */
    static List<Stage> stages(List<String> lines) {
        List<Stage> stages = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : lines) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            String instruction = pending.append(trimmed).toString().trim();
            pending.setLength(0);
            if (instruction.isEmpty()) {
                continue;
            }
            String[] split = instruction.split("\\s+", 2);
            String keyword = split[0].toUpperCase();
            String arguments = split.length > 1 ? split[1] : "";
            if (keyword.equals("FROM")) {
                List<String> words = words(arguments);
                int as = words.stream().map(String::toUpperCase).toList().indexOf("AS");
                stages.add(new Stage(as >= 0 ? words.get(as + 1) : null, new ArrayList<>()));
            } else if (!stages.isEmpty()) {
                stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, arguments));
            }
        }
        return stages;
    }

    private static List<String> words(String arguments) {
        return List.of(arguments.trim().split("\\s+"));
    }

    /** An absolute path of the image as a path under the test's root directory. */
    private Path inRoot(String imagePath) {
        return root.resolve(imagePath.replaceFirst("^/+", ""));
    }

    /** The existing files an absolute image path (with globs in its last element) names. */
    private List<Path> matches(String imagePath) throws IOException {
        Path path = inRoot(imagePath);
        String last = path.getFileName().toString();
        if (!last.contains("*") && !last.contains("?")) {
            return Files.exists(path) ? List.of(path) : List.of();
        }
        if (!Files.isDirectory(path.getParent())) {
            return List.of();
        }
        PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + last);
        try (Stream<Path> files = Files.list(path.getParent())) {
            return files.filter(f -> glob.matches(f.getFileName())).toList();
        }
    }

    /** Docker's COPY: a directory's contents into the destination, a file into it (or as it). */
    private void copyFromContext(Path source, Path destination, boolean destinationIsDirectory) throws IOException {
        assertTrue(Files.exists(source), DOCKERFILE + " copies " + source + ", which the build context lacks");
        List<PathMatcher> ignored = ignored();
        if (Files.isDirectory(source)) {
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path file : walk.filter(Files::isRegularFile).toList()) {
                    Path relative = source.relativize(file);
                    if (ignored.stream().noneMatch(m -> isIgnored(m, file))) {
                        copy(file, destination.resolve(relative.toString()));
                    }
                }
            }
        } else {
            copy(source, destinationIsDirectory ? destination.resolve(source.getFileName().toString()) : destination);
        }
    }

    private static boolean isIgnored(PathMatcher matcher, Path file) {
        for (Path element : file) {
            if (matcher.matches(element)) {
                return true;
            }
        }
        return false;
    }

    private static List<PathMatcher> ignored() throws IOException {
        List<PathMatcher> matchers = new ArrayList<>();
        for (String line : Files.readAllLines(DOCKERIGNORE)) {
            String pattern = line.trim().replaceAll("/+$", "");
            if (!pattern.isEmpty() && !pattern.startsWith("#")) {
                matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
            }
        }
        return matchers;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
