package dev.hcprollback.update;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.hcprollback.api.HealthSignal;

/**
 * Whether a red signal is the update's. {@link SignalReader} marks what the objects show to predate the
 * update; here the record's baseline (the signals red at its first look, as the update started) carries
 * that over to later looks: a Deployment short at the baseline stays pre-existing while it is no more
 * replicas short than then (the update rolls every control-plane Deployment: a Deployment that could not
 * run all its replicas before is expected to stop its rollout just as short); any other signal while it
 * is the same red episode ({@code since} unchanged). Every other signal is the update's and is counted
 * from the update's start at the earliest.
 */
final class Attribution {

    private Attribution() {
    }

    /** {@code red} attributed; {@code baseline} is empty before the first look wrote one. */
    static List<RedSignal> attribute(List<RedSignal> red, List<HealthSignal> baseline, String baselineTime, Instant start) {
        return red.stream().map(signal -> carried(signal, baseline, baselineTime))
                .map(signal -> signal.attributable() ? signal.countedFrom(start) : signal).toList();
    }

    private static RedSignal carried(RedSignal signal, List<HealthSignal> baseline, String baselineTime) {
        if (!signal.attributable()) {
            return signal;
        }
        Optional<HealthSignal> then = baseline.stream().filter(signal::sameAs).filter(b -> b.getPreExisting() != null)
                .findFirst();
        if (then.isEmpty()) {
            return signal;
        }
        boolean noWorse = signal.missing() != null && then.get().getMissing() != null
                ? signal.missing() <= then.get().getMissing()
                : Objects.equals(then.get().getSince(), signal.evidence().getSince());
        return noWorse ? signal.preExisting("red at the update's start (baseline of " + baselineTime + ") and no worse: "
                + then.get().getPreExisting()) : signal;
    }
}
