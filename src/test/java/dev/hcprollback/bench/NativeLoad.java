package dev.hcprollback.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * The native HTTP load generators from Debian's packages, installed under {@code .tools/} by
 * {@code .ci/install-test-tools wrk h2load}: {@code wrk} drives saturation (closed loop, a fixed number of
 * keep-alive connections, every answer's status and decision checked by a Lua script), {@code h2load} a
 * fixed request rate (HTTP/1.1, {@code --rps} per connection, every request's status and latency from its
 * log file). Both speak HTTP/1.1 with keep-alive over TLS. The client's CPU is the kernel's accounting of
 * its process (utime + stime, read once it has exited, as this JVM's reaped children's time).
 */
final class NativeLoad {

    /** Where the tools' binaries and the shared libraries they brought along live. */
    private static final Path TOOLS = Path.of(".tools");

    private final Path work;

    NativeLoad(Path work) {
        this.work = work;
    }

    /**
     * {@code wrk -t threads -c connections -d seconds} with a Lua script that checks every answer: HTTP 200 and a
     * body containing {@code expectedDecision} ({@code "allowed":true}); any other answer, connection error or
     * timeout counts as wrong.
     */
    LoadGenerator.Result saturate(URI uri, Path body, String expectedDecision, int connections, int threads, Duration duration)
            throws IOException, InterruptedException {
        Path script = work.resolve("check.lua");
        Files.writeString(script, CHECK_SCRIPT);
        List<String> command = List.of(binary("wrk", "wrk").toString(), "-t", Integer.toString(threads), "-c",
                Integer.toString(connections), "-d", duration.toSeconds() + "s", "--timeout", "10s", "-s",
                script.toString(), uri.toString(), "--", body.toAbsolutePath().toString(), expectedDecision);
        Path out = work.resolve("wrk.out");
        double cpu = run("wrk", command, out, duration);
        Map<String, Long> figures = new HashMap<>();
        for (String line : Files.readAllLines(out)) {
            if (line.startsWith("bench-result ")) {
                for (String pair : line.substring("bench-result ".length()).trim().split(" ")) {
                    String[] kv = pair.split("=");
                    figures.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        }
        if (figures.isEmpty()) {
            throw new IllegalStateException("wrk printed no result; its output:\n" + Files.readString(out));
        }
        long wrong = figures.get("wrong") + figures.get("bad_status") + figures.get("connect") + figures.get("read")
                + figures.get("write") + figures.get("timeout") + (figures.get("requests") - figures.get("checked"));
        long requests = figures.get("requests");
        return new LoadGenerator.Result("wrk", "saturation x" + connections, 0, requests - Math.min(requests, wrong), wrong,
                0, figures.get("duration_us") / 1e6, figures.get("p50_us") / 1000.0, figures.get("p99_us") / 1000.0,
                figures.get("p999_us") / 1000.0, figures.get("max_us") / 1000.0,
                new LoadGenerator.Cost(cpu, threads, 0, -1, ""));
    }

    /**
     * {@code h2load --h1 -c connections --rps rate/connections -D seconds}: a fixed request rate (each connection
     * sends its next request on its own schedule, latency counted from when it was sent). Every request's
     * status and time are read from h2load's log; any status other than 200 counts as wrong. h2load cannot read
     * the body: the caller checks the decisions another way (the sidecar's decision counters).
     */
    LoadGenerator.Result fixedRate(URI uri, Path body, double rate, int connections, Duration duration) throws IOException, InterruptedException {
        Path log = work.resolve("h2load.log");
        Files.deleteIfExists(log);
        List<String> command = List.of(binary("h2load", "h2load").toString(), "--h1", "-t", "1", "-c",
                Integer.toString(connections), "--rps", String.format(Locale.ROOT, "%.3f", rate / connections), "-D",
                Long.toString(duration.toSeconds()), "-d", body.toAbsolutePath().toString(), "-H",
                "Content-Type: application/json", "--log-file", log.toString(), uri.toString());
        Path out = work.resolve("h2load.out");
        double cpu = run("h2load", command, out, duration);
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        long requests = 0;
        long wrong = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (String line : Files.readAllLines(log)) {
            String[] fields = line.split("\t"); // start time (us since the epoch), status, elapsed (us)
            if (fields.length < 3) {
                continue;
            }
            long start = Long.parseLong(fields[0]);
            long elapsed = Long.parseLong(fields[2]);
            first = Math.min(first, start);
            last = Math.max(last, start + elapsed);
            requests++;
            if (!"200".equals(fields[1])) {
                wrong++;
            }
            latency.recordValue(Math.max(1, elapsed));
        }
        String output = Files.readString(out);
        long failed = number(output, "requests: ", " failed");
        if (requests == 0) {
            throw new IllegalStateException("h2load logged no request; its output:\n" + output);
        }
        long errors = wrong + failed;
        return LoadGenerator.Result.of("h2load", "fixed rate", rate, requests - Math.min(requests, errors), errors, 0,
                (last - first) / 1e6, latency).withCost(new LoadGenerator.Cost(cpu, 1, 0, -1, ""));
    }

    /** The installed binary; fails with what to run when it is missing. */
    static Path binary(String tool, String name) {
        Path binary = TOOLS.resolve(tool).resolve("usr/bin").resolve(name);
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: run .ci/install-test-tools " + tool
                    + " (the bench profile does)");
        }
        return binary;
    }

    /** Runs the client to its end, output to {@code out}; returns the CPU seconds its process used. */
    private static double run(String tool, List<String> command, Path out, Duration duration)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        List<String> libraries = new ArrayList<>();
        try (var dirs = Files.list(TOOLS.resolve(tool).resolve("usr/lib"))) {
            dirs.filter(Files::isDirectory).forEach(dir -> libraries.add(dir.toAbsolutePath().toString()));
        } catch (IOException noLibraries) {
            // the machine had every library the tool needs
        }
        if (!libraries.isEmpty()) {
            builder.environment().put("LD_LIBRARY_PATH", String.join(":", libraries));
        }
        long self = ProcessHandle.current().pid();
        double before = Machine.reapedChildrenCpuSeconds(self);
        Process process = builder.start();
        if (!process.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(tool + " did not finish; its output:\n" + Files.readString(out));
        }
        double cpu = Machine.reapedChildrenCpuSeconds(self) - before;
        if (process.exitValue() != 0) {
            throw new IllegalStateException(tool + " exited with " + process.exitValue() + "; its output:\n"
                    + Files.readString(out));
        }
        return cpu;
    }

    private static long number(String output, String before, String after) {
        int end = output.indexOf(after);
        if (end < 0) {
            return 0;
        }
        String head = output.substring(0, end);
        String[] words = head.substring(head.lastIndexOf(',') + 1).trim().split(" ");
        try {
            return Long.parseLong(words[words.length - 1]);
        } catch (NumberFormatException notANumber) {
            return 0;
        }
    }

    /**
     * wrk's Lua script: POSTs the body file (first argument) and checks every answer for HTTP 200 and the expected
     * decision (second argument); done() sums the threads' counts and prints one line for the benchmark to parse.
     */
    private static final String CHECK_SCRIPT = """
            local threads = {}

            function setup(thread)
              table.insert(threads, thread)
            end

            function init(args)
              local file = assert(io.open(args[1], "rb"))
              wrk.method = "POST"
              wrk.body = file:read("*a")
              wrk.headers["Content-Type"] = "application/json"
              file:close()
              expected = args[2]
              checked, wrong, bad_status = 0, 0, 0
            end

            function response(status, headers, body)
              checked = checked + 1
              if status ~= 200 then
                bad_status = bad_status + 1
              elseif not string.find(body, expected, 1, true) then
                wrong = wrong + 1
              end
            end

            function done(summary, latency, requests)
              local checked, wrong, bad_status = 0, 0, 0
              for _, thread in ipairs(threads) do
                checked = checked + thread:get("checked")
                wrong = wrong + thread:get("wrong")
                bad_status = bad_status + thread:get("bad_status")
              end
              local e = summary.errors
              io.write(string.format("bench-result requests=%d duration_us=%d checked=%d wrong=%d bad_status=%d"
                .. " connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d\\n",
                summary.requests, summary.duration, checked, wrong, bad_status, e.connect, e.read, e.write, e.timeout,
                latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
            end
            """;
}
