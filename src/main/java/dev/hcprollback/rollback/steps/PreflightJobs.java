package dev.hcprollback.rollback.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.hcprollback.rollback.restore.RestoreJobs;

/**
 * The preflight items a Job answers (the volume measure, the restore image's probe): the Job found or created, once,
 * and its pods' containers read for what the kubelet says of them.
 */
final class PreflightJobs {

    private PreflightJobs() {
    }

    /** Waiting reasons of a container whose image the kubelet cannot pull (it retries with a back-off). */
    static final Set<String> PULL_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "ErrImageNeverPull", "RegistryUnavailable", "SignatureValidationFailed");

    /**
     * Why a preflight Job's pod waits on its image, as the kubelet reports it ({@code pod P on node N: image:
     * reason: message}); empty while no container of it waits for that reason.
     */
    static Optional<String> pullFailure(RollbackRun run, String jobName) {
        for (Pod pod : podsOf(run, jobName)) {
            for (ContainerStatus container : containerStatuses(pod)) {
                ContainerStateWaiting waiting = container.getState() == null ? null : container.getState().getWaiting();
                if (waiting != null && PULL_FAILURES.contains(waiting.getReason())) {
                    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
                    return Optional.of("pod " + pod.getMetadata().getName() + (node == null ? "" : " on node " + node) + ": "
                            + container.getImage() + ": " + waiting.getReason()
                            + (waiting.getMessage() == null || waiting.getMessage().isBlank() ? "" : ": " + oneLine(waiting.getMessage())));
                }
            }
        }
        return Optional.empty();
    }

    static List<Pod> podsOf(RollbackRun run, String jobName) {
        return run.client.pods().inNamespace(run.cpNamespace()).withLabel(RestoreJobs.JOB_LABEL, jobName).list().getItems();
    }

    static List<ContainerStatus> containerStatuses(Pod pod) {
        List<ContainerStatus> all = new ArrayList<>();
        if (pod.getStatus() != null) {
            Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).ifPresent(all::addAll);
            Optional.ofNullable(pod.getStatus().getContainerStatuses()).ifPresent(all::addAll);
        }
        return all;
    }

    static String oneLine(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    /**
     * The Job of a preflight question: found by its name, else created; null when it was just created (its answer
     * is for a later look). A Job created before a crash is found, never created twice.
     */
    static Job startedOrFound(RollbackRun run, String name, Supplier<Job> job) {
        Job found = run.client.batch().v1().jobs().inNamespace(run.cpNamespace()).withName(name).get();
        if (found != null) {
            return found;
        }
        try {
            run.client.resource(job.get()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        run.reached("created:" + name);
        return null;
    }
}
