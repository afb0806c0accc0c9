package dev.hcprollback.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.config.CancelAfter;
import dev.hcprollback.testing.ListeningSockets;
import dev.hcprollback.testing.Ports;
import dev.hcprollback.testing.SidecarProcess;
import dev.hcprollback.testing.SimulatedManagementCluster;

/**
 * The packaged sidecar ({@code java -jar target/quarkus-app/quarkus-run.jar}) as someone trying it first
 * runs it: without what it needs, and then against a (simulated) management cluster.
 */
class SidecarStartIT {

    @TempDir
    Path dir;

    @Test
    void withoutCertificateOrClusterItSaysSoInOneLineEachAndExits() throws Exception {
        List<String> lines = startWithNothing(Map.of());
        assertEquals(4, lines.size(), "a heading and one line per missing prerequisite:\n" + String.join("\n", lines));
        assertEquals("hcp-rollback cannot start:", lines.get(0));
        assertTrue(lines.get(1).startsWith("  certificate: cannot read " + dir.resolve("tls.crt")), lines.get(1));
        assertTrue(lines.get(2).startsWith("  cluster connection: no Kubernetes API at https://kubernetes.default.svc/ "
                + "(no kubeconfig and not in a pod): unknown host kubernetes.default.svc"), lines.get(2));
        assertTrue(lines.get(3).startsWith("  storage: no S3 bucket: set hcp-rollback.storage.s3.bucket"), lines.get(3));
    }

    /** An Azure credential spelled otherwise than documented is refused by name, not replaced by the shared key. */
    @Test
    void anAzureCredentialSetWrongIsRefusedWithTheAcceptedValues() throws Exception {
        List<String> lines = startWithNothing(Map.of("HCP_ROLLBACK_STORAGE_BACKEND", "azure",
                "HCP_ROLLBACK_AZURE_CREDENTIAL", "workload_identity", "HCP_ROLLBACK_AZURE_ACCOUNT_NAME", "acct",
                "HCP_ROLLBACK_AZURE_ACCOUNT_KEY", "a2V5"));
        assertEquals("  storage: hcp-rollback.storage.azure.credential=workload_identity (HCP_ROLLBACK_AZURE_CREDENTIAL) "
                + "is not one of shared-key, workload-identity, managed-identity", lines.get(3), String.join("\n", lines));
    }

    /** With JSON logs on, as for log aggregation, the same findings are one JSON object each (before, plain text). */
    @Test
    void withJsonLogsTheReasonsItCannotStartAreJsonLines() throws Exception {
        List<String> lines = startWithNothing(Map.of("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"));
        List<JsonNode> json = jsonLines(lines);
        assertEquals(3, json.size(), "one JSON line per missing prerequisite:\n" + String.join("\n", lines));
        assertEquals(List.of("ERROR", "ERROR", "WARN"), json.stream().map(line -> line.path("level").asText()).toList());
        assertTrue(json.get(0).path("message").asText().startsWith("hcp-rollback cannot start: certificate: cannot read "
                + dir.resolve("tls.crt")), json.get(0).toString());
        assertTrue(json.get(1).path("message").asText().startsWith("hcp-rollback cannot start: cluster connection: "),
                json.get(1).toString());
        assertTrue(json.stream().allMatch(line -> line.hasNonNull("timestamp")
                && "dev.hcprollback.Main".equals(line.path("loggerName").asText())), lines.toString());
    }

    /**
     * Runs the sidecar as on a machine with no kubeconfig, outside any pod, no storage settings and no certificate,
     * with {@code environment} added; returns its output once it exited with status 2.
     */
    private List<String> startWithNothing(Map<String, String> environment) throws Exception {
        ProcessBuilder sidecar = SidecarProcess.command(Map.of(
                "hcp-rollback.tls.cert-file", dir.resolve("tls.crt").toString(),
                "hcp-rollback.tls.key-file", dir.resolve("tls.key").toString()));
        sidecar.environment().clear();
        sidecar.environment().put("PATH", System.getenv("PATH"));
        sidecar.environment().put("HOME", dir.toString());
        sidecar.environment().putAll(environment);
        Path output = dir.resolve("output.txt");
        Process process = sidecar.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the sidecar exits");
        List<String> lines = Files.readAllLines(output);
        assertEquals(2, process.exitValue(), String.join("\n", lines));
        return lines;
    }

    @Test
    void withAClusterAndCertificateButNoStorageItRunsWarnsOnceAndListensOnLoopbackOnly() throws Exception {
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(dir)) {
            // JSON logs on, as for log aggregation
            SidecarProcess sidecar = management.startSidecar(Map.of("quarkus.log.console.json.enabled", "true"));

            List<ListeningSockets.Listener> listeners = ListeningSockets.of(sidecar.pid());
            List<Integer> ports = listeners.stream().map(ListeningSockets.Listener::port).toList();
            assertTrue(ports.containsAll(List.of(sidecar.httpsPort, sidecar.managementPort)),
                    "the webhook's and the management port are among " + listeners);
            assertEquals(List.of(), listeners.stream().filter(l -> !l.loopback()).toList(),
                    "sockets listening beyond loopback, of " + listeners);

            List<JsonNode> log = jsonLines(sidecar.log());
            List<JsonNode> storage = log.stream().filter(line -> line.path("message").asText().startsWith("storage: no S3 bucket")).toList();
            assertEquals(1, storage.size(), "one warning about the missing store: " + log);
            assertEquals("WARN", storage.get(0).path("level").asText());
            assertFalse(log.stream().anyMatch(line -> line.has("exception")), "no stack trace: " + log);
        }
    }

    /**
     * A sidecar whose port another process holds exits, and its log ends with why (asynchronous as the console is in
     * the prod profile): what an operator reads, and what the tests' {@link Ports} recognise to start it elsewhere.
     */
    @Test
    void aPortHeldByAnotherProcessEndsTheStartWithTheReasonAsTheLogsLastLine() throws Exception {
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(dir);
                ServerSocket held = new ServerSocket(0, 1, Ports.LOOPBACK)) {
            Path log = dir.resolve("held").resolve("sidecar.log");
            Files.createDirectories(log.getParent());
            Ports.AddressInUse inUse = assertThrows(Ports.AddressInUse.class, () -> SidecarProcess.startOn(log.getParent(),
                    management.sidecarConfig(Map.of()), held.getLocalPort(), Ports.pick(1)[0]));
            assertTrue(inUse.getMessage().startsWith("the packaged sidecar could not bind (log: " + log + "): "),
                    inUse.getMessage());
            List<String> lines = Files.readAllLines(log);
            String last = lines.get(lines.size() - 1);
            assertTrue(last.contains("ERROR [d.h.Main] hcp-rollback stopped: ") && last.contains("Port already bound: "
                    + held.getLocalPort() + ": Address already in use"),
                    "the log ends with the reason:\n" + String.join("\n", lines));
        }
    }

    /**
     * With a cluster and a certificate in place, a cancel-after without a unit, or below its 2h bound, stops the start
     * (status 2) with one line that names the setting and what it takes, and no stack trace.
     */
    @Test
    void aCancelAfterWithoutAUnitOrBelowItsBoundStopsTheStartWithOneLineNamingIt() throws Exception {
        try (SimulatedManagementCluster management = SimulatedManagementCluster.start(dir)) {
            for (String value : List.of("90", "1h")) {
                Map<String, String> config = new java.util.HashMap<>(management.sidecarConfig(Map.of(CancelAfter.PROPERTY,
                        value)));
                // were it to start after all: nothing beyond loopback, ports the system picks
                config.putAll(Map.of("quarkus.http.host", SidecarProcess.LOOPBACK, "quarkus.http.ssl-port", "0",
                        "quarkus.http.port", "0", "quarkus.management.host", SidecarProcess.LOOPBACK,
                        "quarkus.management.port", "0"));
                Path output = dir.resolve("cancel-after-" + value + ".txt");
                Process process = SidecarProcess.command(config).redirectErrorStream(true).redirectOutput(output.toFile())
                        .start();
                boolean exited = process.waitFor(120, TimeUnit.SECONDS);
                if (!exited) {
                    process.destroyForcibly().waitFor();
                }
                List<String> lines = Files.readAllLines(output);
                assertTrue(exited, "the sidecar exits with cancel-after " + value + ":\n" + String.join("\n", lines));
                assertEquals(2, process.exitValue(), String.join("\n", lines));
                List<String> naming = lines.stream().filter(line -> line.contains(CancelAfter.PROPERTY)).toList();
                assertEquals(List.of("  configuration: " + CancelAfter.PROPERTY + " '" + value + "' "
                        + ("90".equals(value) ? "has no unit" : "is outside 2h to 7d")
                        + ": it takes a duration from 2h to 7d written as 6h, 90m, 2d or PT6H"), naming, String.join("\n", lines));
                assertFalse(lines.stream().anyMatch(line -> line.startsWith("\tat ")), "no stack trace:\n"
                        + String.join("\n", lines));
            }
        }
    }

    /** The log's lines as JSON objects; fails on a line that is not one. */
    private static List<JsonNode> jsonLines(Path log) throws Exception {
        return jsonLines(Files.readAllLines(log));
    }

    private static List<JsonNode> jsonLines(List<String> text) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : text) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        return lines;
    }
}
