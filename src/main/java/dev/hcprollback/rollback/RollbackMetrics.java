package dev.hcprollback.rollback;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.Step;
import dev.hcprollback.cluster.ClusterSeries;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.rollback.steps.RollbackSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * {@code hcp_rollback_rollbacks_total{result,strategy}}, {@code hcp_rollback_step_duration_seconds{step,result}}
 * and {@code hcp_rollback_duration_seconds{result,strategy}}. Durations come from the times the
 * status recorded, so a rollback that survived a restart of the sidecar is measured whole.
 *
 * <p>
 * For the alerts (docs/alerts.md), from the rollback records this replica drives (the leader's):
 * <ul>
 * <li>{@code hcp_rollback_rollback_failed{hosted_cluster_namespace,hosted_cluster}} ({@link ClusterSeries}):
 * 1 when the newest ControlPlaneRollback of the cluster (by creation time) is {@code Failed}, else 0; one
 * series per cluster that has records;</li>
 * <li>{@code hcp_rollback_rollback_failed_with_changes{hosted_cluster_namespace,hosted_cluster}}: 1 when that
 * newest record is {@code Failed} and left the control plane changed ({@link #leftChanges}), else 0: the
 * critical case, where a refusal or an undone attempt is not;</li>
 * <li>{@code hcp_rollback_rollback_step_started_timestamp_seconds{hosted_cluster_namespace,hosted_cluster,step}}
 * (Unix seconds) and {@code hcp_rollback_rollback_step_timeout_seconds{...,step}}: the step a running
 * rollback is in, when it started and how long it may wait (0 for steps that never wait); present
 * only while the step runs.</li>
 * </ul>
 * Labels are bounded by the HostedClusters and the eight {@link Step}s: at most one rollback per
 * cluster runs at a time.
 */
public class RollbackMetrics {

    static final String FAILED = "hcp_rollback_rollback_failed";
    static final String FAILED_WITH_CHANGES = "hcp_rollback_rollback_failed_with_changes";
    static final String STEP_STARTED = "hcp_rollback_rollback_step_started_timestamp_seconds";
    static final String STEP_TIMEOUT = "hcp_rollback_rollback_step_timeout_seconds";

    private final MeterRegistry registry;
    /** What the alerts need of each record, by namespace/name. */
    private final Map<String, Seen> records = new ConcurrentHashMap<>();
    /** The running steps the gauges show, by namespace/cluster/step. */
    private final Map<RunningStep, Seen> shownSteps = new ConcurrentHashMap<>();
    private final Set<ClusterKey> shownClusters = ConcurrentHashMap.newKeySet();

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

    /** Takes in the record as last read or written: its phase and the step it runs, if any. */
    public synchronized void observe(ControlPlaneRollback rollback, RollbackSettings settings) {
        if (rollback.getSpec() == null || rollback.getSpec().getHostedClusterName() == null) {
            return;
        }
        ControlPlaneRollbackStatus status = rollback.getStatus();
        RollbackPhase phase = status == null ? null : status.getPhase();
        Optional<RollbackStep> running = phase != RollbackPhase.Running ? Optional.empty()
                : status.getSteps().stream().filter(s -> s.getPhase() == RollbackPhase.Running).findFirst();
        Step step = running.map(s -> Step.valueOf(s.getName())).orElse(null);
        records.put(key(rollback), new Seen(
                new ClusterKey(rollback.getMetadata().getNamespace(), rollback.getSpec().getHostedClusterName()),
                Objects.toString(rollback.getMetadata().getCreationTimestamp(), ""), rollback.getMetadata().getName(), phase,
                phase == RollbackPhase.Failed && leftChanges(status), step, running.flatMap(s -> Timestamps.parse(s.getStartTime())).orElse(null),
                step == null ? null : settings.timeoutOf(step)));
        refresh();
    }

    /** The record is gone: its series go with it (the cluster's too, when it was its last record). */
    public synchronized void forget(ControlPlaneRollback rollback) {
        records.remove(key(rollback));
        refresh();
    }

    private void refresh() {
        Set<ClusterKey> clusters = records.values().stream().map(Seen::cluster).collect(Collectors.toSet());
        for (ClusterKey cluster : clusters) {
            if (shownClusters.add(cluster)) {
                replace(Gauge.builder(FAILED, this, metrics -> metrics.newest(cluster, seen -> seen.phase() == RollbackPhase.Failed))
                        .description("1 when the newest ControlPlaneRollback of the cluster is Failed, else 0")
                        .tags(cluster.tags()), FAILED, cluster.tags());
                replace(Gauge.builder(FAILED_WITH_CHANGES, this, metrics -> metrics.newest(cluster, Seen::failedWithChanges))
                        .description("1 when the newest ControlPlaneRollback of the cluster is Failed and left the control "
                                + "plane changed (past the point of no return, or not undone), else 0")
                        .tags(cluster.tags()), FAILED_WITH_CHANGES, cluster.tags());
            }
        }
        for (ClusterKey gone : Set.copyOf(shownClusters)) {
            if (!clusters.contains(gone)) {
                shownClusters.remove(gone);
                remove(FAILED, gone.tags());
                remove(FAILED_WITH_CHANGES, gone.tags());
            }
        }
        Map<RunningStep, Seen> running = records.values().stream().filter(r -> r.step() != null && r.stepStarted() != null)
                .collect(Collectors.toMap(r -> new RunningStep(r.cluster(), r.step()), r -> r, (a, b) -> a));
        for (RunningStep gone : Set.copyOf(shownSteps.keySet())) {
            if (!running.containsKey(gone)) {
                shownSteps.remove(gone);
                remove(STEP_STARTED, gone.tags());
                remove(STEP_TIMEOUT, gone.tags());
            }
        }
        running.forEach((step, seen) -> {
            if (shownSteps.put(step, seen) == null) {
                replace(Gauge.builder(STEP_STARTED, shownSteps, shown -> seconds(shown.get(step), s -> s.stepStarted().toEpochMilli()))
                        .description("When the step a rollback runs started, in Unix seconds").tags(step.tags()),
                        STEP_STARTED, step.tags());
                replace(Gauge.builder(STEP_TIMEOUT, shownSteps, shown -> seconds(shown.get(step), s -> s.stepTimeout().toMillis()))
                        .description("How long the running step of a rollback may wait before it fails (0: it never waits)")
                        .tags(step.tags()), STEP_TIMEOUT, step.tags());
            }
        });
    }

    /** 1 when the cluster's newest record (by creation, then name) is {@code what}, else 0. */
    private double newest(ClusterKey cluster, java.util.function.Predicate<Seen> what) {
        return records.values().stream().filter(r -> r.cluster().equals(cluster))
                .max(Comparator.comparing(Seen::created).thenComparing(Seen::name))
                .map(r -> what.test(r) ? 1.0 : 0.0).orElse(Double.NaN);
    }

    /**
     * Whether a {@code Failed} rollback left the control plane other than it found it, so that an SRE must act now:
     * past the point of no return (paused, etcd maybe restored), still undoing, or failed after it began acting
     * because its HostedCluster went away (nothing was undone). A refusal before any step ("Nothing was changed")
     * and a failure whose undo finished (replicas and pause given back, etcd untouched) leave nothing changed.
     */
    static boolean leftChanges(ControlPlaneRollbackStatus status) {
        if (Boolean.TRUE.equals(status.getPointOfNoReturn()) || Boolean.TRUE.equals(status.getUndoing())) {
            return true;
        }
        return !status.getSteps().isEmpty() && RollbackDriver.HOSTED_CLUSTER_MISSING.equals(status.getFailureReason());
    }

    private static double seconds(Seen seen, java.util.function.ToLongFunction<Seen> millis) {
        return seen == null ? Double.NaN : millis.applyAsLong(seen) / 1000.0;
    }

    /** Registers the gauge, replacing one of the same name and labels that a former instance left bound to its state. */
    private void replace(Gauge.Builder<?> gauge, String name, Tags tags) {
        remove(name, tags);
        gauge.register(registry);
    }

    private void remove(String name, Tags tags) {
        registry.find(name).tags(tags).meters().forEach(registry::remove);
    }

    private static String key(ControlPlaneRollback rollback) {
        return rollback.getMetadata().getNamespace() + "/" + rollback.getMetadata().getName();
    }

    private record ClusterKey(String namespace, String cluster) {
        Tags tags() {
            return ClusterSeries.tags(namespace, cluster);
        }
    }

    private record RunningStep(ClusterKey cluster, Step step) {
        Tags tags() {
            return cluster.tags().and("step", step.name());
        }
    }

    private record Seen(ClusterKey cluster, String created, String name, RollbackPhase phase, boolean failedWithChanges,
            Step step, Instant stepStarted,
            Duration stepTimeout) {
    }
}
