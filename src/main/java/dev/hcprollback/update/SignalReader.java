package dev.hcprollback.update;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateStatus;
import dev.hcprollback.api.HealthSignal;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.Timestamps;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Reads the health signals of an updated cluster and returns those that are red: the HostedCluster's
 * {@code Available} False, {@code Degraded} True, {@code ClusterVersionFailing} True,
 * {@code EtcdAvailable} False; the update not Completed after the completion timeout; and in the
 * control-plane namespace, Deployments with fewer available replicas than they want and containers
 * not ready after restarting at least the restart limit (pods created since the update started).
 * A Deployment rolling out within its maxUnavailable is not short ({@link DeploymentRollout}).
 *
 * <p>
 * A signal's {@code since} is its own transition time, else when the record first saw it. What the
 * objects themselves show to predate the update is marked pre-existing here: a condition whose
 * lastTransitionTime is before the start; a Deployment short at the record's first look (the baseline, when
 * it comes within a poll interval of the start) whose rollout completed before the start, that is
 * {@code Available=False} since before the start, or whose rollout has been stuck since before the start.
 * {@link Attribution} carries the baseline over to later looks and counts the rest from the start.
 */
final class SignalReader {

    private final KubernetesClient client;
    private final UpdateSettings settings;

    SignalReader(KubernetesClient client, UpdateSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    List<RedSignal> red(HostedCluster cluster, ControlPlaneUpdate record, Optional<Instant> completed, Instant now) {
        Instant start = Timestamps.parse(record.getSpec().getStartTime()).orElse(now);
        List<HealthSignal> before = Optional.ofNullable(record.getStatus()).map(ControlPlaneUpdateStatus::getEvidence)
                .orElse(List.of());
        Seen seen = new Seen(now, before);
        // the first look shows the start only when it comes with it: one after the sidecar was down, or at a record
        // made again, may see what the update already broke
        boolean baseline = (record.getStatus() == null || record.getStatus().getBaselineTime() == null)
                && !now.isAfter(start.plus(settings.pollInterval()));
        List<RedSignal> red = new ArrayList<>();
        condition(cluster, "Available", "False", settings.availableThreshold(), start, seen, red);
        condition(cluster, "Degraded", "True", settings.degradedThreshold(), start, seen, red);
        condition(cluster, "ClusterVersionFailing", "True", settings.clusterVersionFailingThreshold(), start, seen, red);
        condition(cluster, "EtcdAvailable", "False", settings.etcdAvailableThreshold(), start, seen, red);
        Instant due = start.plus(settings.completionTimeout());
        if (completed.isEmpty() && !due.isAfter(now)) {
            red.add(new RedSignal("UpdateNotCompleted", null, due, Duration.ZERO, record.getSpec().getToVersion()
                    + " not Completed " + Timestamps.human(settings.completionTimeout()) + " after the update started"));
        }
        String namespace = cluster.controlPlaneNamespace();
        for (Deployment deployment : client.apps().deployments().inNamespace(namespace).list().getItems()) {
            unavailable(deployment, start, baseline, seen).ifPresent(red::add);
        }
        for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
            restarting(pod, start, seen).ifPresent(red::add);
        }
        return red;
    }

    private static void condition(HostedCluster cluster, String type, String redWhen, Duration threshold, Instant start,
            Seen seen, List<RedSignal> into) {
        Optional<Condition> condition = Optional.ofNullable(cluster.getStatus()).flatMap(s -> s.condition(type));
        if (condition.isEmpty() || !redWhen.equals(condition.get().getStatus())) {
            return;
        }
        Condition c = condition.get();
        String name = "True".equals(redWhen) ? type : type + "False";
        String message = type + "=" + redWhen + Optional.ofNullable(c.getReason()).map(r -> " (" + r + ")").orElse("")
                + Optional.ofNullable(c.getMessage()).filter(m -> !m.isBlank()).map(m -> ": " + m).orElse("");
        Optional<Instant> transition = Timestamps.parse(c.getLastTransitionTime());
        RedSignal signal = new RedSignal(name, null, seen.since(name, null, transition), threshold, message);
        into.add(transition.filter(t -> t.isBefore(start)).isPresent()
                ? signal.preExisting(type + "=" + redWhen + " since " + c.getLastTransitionTime() + ", before the update started")
                : signal);
    }

    private Optional<RedSignal> unavailable(Deployment deployment, Instant start, boolean baseline, Seen seen) {
        Optional<DeploymentRollout.Shortfall> shortfall = DeploymentRollout.shortfall(deployment);
        if (shortfall.isEmpty()) {
            return Optional.empty();
        }
        DeploymentRollout.Shortfall short_ = shortfall.get();
        String object = "Deployment " + deployment.getMetadata().getName();
        RedSignal signal = new RedSignal("DeploymentUnavailable", object, seen.since("DeploymentUnavailable", object,
                short_.since()), settings.deploymentThreshold(), short_.message(), short_.missing(), null);
        if (DeploymentRollout.stuckBefore(deployment, start)) {
            return Optional.of(signal.preExisting("rollout stuck (" + DeploymentRollout.DEADLINE_EXCEEDED + ") since "
                    + Timestamps.format(short_.since().get()) + ", before the update started"));
        }
        boolean rolledBefore = DeploymentRollout.rolledBefore(deployment, start);
        if (rolledBefore && short_.since().filter(t -> t.isBefore(start)).isPresent()) {
            return Optional.of(signal.preExisting("Available=False since " + Timestamps.format(short_.since().get())
                    + " and not rolled out since, before the update started"));
        }
        if (rolledBefore && baseline) {
            return Optional.of(signal.preExisting("short at the update's start, by a rollout that completed before it"));
        }
        return Optional.of(signal);
    }

    private Optional<RedSignal> restarting(Pod pod, Instant start, Seen seen) {
        boolean createdSinceUpdate = Timestamps.parse(pod.getMetadata().getCreationTimestamp())
                .map(created -> !created.isBefore(start)).orElse(false);
        if (!createdSinceUpdate || pod.getStatus() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getContainerStatuses().stream()
                .filter(c -> !Boolean.TRUE.equals(c.getReady()))
                .filter(c -> Objects.requireNonNullElse(c.getRestartCount(), 0) >= settings.restartLimit())
                .max(java.util.Comparator.comparing(ContainerStatus::getRestartCount))
                .map(c -> {
                    String object = "Pod " + pod.getMetadata().getName();
                    return new RedSignal("PodRestarting", object, seen.since("PodRestarting", object, Optional.empty()),
                            settings.deploymentThreshold(), "container " + c.getName() + " restarted " + c.getRestartCount()
                                    + " times and is not ready");
                });
    }

    /** Since when a signal is red: its own transition, else when the record first saw it. */
    private record Seen(Instant now, List<HealthSignal> before) {
        Instant since(String name, String object, Optional<Instant> transition) {
            return transition.or(() -> before.stream()
                    .filter(s -> name.equals(s.getName()) && Objects.equals(object, s.getObject())).findFirst()
                    .flatMap(s -> Timestamps.parse(s.getSince()))).orElse(now);
        }
    }
}
