package dev.hcprollback.rollback;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code hcp_rollback_rollbacks_total{result,strategy}}, {@code hcp_rollback_step_duration_seconds{step,result}}
 * and {@code hcp_rollback_duration_seconds{result,strategy}}. Durations come from the times the
 * status recorded, so a rollback that survived a restart of the sidecar is measured whole.
 */
public class RollbackMetrics {

    private final MeterRegistry registry;

    public RollbackMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void finished(String result, RollbackStrategy strategy, Duration total) {
        Counter.builder("hcp_rollback_rollbacks_total").description("Rollbacks by result")
                .tag("result", result).tag("strategy", strategy.name()).register(registry).increment();
        if (total != null) {
            Timer.builder("hcp_rollback_duration_seconds").description("Duration of whole rollbacks")
                    .tag("result", result).tag("strategy", strategy.name()).register(registry).record(total);
        }
    }

    public void step(Step step, String result, Duration duration) {
        Timer.builder("hcp_rollback_step_duration_seconds").description("Duration of rollback steps")
                .tag("step", step.name()).tag("result", result).register(registry).record(duration);
    }
}
