package dev.hcprollback.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.Step;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.rollback.RollbackMetrics;
import dev.hcprollback.rollback.steps.RollbackSettings;
import dev.hcprollback.snapshot.SnapshotMetrics;
import dev.hcprollback.testing.TestTools;
import dev.hcprollback.update.UpdateMetrics;
import dev.hcprollback.webhook.AdmissionMetrics;
import dev.hcprollback.webhook.rules.Rule;
import dev.hcprollback.webhook.rules.Verdict;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/**
 * The alerts of manifests/base/prometheusrule.yaml, checked with Prometheus' own promtool (installed by
 * .ci/install-test-tools): the rules load, every alert behaves as its unit tests in
 * src/test/resources/alerts/ say (one case that fires, one that does not), carries what an SRE paged at
 * night needs, points at a section of docs/runbook.md that exists, and reads only metrics the sidecar
 * exports.
 */
class AlertRulesTest {

    static final Path RULES = Manifests.BASE.resolve("prometheusrule.yaml");
    static final Path UNIT_TESTS = Path.of("src/test/resources/alerts");
    static final Path RUNBOOK = Path.of("docs/runbook.md");
    /** The file name the unit tests' {@code rule_files} give the rules. */
    static final String RULE_FILE_NAME = "hcp-rollback.rules.yaml";
    static final String RUNBOOK_URL = "https://github.com/hcp-rollback/hcp-rollback/blob/main/docs/runbook.md#";

    /** Not the sidecar's: Prometheus' scrape health, and the API server's view of calling the webhooks. */
    static final Set<String> OTHER_COMPONENTS_METRICS = Set.of("up", "apiserver_admission_webhook_rejection_count");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void promtoolAcceptsTheRules(@TempDir Path dir) throws Exception {
        Path rules = writeRuleFile(dir);
        Result result = promtool(dir, "check", "rules", rules.toString());
        assertEquals(0, result.exit(), "promtool check rules " + RULES + ":\n" + result.output());
        assertTrue(result.output().contains("SUCCESS: " + alerts().size() + " rules found"), result.output());
    }

    @Test
    void everyAlertFiresAndStaysQuietAsItsUnitTestsSay(@TempDir Path dir) throws Exception {
        writeRuleFile(dir);
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        for (Path test : unitTestFiles()) {
            Files.copy(test, dir.resolve(test.getFileName()));
            args.add(test.getFileName().toString());
        }
        Result result = promtool(dir, args.toArray(String[]::new));
        assertEquals(0, result.exit(), "promtool test rules " + UNIT_TESTS + "/*.test.yaml:\n" + result.output());
    }

    /** The harness can fail: a unit test that expects another severity than the rule gives is reported. */
    @Test
    void promtoolReportsAnAlertThatIsNotWhatItsTestExpects(@TempDir Path dir) throws Exception {
        writeRuleFile(dir);
        String test = Files.readString(UNIT_TESTS.resolve("rollbacks.test.yaml"));
        assertTrue(test.contains("severity: critical"));
        Files.writeString(dir.resolve("wrong.test.yaml"), test.replace("severity: critical", "severity: info"));
        Result result = promtool(dir, "test", "rules", "wrong.test.yaml");
        assertNotEquals(0, result.exit(), result.output());
        assertTrue(result.output().contains("HcpRollbackRollbackFailed"), result.output());
    }

    @Test
    void everyGroupHasAUnitTestFileWithACaseThatFiresAndOneThatDoesNotForEachAlert() throws IOException {
        List<String> missing = new ArrayList<>();
        for (JsonNode group : groups()) {
            String groupName = group.path("name").asText();
            Path file = UNIT_TESTS.resolve(groupName.substring(groupName.indexOf('.') + 1) + ".test.yaml");
            if (!Files.exists(file)) {
                missing.add(groupName + ": no " + file);
                continue;
            }
            JsonNode tests = YAML.readTree(file.toFile());
            assertEquals(List.of(RULE_FILE_NAME), texts(tests.path("rule_files")), file + " rule_files");
            for (JsonNode rule : group.path("rules")) {
                String alert = rule.path("alert").asText();
                boolean fires = false;
                boolean quiet = false;
                for (JsonNode check : tests.path("tests").findValues("alert_rule_test")) {
                    for (JsonNode each : check) {
                        if (alert.equals(each.path("alertname").asText())) {
                            boolean expectsAlerts = each.path("exp_alerts").size() > 0;
                            fires |= expectsAlerts;
                            quiet |= !expectsAlerts;
                        }
                    }
                }
                if (!fires || !quiet) {
                    missing.add(alert + " in " + file + (fires ? "" : ": no case where it fires")
                            + (quiet ? "" : ": no case where it does not"));
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyAlertHasASeverityASummaryADescriptionAndARunbook() throws IOException {
        for (JsonNode rule : alerts()) {
            String alert = rule.path("alert").asText();
            assertTrue(Set.of("critical", "warning").contains(rule.at("/labels/severity").asText()), alert + " severity");
            for (String annotation : List.of("summary", "description", "runbook_url")) {
                assertFalse(rule.at("/annotations/" + annotation).asText().isBlank(), alert + " needs the annotation " + annotation);
            }
        }
    }

    /**
     * What routing and OpenShift's monitoring need of every alert: {@code namespace} (the sidecar's, where the rule
     * lives: Alertmanager routes and user workload monitoring key on it), a {@code for} (no page on one evaluation),
     * and a severity.
     */
    @Test
    void everyAlertHasTheSidecarsNamespaceAForAndASeverity() throws IOException {
        String namespace = Manifests.readOne(RULES).at("/metadata/namespace").asText();
        List<String> wrong = new ArrayList<>();
        for (JsonNode rule : alerts()) {
            String alert = rule.path("alert").asText() + " (" + rule.at("/labels/severity").asText() + ")";
            if (!namespace.equals(rule.at("/labels/namespace").asText())) {
                wrong.add(alert + ": labels.namespace is '" + rule.at("/labels/namespace").asText() + "', not " + namespace);
            }
            if (!rule.path("for").asText().matches("[1-9][0-9]*[smh]")) {
                wrong.add(alert + ": no for");
            }
            if (!Set.of("critical", "warning").contains(rule.at("/labels/severity").asText())) {
                wrong.add(alert + ": severity");
            }
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * A HostedCluster is named by {@code hosted_cluster_namespace} and {@code hosted_cluster} on every series the
     * sidecar exports, never by {@code namespace} or {@code cluster} (which Prometheus, user workload monitoring or a
     * federation set to their own values), and the rules neither group by nor print a bare one as the cluster's.
     */
    @Test
    void noSeriesOrRuleNamesAHostedClusterByABareNamespaceOrClusterLabel() throws IOException {
        String scrape = ExportedMetrics.scrape();
        assertTrue(scrape.contains("hosted_cluster=\"payments\",hosted_cluster_namespace=\"clusters\""),
                "the scrape names the cluster: " + scrape);
        List<String> bare = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#") && line.matches("[a-z_:]+\\{.*\\b(namespace|cluster)=\".*")) {
                bare.add(line);
            }
        }
        assertEquals(List.of(), bare, "series with a bare namespace or cluster label");
        Pattern grouping = Pattern.compile("\\b(by|on|without|ignoring)\\s*\\(([^)]*)\\)");
        for (JsonNode rule : alerts()) {
            String alert = rule.path("alert").asText();
            Matcher groups = grouping.matcher(rule.path("expr").asText());
            while (groups.find()) {
                for (String label : groups.group(2).split(",")) {
                    assertFalse(Set.of("namespace", "cluster").contains(label.trim()), alert + " groups by " + groups.group());
                }
            }
            rule.path("annotations").forEach(text -> assertFalse(text.asText().matches("(?s).*\\$labels\\.(namespace|cluster)\\b.*"),
                    alert + " prints a bare label: " + text.asText()));
        }
    }

    @Test
    void everyRunbookUrlPointsAtASectionOfTheRunbook() throws IOException {
        Set<String> anchors = headingAnchors(Files.readString(RUNBOOK));
        List<String> dangling = new ArrayList<>();
        Map<String, String> used = new LinkedHashMap<>();
        for (JsonNode rule : alerts()) {
            String url = rule.at("/annotations/runbook_url").asText();
            String alert = rule.path("alert").asText();
            assertTrue(url.startsWith(RUNBOOK_URL), alert + ": " + url + " should start with " + RUNBOOK_URL);
            String anchor = url.substring(RUNBOOK_URL.length());
            // one alert may have a rule per severity, sharing its section
            String before = used.putIfAbsent(anchor, alert);
            assertTrue(before == null || before.equals(alert), "each alert has its own section; " + anchor + " is used by "
                    + before + " and " + alert);
            if (!anchors.contains(anchor)) {
                dangling.add(alert + " -> #" + anchor);
            }
        }
        assertEquals(List.of(), dangling, "runbook_url anchors with no heading in " + RUNBOOK + " (its headings: " + anchors + ")");
    }

    @Test
    void theRulesReadOnlyMetricsTheSidecarExports() throws IOException {
        Set<String> exported = ExportedMetrics.names();
        Set<String> read = new TreeSet<>();
        for (JsonNode rule : alerts()) {
            read.addAll(metricNames(rule.path("expr").asText()));
        }
        assertTrue(read.contains("hcp_rollback_rollback_failed"), "the extraction finds the metrics: " + read);
        Set<String> unknown = read.stream()
                .filter(name -> !exported.contains(name) && !OTHER_COMPONENTS_METRICS.contains(name))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), unknown, "the rules read metrics nobody exports; the sidecar exports " + exported);
    }

    @Test
    void theMetricNamesOfAnExpressionAreFoundAndNothingElse() {
        assertEquals(Set.of("a_total", "b_seconds", "up"), metricNames(
                "sum by (namespace, cluster) (rate(a_total{x=~`.+\\.io`,y=\"by (z)\"}[5m])) > on () group_left () "
                        + "max without (pod) (b_seconds) and absent(up == 1) or vector(0) unless time() - 3"));
    }

    // ---------------------------------------------------------------- the pieces

    private static JsonNode groups() throws IOException {
        return Manifests.readOne(RULES).at("/spec/groups");
    }

    private static List<JsonNode> alerts() throws IOException {
        List<JsonNode> alerts = new ArrayList<>();
        for (JsonNode group : groups()) {
            group.path("rules").forEach(alerts::add);
        }
        assertFalse(alerts.isEmpty());
        return alerts;
    }

    private static Path writeRuleFile(Path dir) throws IOException {
        Path file = dir.resolve(RULE_FILE_NAME);
        YAML.writeValue(file.toFile(), Manifests.readOne(RULES).get("spec"));
        return file;
    }

    private static List<Path> unitTestFiles() throws IOException {
        try (Stream<Path> files = Files.list(UNIT_TESTS)) {
            List<Path> tests = files.filter(f -> f.getFileName().toString().endsWith(".test.yaml")).sorted().toList();
            assertFalse(tests.isEmpty(), "no unit tests in " + UNIT_TESTS);
            return tests;
        }
    }

    record Result(int exit, String output) {
    }

    /** Runs promtool in {@code dir}; its output (stdout and stderr) goes to a file there. */
    private static Result promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(TestTools.promtool().toString());
        command.addAll(List.of(args));
        Path output = dir.resolve("promtool.out");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("promtool " + String.join(" ", args) + " did not end within 2 minutes");
            }
        } finally {
            TestTools.stop(process);
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    /** GitHub's anchors of the Markdown headings: lower case, punctuation dropped, spaces to hyphens. */
    static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        boolean fenced = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced && line.matches("#{1,6} .*")) {
                anchors.add(line.replaceFirst("^#+ ", "").trim().toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    /** Operators, modifiers and the aggregations (which may take their grouping before the parenthesis). */
    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile");

    /** The metric names a PromQL expression reads: identifiers outside strings, label matchers, ranges, grouping and calls. */
    static Set<String> metricNames(String expr) {
        String bare = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"").replaceAll("`[^`]*`", "``")
                .replaceAll("\\{[^}]*}", "").replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1");
        Set<String> names = new TreeSet<>();
        Matcher matcher = IDENTIFIER.matcher(bare);
        while (matcher.find()) {
            String name = matcher.group();
            boolean call = bare.substring(matcher.end()).stripLeading().startsWith("(");
            if (!call && !PROMQL_WORDS.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * What the sidecar's metric classes export, in Prometheus' naming: each is driven through the events
     * that create its series, and the scrape is read back.
     */
    static final class ExportedMetrics {
        static Set<String> names() {
            Map<String, Boolean> names = new LinkedHashMap<>();
            for (String line : scrape().split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    names.put(line.split("[{ ]", 2)[0], true);
                }
            }
            return new TreeSet<>(names.keySet());
        }

        /** The scrape of a registry the metric classes have filled, for a cluster clusters/payments. */
        static String scrape() {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try {
                SnapshotMetrics snapshots = new SnapshotMetrics(registry);
                snapshots.allowedAge(Duration.ofHours(6));
                snapshots.newestVerified("clusters", "payments", Instant.now());

                RollbackMetrics rollbacks = new RollbackMetrics(registry);
                rollbacks.observe(rollbackRunning(Step.Pause), RollbackSettings.defaults());
                rollbacks.step(Step.Pause, "Succeeded", Duration.ofSeconds(1));
                rollbacks.finished("Failed", dev.hcprollback.api.RollbackStrategy.RestoreEtcd, Duration.ofMinutes(1));

                AdmissionMetrics admission = new AdmissionMetrics(registry);
                admission.judged("hostedclusters", () -> Verdict.allow(Rule.NOT_AN_UPDATE, "test"));
                admission.recordMalformed("hostedclusters");

                UpdateMetrics updates = new UpdateMetrics(registry, java.time.Clock.systemUTC());
                updates.publish("clusters", "payments", UpdateHealth.Unhealthy, true, Instant.now().plusSeconds(3600), true);
                updates.autoRollbackFiled();

                new dev.hcprollback.update.QuarantineMetrics(registry).publish(dev.hcprollback.update.QuarantineMetricsTest.quarantined("payments"));

                return registry.scrape();
            } finally {
                registry.close();
            }
        }

        private static ControlPlaneRollback rollbackRunning(Step step) {
            ControlPlaneRollback rollback = new ControlPlaneRollback();
            rollback.setMetadata(new ObjectMetaBuilder().withNamespace("clusters").withName("payments-to-4-18-5")
                    .withCreationTimestamp(Timestamps.format(Instant.now())).build());
            ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
            spec.setHostedClusterName("payments");
            rollback.setSpec(spec);
            ControlPlaneRollbackStatus status = new ControlPlaneRollbackStatus();
            status.setPhase(RollbackPhase.Running);
            RollbackStep running = new RollbackStep();
            running.setName(step.name());
            running.setPhase(RollbackPhase.Running);
            running.setStartTime(Timestamps.format(Instant.now()));
            status.getSteps().add(running);
            rollback.setStatus(status);
            return rollback;
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }
}
