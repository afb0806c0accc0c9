package dev.hcprollback.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a sidecar's webhooks decided, read from its {@code /metrics} ({@code hcp_rollback_admission_decisions_total}
 * by resource, operation, decision and rule, and the error and malformed counters). The API server tells a client
 * only the refusals; the counters also tell whether an admitted request was judged at all, and by which rule, or
 * was let through by a matchCondition without a call. A counter is incremented before the answer is sent, so a
 * request's decisions are counted by the time the API server answers it.
 */
public final class AdmissionDecisions {

    /** One decision: {@code hostedclusters UPDATE allowed no-release-change}. */
    public record Decision(String resource, String operation, String decision, String rule) {
        @Override
        public String toString() {
            return resource + " " + operation + " " + decision + " " + rule;
        }
    }

    /** What a request got from the API server, with the decisions and failures the sidecar counted meanwhile. */
    public record Judged<T>(T answer, List<Decision> decisions, List<String> failures) {
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "^(hcp_rollback_admission_(?:decisions|errors|malformed)_total)\\{([^}]*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final SidecarProcess sidecar;

    public AdmissionDecisions(SidecarProcess sidecar) {
        this.sidecar = sidecar;
    }

    /** Runs {@code request} and reports what the sidecar decided while it ran. Not for requests sent concurrently. */
    public <T> Judged<T> during(Supplier<T> request) {
        Map<String, Double> before = counters();
        T answer = request.get();
        Map<String, Double> after = counters();
        List<Decision> decisions = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        after.forEach((sample, count) -> {
            double added = count - before.getOrDefault(sample, 0.0);
            for (int i = 0; i < added; i++) {
                if (sample.startsWith("hcp_rollback_admission_decisions_total")) {
                    Map<String, String> labels = labels(sample);
                    decisions.add(new Decision(labels.get("resource"), labels.get("operation"), labels.get("decision"),
                            labels.get("rule")));
                } else {
                    failures.add(sample);
                }
            }
        });
        return new Judged<>(answer, decisions, failures);
    }

    private Map<String, Double> counters() {
        String text;
        try {
            text = sidecar.readManagement("/metrics", Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + sidecar.management("/metrics"), e);
        }
        Map<String, Double> counters = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (sample.matches()) {
                counters.put(sample.group(1) + "{" + sample.group(2) + "}", Double.parseDouble(sample.group(3)));
            }
        }
        return counters;
    }

    private static Map<String, String> labels(String sample) {
        Map<String, String> labels = new LinkedHashMap<>();
        Matcher label = LABEL.matcher(sample.substring(sample.indexOf('{')));
        while (label.find()) {
            labels.put(label.group(1), label.group(2));
        }
        return labels;
    }
}
