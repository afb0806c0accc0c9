package dev.hcprollback.webhook;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.review.NeedsWorkerThread;
import dev.hcprollback.webhook.rules.Rule;
import dev.hcprollback.webhook.rules.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code hcp_rollback_admission_decisions_total}, the decision latency histogram,
 * {@code hcp_rollback_admission_malformed_total{resource}} (answered 400) and
 * {@code hcp_rollback_admission_errors_total{resource}} (a guard threw: the API server got HTTP 500 and,
 * the webhooks failing closed, refused the request). Both counters of a resource exist from its first
 * review on, at 0, so that the first error shows as an increase.
 */
@ApplicationScoped
public class AdmissionMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    /** Meters by their tags, found again without building their ids on every request. */
    private final Map<DecisionKey, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<String, Timer> latencies = new ConcurrentHashMap<>();

    private record DecisionKey(String resource, AdmissionCall.Operation operation, boolean allowed, Rule rule) {
    }

    public AdmissionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Runs a guard's judgement, counting it as an error of {@code resource} when it throws (and rethrowing). */
    public Verdict judged(String resource, Supplier<Verdict> judgement) {
        Counter errorsOfResource = errors.computeIfAbsent(resource, this::registerCounters);
        try {
            return judgement.get();
        } catch (NeedsWorkerThread handOver) {
            throw handOver; // not an error: the request is judged again on a worker thread
        } catch (RuntimeException | Error e) {
            errorsOfResource.increment();
            throw e;
        }
    }

    private Counter registerCounters(String resource) {
        malformed(resource);
        return Counter.builder("hcp_rollback_admission_errors")
                .description("Reviews that failed with an error (HTTP 500): the API server refused the request")
                .tag("resource", resource)
                .register(registry);
    }

    private Counter malformed(String resource) {
        return Counter.builder("hcp_rollback_admission_malformed")
                .description("Requests answered 400 because they were not a readable AdmissionReview")
                .tag("resource", resource)
                .register(registry);
    }

    public void record(String resource, AdmissionCall.Operation operation, Verdict verdict, Duration took) {
        decisions.computeIfAbsent(new DecisionKey(resource, operation, verdict.allowed(), verdict.rule()),
                key -> Counter.builder("hcp_rollback_admission_decisions")
                        .description("Admission decisions by resource, operation, decision and rule")
                        .tag("resource", resource)
                        .tag("operation", operation.name())
                        .tag("decision", verdict.decision())
                        .tag("rule", verdict.rule().id())
                        .register(registry))
                .increment();
        latencies.computeIfAbsent(resource, key -> Timer.builder("hcp_rollback_admission_decision_seconds")
                .description("Time to decide an admission request, SubjectAccessReview included")
                .tag("resource", resource)
                .publishPercentileHistogram()
                .register(registry))
                .record(took);
    }

    public void recordMalformed(String resource) {
        malformed(resource).increment();
    }
}
