package dev.hcprollback.webhook.rules;

import java.util.ArrayList;
import java.util.List;

/** The outcome of one admission call: allowed or not, the deciding rule, a message and warnings. */
public record Verdict(boolean allowed, Rule rule, String message, List<String> warnings) {

    public Verdict {
        warnings = List.copyOf(warnings);
    }

    public static Verdict allow(Rule rule, String message) {
        return new Verdict(true, rule, message, List.of());
    }

    public static Verdict deny(Rule rule, String message) {
        return new Verdict(false, rule, "[" + rule.id() + "] " + message, List.of());
    }

    public Verdict withWarnings(List<String> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<String> all = new ArrayList<>(warnings);
        all.addAll(more);
        return new Verdict(allowed, rule, message, all);
    }

    public String decision() {
        return allowed ? "allowed" : "denied";
    }
}
