package dev.hcprollback.update;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateStatus;
import dev.hcprollback.api.HealthSignal;
import dev.hcprollback.api.SignalChanges;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.Timestamps;

/**
 * One look at an update's health: the signals read and attributed, the memory of their changes, and
 * the verdict; {@link #writeTo} puts what a later look needs (baseline, changes) and what an SRE reads
 * (verdict, evidence) into the record's status.
 */
record HealthLook(List<RedSignal> red, List<SignalChanges> changes, boolean first, Instant now,
        HealthJudge.Judgement verdict) {

    static HealthLook take(SignalReader signals, HostedCluster cluster, ControlPlaneUpdate record, Optional<Instant> completed,
            UpdateSettings settings, Instant now) {
        Optional<ControlPlaneUpdateStatus> status = Optional.ofNullable(record.getStatus());
        boolean first = status.map(ControlPlaneUpdateStatus::getBaselineTime).isEmpty();
        List<HealthSignal> baseline = status.map(ControlPlaneUpdateStatus::getBaseline).orElse(List.of());
        List<RedSignal> red = Attribution.attribute(signals.red(cluster, record, completed, now), baseline,
                status.map(ControlPlaneUpdateStatus::getBaselineTime).orElse(null), UpdateRecords.start(record));
        List<SignalChanges> changes = Flapping.remember(status.map(ControlPlaneUpdateStatus::getSignalChanges)
                .orElse(List.of()), red, first, now, settings.flapWindow());
        HealthJudge.Judgement verdict = HealthJudge.judge(record, red, Flapping.flapping(changes, settings.flapChanges()),
                completed, settings.soak(), now);
        return new HealthLook(red, changes, first, now, verdict);
    }

    void writeTo(ControlPlaneUpdateStatus status) {
        status.setHealth(verdict.health());
        status.setMessage(verdict.message());
        status.setSoakEndTime(verdict.soakEnd().map(Timestamps::format).orElse(null));
        status.setEvidence(red.stream().map(this::evidence).toList());
        status.setSignalChanges(changes);
        if (first) {
            status.setBaseline(red.stream().map(RedSignal::evidence).toList());
            status.setBaselineTime(Timestamps.format(now));
        }
    }

    private HealthSignal evidence(RedSignal signal) {
        HealthSignal evidence = signal.evidence();
        int count = Flapping.changes(changes, signal);
        evidence.setChanges(count == 0 ? null : count);
        return evidence;
    }
}
