package dev.hcprollback.update;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateStatus;
import dev.hcprollback.api.SignalChanges;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.hypershift.Timestamps;

/**
 * The greenboot rule, free of the API, on the update's own evidence: signals pre-existing before the
 * update never count ({@link Attribution}). Unhealthy while a signal attributable to the update stayed red
 * past its threshold without flapping, and the HostedCluster agrees (one of its own signals is red too);
 * Inconclusive when a signal flaps ({@link Flapping}) or only control-plane objects are red past threshold
 * while the HostedCluster reports nothing wrong: a person should look. Otherwise Soaking until the soak
 * has run green: it ends the soak period after completion, and a red signal (even one under its
 * threshold) starts it again. Healthy once it ended with every attributable signal green.
 */
final class HealthJudge {

    /**
     * The verdict, its sentence, when the soak ends if nothing turns red (absent before completion), and the
     * evidence that makes it Unhealthy (empty otherwise): what an automatic rollback may act on.
     */
    record Judgement(UpdateHealth health, String message, Optional<Instant> soakEnd, List<RedSignal> grounds) {
    }

    private HealthJudge() {
    }

    static Judgement judge(ControlPlaneUpdate record, List<RedSignal> red, List<SignalChanges> flapping,
            Optional<Instant> completed, Duration soak, Instant now) {
        List<RedSignal> mine = red.stream().filter(RedSignal::attributable).toList();
        List<RedSignal> before = red.stream().filter(s -> !s.attributable()).toList();
        String pre = before.isEmpty() ? "" : "; red before the update, not counted: " + labels(before);
        Optional<Instant> recorded = Optional.ofNullable(record.getStatus())
                .map(ControlPlaneUpdateStatus::getSoakEndTime).flatMap(Timestamps::parse);
        Optional<Instant> soakEnd = completed.map(done -> later(recorded.orElse(done.plus(soak)),
                mine.isEmpty() ? done.plus(soak) : now.plus(soak)));
        List<RedSignal> over = mine.stream().filter(s -> s.overThreshold(now))
                .filter(s -> flapping.stream().noneMatch(f -> f.isOf(s.name(), s.object()))).toList();
        if (!over.isEmpty()) {
            if (red.stream().anyMatch(s -> s.object() == null)) {
                return new Judgement(UpdateHealth.Unhealthy, labels(over) + " red past threshold" + pre, soakEnd, over);
            }
            return new Judgement(UpdateHealth.Inconclusive, labels(over) + " red past threshold, but the HostedCluster"
                    + " reports nothing wrong: a person should look" + pre, soakEnd, List.of());
        }
        if (!flapping.isEmpty()) {
            return new Judgement(UpdateHealth.Inconclusive, flapping.stream().map(Flapping::label)
                    .collect(Collectors.joining(", ")) + " flapping (" + flapping.stream().map(f -> f.getChanges().size())
                            .map(String::valueOf).collect(Collectors.joining(", "))
                    + " changes within the flapping window): a person should look" + pre, soakEnd, List.of());
        }
        if (!mine.isEmpty()) {
            return new Judgement(UpdateHealth.Soaking, labels(mine) + " red, under threshold; the soak starts again once green"
                    + pre, soakEnd, List.of());
        }
        if (completed.isEmpty()) {
            return new Judgement(UpdateHealth.Soaking, record.getSpec().getToVersion() + " is rolling out; every signal green"
                    + pre, soakEnd, List.of());
        }
        if (now.isBefore(soakEnd.get())) {
            return new Judgement(UpdateHealth.Soaking, "every signal green; the soak ends at "
                    + Timestamps.format(soakEnd.get()) + pre, soakEnd, List.of());
        }
        return new Judgement(UpdateHealth.Healthy, "every signal stayed green for the soak of "
                + Timestamps.human(soak) + " after the update completed" + pre, soakEnd, List.of());
    }

    /** {@code Degraded, DeploymentUnavailable Deployment kube-apiserver} */
    static String labels(List<RedSignal> signals) {
        return signals.stream().map(RedSignal::label).collect(Collectors.joining(", "));
    }

    /**
     * The evidence behind an Unhealthy verdict, for the reason of an automatic rollback request:
     * {@code Degraded red since 2026-12-07T10:00:00Z (threshold 30m)}.
     */
    static String grounds(List<RedSignal> grounds) {
        return grounds.stream().map(s -> s.label() + " red since " + Timestamps.format(s.since()) + " (threshold "
                + Timestamps.human(s.threshold()) + ")").collect(Collectors.joining(", "));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
