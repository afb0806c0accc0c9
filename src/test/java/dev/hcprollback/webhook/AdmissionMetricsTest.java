package dev.hcprollback.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import dev.hcprollback.webhook.rules.Rule;
import dev.hcprollback.webhook.rules.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The counters behind the alert HcpRollbackWebhookErrors (manifests/base/prometheusrule.yaml). */
class AdmissionMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AdmissionMetrics metrics = new AdmissionMetrics(registry);

    @Test
    void aGuardThatThrowsIsCountedAsAnErrorOfItsResourceAndStillFails() {
        IllegalStateException broken = new IllegalStateException("cache not synced");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> metrics.judged("hostedclusters", () -> {
            throw broken;
        }));
        assertSame(broken, thrown, "the API server must still get its HTTP 500");
        assertEquals(1.0, errors("hostedclusters").count());
        assertNull(registry.find("hcp_rollback_admission_errors").tag("resource", "controlplanesnapshots").counter(),
                "a resource never reviewed has no series");
    }

    @Test
    void aJudgementCreatesBothCountersAtZeroSoThatTheFirstErrorShowsAsAnIncrease() {
        Verdict verdict = Verdict.allow(Rule.NOT_AN_UPDATE, "CREATE changes no payload");
        assertSame(verdict, metrics.judged("controlplanerollbacks", () -> verdict));
        assertEquals(0.0, errors("controlplanerollbacks").count());
        assertEquals(0.0, registry.find("hcp_rollback_admission_malformed").tag("resource", "controlplanerollbacks")
                .counter().count());
        metrics.recordMalformed("controlplanerollbacks");
        assertEquals(1.0, registry.find("hcp_rollback_admission_malformed").tag("resource", "controlplanerollbacks")
                .counter().count());
    }

    private Counter errors(String resource) {
        return registry.find("hcp_rollback_admission_errors").tag("resource", resource).counter();
    }
}
