package dev.hcprollback.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a run ran on, and what a process used, read from /proc (Linux). */
final class Machine {

    private Machine() {
    }

    /** The machine in a few lines of Markdown, including its load when the run started. */
    static String describe() {
        Map<String, Object> facts = facts();
        StringBuilder out = new StringBuilder();
        facts.forEach((key, value) -> out.append("- ").append(key).append(": ").append(value).append('\n'));
        return out.toString();
    }

    static Map<String, Object> facts() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("run", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        facts.put("cores", Runtime.getRuntime().availableProcessors());
        facts.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        facts.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
        try {
            var store = Files.getFileStore(Path.of("target").toAbsolutePath());
            facts.put("disk (target/)", store.name() + " " + store.type() + ", "
                    + store.getUsableSpace() / (1L << 30) + " GiB free");
        } catch (IOException e) {
            facts.put("disk (target/)", "unknown: " + e.getMessage());
        }
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        facts.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        facts.put("load average at start (1, 5, 15 min)", read(Path.of("/proc/loadavg")).trim());
        return facts;
    }

    /** The load average (1, 5, 15 minutes) now, from /proc/loadavg. */
    static String loadAverage() {
        String[] fields = read(Path.of("/proc/loadavg")).trim().split(" ");
        return fields.length < 3 ? "" : fields[0] + " " + fields[1] + " " + fields[2];
    }

    /** A process's resident and peak resident memory, from /proc/<pid>/status. */
    record Memory(long rssKib, long hwmKib) {
        String describe() {
            return String.format(Locale.ROOT, "VmRSS %.0f MiB, VmHWM %.0f MiB", rssKib / 1024.0, hwmKib / 1024.0);
        }
    }

    static Memory memory(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        return new Memory(kib(status, "VmRSS"), kib(status, "VmHWM"));
    }

    /** CPU seconds (user + system) a process used so far, from /proc/<pid>/stat. */
    static double cpuSeconds(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    /**
     * CPU seconds the whole machine spent busy so far (every core's user, nice, system, irq, softirq and steal time
     * from the first line of /proc/stat): with the CPU of the processes a run knows, what everything else on the
     * machine took.
     */
    static double machineBusyCpuSeconds() {
        String first = read(Path.of("/proc/stat")).lines().findFirst().orElse("");
        String[] fields = first.trim().split("\\s+");
        if (fields.length < 9 || !fields[0].equals("cpu")) {
            return Double.NaN;
        }
        long ticks = 0;
        for (int field : new int[] {1, 2, 3, 6, 7, 8}) {
            ticks += Long.parseLong(fields[field]);
        }
        return ticks / 100.0;
    }

    /** CPU seconds of a process's children that exited and were waited for (cutime + cstime). */
    static double reapedChildrenCpuSeconds(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / 100.0;
    }

    private static long kib(Path status, String key) {
        String value = firstValue(status, key);
        return value.isEmpty() ? -1 : Long.parseLong(value.replace("kB", "").trim());
    }

    private static String firstValue(Path file, String key) {
        for (String line : List.of(read(file).split("\n"))) {
            if (line.startsWith(key)) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
