package dev.hcprollback.update;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateStatus;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.hypershift.Timestamps;

/**
 * The greenboot rule, free of the API. Unhealthy while a signal is red past its threshold; otherwise
 * Soaking until the soak has run green: it ends the soak period after completion, and a red signal
 * (even one under its threshold) starts it again. Healthy once it ended with every signal green.
 */
final class HealthJudge {

    /** The verdict, its sentence, and when the soak ends if nothing turns red (absent before completion). */
    record Judgement(UpdateHealth health, String message, Optional<Instant> soakEnd) {
    }

    private HealthJudge() {
    }

    static Judgement judge(ControlPlaneUpdate record, List<RedSignal> red, Optional<Instant> completed, Duration soak,
            Instant now) {
        Optional<Instant> recorded = Optional.ofNullable(record.getStatus())
                .map(ControlPlaneUpdateStatus::getSoakEndTime).flatMap(Timestamps::parse);
        Optional<Instant> soakEnd = completed.map(done -> later(recorded.orElse(done.plus(soak)),
                red.isEmpty() ? done.plus(soak) : now.plus(soak)));
        List<RedSignal> over = red.stream().filter(s -> s.overThreshold(now)).toList();
        if (!over.isEmpty()) {
            return new Judgement(UpdateHealth.Unhealthy, labels(over) + " red past threshold", soakEnd);
        }
        if (!red.isEmpty()) {
            return new Judgement(UpdateHealth.Soaking, labels(red) + " red, under threshold; the soak starts again once green",
                    soakEnd);
        }
        if (completed.isEmpty()) {
            return new Judgement(UpdateHealth.Soaking, record.getSpec().getToVersion() + " is rolling out; every signal green",
                    soakEnd);
        }
        if (now.isBefore(soakEnd.get())) {
            return new Judgement(UpdateHealth.Soaking, "every signal green; the soak ends at "
                    + Timestamps.format(soakEnd.get()), soakEnd);
        }
        return new Judgement(UpdateHealth.Healthy, "every signal stayed green for the soak of "
                + Timestamps.human(soak) + " after the update completed", soakEnd);
    }

    /** {@code Degraded, DeploymentUnavailable Deployment kube-apiserver} */
    static String labels(List<RedSignal> signals) {
        return signals.stream().map(RedSignal::label).collect(Collectors.joining(", "));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
