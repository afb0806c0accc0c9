package dev.hcprollback.rollback;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;

/**
 * The restore Job of one etcd member: the etcd container's image, the member's volume
 * ({@code data-etcd-N} mounted at {@code /var/lib}), {@link RestoreScript#TEXT} as its command.
 * It never retries by itself ({@code backoffLimit: 0}): a destructive step is not repeated blindly.
 * It runs where and as etcd runs (node selector, tolerations, security contexts of the StatefulSet).
 */
public final class RestoreJobs {

    public static final String CONTAINER = "restore";
    public static final String APP_LABEL_VALUE = "hcp-rollback-restore";
    static final int TTL_AFTER_FINISHED_SECONDS = 7 * 24 * 3600;

    private RestoreJobs() {
    }

    public static Job build(ControlPlaneRollback rollback, String controlPlaneNamespace, int member, String image,
            Map<String, String> environment, StatefulSet etcd, long activeDeadlineSeconds) {
        PodSpec etcdPod = etcd == null || etcd.getSpec() == null || etcd.getSpec().getTemplate() == null ? null
                : etcd.getSpec().getTemplate().getSpec();
        Container etcdContainer = etcdPod == null ? null
                : etcdPod.getContainers().stream().filter(c -> "etcd".equals(c.getName())).findFirst().orElse(null);
        List<EnvVar> env = environment.entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();
        return new JobBuilder()
                .withNewMetadata()
                .withName(RollbackNames.restoreJob(rollback, member))
                .withNamespace(controlPlaneNamespace)
                .addToLabels("app", APP_LABEL_VALUE)
                .addToLabels(RollbackNames.ROLLBACK_LABEL, rollback.getMetadata().getName())
                .addToAnnotations(RollbackRequest.PREFIX + "rollback-namespace", rollback.getMetadata().getNamespace())
                .addToAnnotations(RollbackRequest.PREFIX + "member", RestoreScript.memberName(member))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                // kept a week for the runbook's "read the Job logs", then garbage-collected
                .withTtlSecondsAfterFinished(TTL_AFTER_FINISHED_SECONDS)
                .withActiveDeadlineSeconds(activeDeadlineSeconds)
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", APP_LABEL_VALUE)
                .addToLabels(RollbackNames.ROLLBACK_LABEL, rollback.getMetadata().getName())
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withNodeSelector(etcdPod == null ? null : etcdPod.getNodeSelector())
                .withTolerations(etcdPod == null ? null : etcdPod.getTolerations())
                .withPriorityClassName(etcdPod == null ? null : etcdPod.getPriorityClassName())
                .withSecurityContext(etcdPod == null ? null : etcdPod.getSecurityContext())
                .addNewContainer()
                .withName(CONTAINER)
                .withImage(image)
                .withCommand("/bin/sh", "-c", RestoreScript.TEXT)
                .withEnv(env)
                .withSecurityContext(etcdContainer == null ? null : etcdContainer.getSecurityContext())
                .addNewVolumeMount().withName("data").withMountPath("/var/lib").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("data").withNewPersistentVolumeClaim()
                .withClaimName("data-etcd-" + member).endPersistentVolumeClaim().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    public static boolean succeeded(Job job) {
        JobStatus status = job.getStatus();
        return status != null && (status.getSucceeded() != null && status.getSucceeded() > 0
                || status.getConditions() != null && status.getConditions().stream()
                        .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus())));
    }

    public static boolean failed(Job job) {
        JobStatus status = job.getStatus();
        return status != null && (status.getFailed() != null && status.getFailed() > 0
                || status.getConditions() != null && status.getConditions().stream()
                        .anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus())));
    }
}
