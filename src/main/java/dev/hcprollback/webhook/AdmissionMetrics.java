package dev.hcprollback.webhook;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** {@code hcp_rollback_admission_decisions_total} and the decision latency histogram. */
@ApplicationScoped
public class AdmissionMetrics {

    @Inject
    MeterRegistry registry;

    public void record(String resource, AdmissionCall.Operation operation, Verdict verdict, Duration took) {
        Counter.builder("hcp_rollback_admission_decisions")
                .description("Admission decisions by resource, operation, decision and rule")
                .tag("resource", resource)
                .tag("operation", operation.name())
                .tag("decision", verdict.decision())
                .tag("rule", verdict.rule().id())
                .register(registry)
                .increment();
        Timer.builder("hcp_rollback_admission_decision_seconds")
                .description("Time to decide an admission request, SubjectAccessReview included")
                .tag("resource", resource)
                .publishPercentileHistogram()
                .register(registry)
                .record(took);
    }

    public void recordMalformed(String resource) {
        Counter.builder("hcp_rollback_admission_malformed")
                .description("Requests answered 400 because they were not a readable AdmissionReview")
                .tag("resource", resource)
                .register(registry)
                .increment();
    }
}
