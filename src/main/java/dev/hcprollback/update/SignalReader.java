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
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Reads the health signals of an updated cluster and returns those that are red: the HostedCluster's
 * {@code Available} False, {@code Degraded} True, {@code ClusterVersionFailing} True,
 * {@code EtcdAvailable} False; the update not Completed after the completion timeout; and in the
 * control-plane namespace, Deployments with fewer available replicas than they want and containers
 * not ready after restarting at least the restart limit (pods created since the update started).
 * A signal is counted from the update's start at the earliest (what was red before is the update's
 * only once it stays so); without a transition time of its own, from when the record first saw it.
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
        Seen seen = new Seen(start, now, before);
        List<RedSignal> red = new ArrayList<>();
        condition(cluster, "Available", "False", settings.availableThreshold(), seen, red);
        condition(cluster, "Degraded", "True", settings.degradedThreshold(), seen, red);
        condition(cluster, "ClusterVersionFailing", "True", settings.clusterVersionFailingThreshold(), seen, red);
        condition(cluster, "EtcdAvailable", "False", settings.etcdAvailableThreshold(), seen, red);
        Instant due = start.plus(settings.completionTimeout());
        if (completed.isEmpty() && !due.isAfter(now)) {
            red.add(new RedSignal("UpdateNotCompleted", null, due, Duration.ZERO, record.getSpec().getToVersion()
                    + " not Completed " + Timestamps.human(settings.completionTimeout()) + " after the update started"));
        }
        String namespace = cluster.controlPlaneNamespace();
        for (Deployment deployment : client.apps().deployments().inNamespace(namespace).list().getItems()) {
            unavailable(deployment, seen).ifPresent(red::add);
        }
        for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
            restarting(pod, start, seen).ifPresent(red::add);
        }
        return red;
    }

    private static void condition(HostedCluster cluster, String type, String redWhen, Duration threshold, Seen seen,
            List<RedSignal> into) {
        Optional<Condition> condition = Optional.ofNullable(cluster.getStatus()).flatMap(s -> s.condition(type));
        if (condition.isEmpty() || !redWhen.equals(condition.get().getStatus())) {
            return;
        }
        Condition c = condition.get();
        String name = "True".equals(redWhen) ? type : type + "False";
        String message = type + "=" + redWhen + Optional.ofNullable(c.getReason()).map(r -> " (" + r + ")").orElse("")
                + Optional.ofNullable(c.getMessage()).filter(m -> !m.isBlank()).map(m -> ": " + m).orElse("");
        into.add(new RedSignal(name, null, seen.since(name, null, Timestamps.parse(c.getLastTransitionTime())), threshold,
                message));
    }

    private Optional<RedSignal> unavailable(Deployment deployment, Seen seen) {
        int wanted = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
        int available = deployment.getStatus() == null ? 0
                : Objects.requireNonNullElse(deployment.getStatus().getAvailableReplicas(), 0);
        if (wanted == 0 || available >= wanted) {
            return Optional.empty();
        }
        String object = "Deployment " + deployment.getMetadata().getName();
        Optional<Instant> transition = Optional.ofNullable(deployment.getStatus())
                .flatMap(s -> s.getConditions().stream().filter(c -> "Available".equals(c.getType())).findFirst())
                .filter(c -> "False".equals(c.getStatus())).map(DeploymentCondition::getLastTransitionTime)
                .flatMap(Timestamps::parse);
        return Optional.of(new RedSignal("DeploymentUnavailable", object,
                seen.since("DeploymentUnavailable", object, transition), settings.deploymentThreshold(),
                available + " of " + wanted + " replicas available"));
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

    /** Since when a signal is red: its own transition, else when the record first saw it, never before the start. */
    private record Seen(Instant start, Instant now, List<HealthSignal> before) {
        Instant since(String name, String object, Optional<Instant> transition) {
            Instant first = transition.or(() -> before.stream()
                    .filter(s -> name.equals(s.getName()) && Objects.equals(object, s.getObject())).findFirst()
                    .flatMap(s -> Timestamps.parse(s.getSince()))).orElse(now);
            return first.isBefore(start) ? start : first;
        }
    }
}
