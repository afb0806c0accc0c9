package dev.hcprollback.rollback;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;

/**
 * The Jobs of a restore, on one etcd member's volume ({@code data-etcd-N} mounted at {@code /var/lib}),
 * in the restore's etcd image: the stage Job (a first container in the sidecar's own image fetches and
 * verifies the snapshot with {@link dev.hcprollback.rollback.fetch.FetchSnapshot}, then
 * {@link RestoreScript#STAGE} restores it) and the swap Job
 * ({@link RestoreScript#SWAP}); and the probe Job that checks once per image that its restore tool can
 * bump the revision. They never retry by themselves ({@code backoffLimit: 0}): a destructive step is
 * not repeated blindly. They run where and as etcd runs (node selector, tolerations, security contexts
 * of the StatefulSet); a stage Job that runs while etcd still serves is bound to the node of the
 * member's pod, the only node where its ReadWriteOnce volume can be mounted a second time.
 */
public final class RestoreJobs {

    public static final String CONTAINER = "restore";
    /** The stage Job's first (init) container, in the sidecar's own image: download and SHA-256 check. */
    public static final String FETCH_CONTAINER = "fetch";
    public static final String APP_LABEL_VALUE = "hcp-rollback-restore";
    public static final String PROBE_APP_LABEL_VALUE = "hcp-rollback-probe";
    /** On restore Jobs: {@code stage} or {@code swap}. */
    public static final String PHASE_LABEL = RollbackRequest.PREFIX + "phase";
    /** The label the StatefulSet controller puts on each of its pods. */
    static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    static final long PROBE_DEADLINE_SECONDS = 300;

    /** The two Jobs of a member's restore. */
    public enum Phase {
        stage, swap
    }
    static final int TTL_AFTER_FINISHED_SECONDS = 7 * 24 * 3600;

    private RestoreJobs() {
    }

    /**
     * A member's stage or swap Job. {@code fetchImage} is the sidecar's own image, run by the stage Job's
     * first container ({@link #FETCH_CONTAINER}); unused for the swap.
     */
    public static Job build(ControlPlaneRollback rollback, String controlPlaneNamespace, int member, Phase phase,
            String image, String fetchImage, Map<String, String> environment, StatefulSet etcd, boolean besideServingEtcd,
            long activeDeadlineSeconds) {
        String name = phase == Phase.stage ? RollbackNames.stageJob(rollback, member) : RollbackNames.swapJob(rollback, member);
        Job job = job(name, controlPlaneNamespace, APP_LABEL_VALUE, image, phase == Phase.stage ? RestoreScript.STAGE
                : RestoreScript.SWAP, environment, etcd, "data-etcd-" + member, activeDeadlineSeconds);
        if (phase == Phase.stage) {
            PodSpec pod = job.getSpec().getTemplate().getSpec();
            Container restore = pod.getContainers().get(0);
            List<String> command = new java.util.ArrayList<>(List.of("java", "-cp", RestoreScript.FETCH_CLASS_PATH,
                    RestoreScript.FETCH_CLASS));
            command.addAll(RestoreScript.fetchArguments());
            pod.getInitContainers().add(new ContainerBuilder().withName(FETCH_CONTAINER).withImage(fetchImage)
                    .withCommand(command).withEnv(restore.getEnv()).withVolumeMounts(restore.getVolumeMounts())
                    .withSecurityContext(restore.getSecurityContext()).build());
        }
        job.getMetadata().getLabels().put(RollbackNames.ROLLBACK_LABEL, rollback.getMetadata().getName());
        job.getMetadata().getLabels().put(PHASE_LABEL, phase.name());
        job.getMetadata().getAnnotations().put(RollbackRequest.PREFIX + "rollback-namespace", rollback.getMetadata().getNamespace());
        job.getMetadata().getAnnotations().put(RollbackRequest.PREFIX + "member", RestoreScript.memberName(member));
        job.getSpec().getTemplate().getMetadata().getLabels().put(RollbackNames.ROLLBACK_LABEL, rollback.getMetadata().getName());
        if (besideServingEtcd) {
            job.getSpec().getTemplate().getSpec().setAffinity(new AffinityBuilder().withNewPodAffinity()
                    .addNewRequiredDuringSchedulingIgnoredDuringExecution().withTopologyKey("kubernetes.io/hostname")
                    .withNewLabelSelector().addToMatchLabels(POD_NAME_LABEL, RestoreScript.memberName(member)).endLabelSelector()
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAffinity().build());
        }
        return job;
    }

    /**
     * The probe of an etcd image: {@link RestoreScript#TOOL_CHECK} in that image, no volume. Succeeds
     * when the image's restore tool can bump the revision and mark it compacted.
     */
    public static Job probe(String controlPlaneNamespace, String image, StatefulSet etcd, long bumpRevision) {
        Job job = job(RollbackNames.probeJob(image), controlPlaneNamespace, PROBE_APP_LABEL_VALUE, image,
                "set -eu\n" + RestoreScript.TOOL_CHECK, Map.of("BUMP_REVISION", Long.toString(bumpRevision)), etcd, null,
                PROBE_DEADLINE_SECONDS);
        job.getMetadata().getAnnotations().put(RollbackRequest.PREFIX + "image", image);
        return job;
    }

    private static Job job(String name, String controlPlaneNamespace, String app, String image, String script,
            Map<String, String> environment, StatefulSet etcd, String claim, long activeDeadlineSeconds) {
        PodSpec etcdPod = etcd == null || etcd.getSpec() == null || etcd.getSpec().getTemplate() == null ? null
                : etcd.getSpec().getTemplate().getSpec();
        Container etcdContainer = etcdPod == null ? null
                : etcdPod.getContainers().stream().filter(c -> "etcd".equals(c.getName())).findFirst().orElse(null);
        List<EnvVar> env = environment.entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();
        Job job = new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(controlPlaneNamespace)
                .addToLabels("app", app)
                .withAnnotations(new java.util.LinkedHashMap<>())
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                // kept a week for the runbook's "read the Job logs", then garbage-collected
                .withTtlSecondsAfterFinished(TTL_AFTER_FINISHED_SECONDS)
                .withActiveDeadlineSeconds(activeDeadlineSeconds)
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", app)
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
                .withCommand("/bin/sh", "-c", script)
                .withEnv(env)
                .withSecurityContext(etcdContainer == null ? null : etcdContainer.getSecurityContext())
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        if (claim != null) {
            PodSpec pod = job.getSpec().getTemplate().getSpec();
            pod.getContainers().get(0).getVolumeMounts().add(new VolumeMountBuilder().withName("data").withMountPath("/var/lib").build());
            pod.getVolumes().add(new VolumeBuilder().withName("data").withNewPersistentVolumeClaim().withClaimName(claim)
                    .endPersistentVolumeClaim().build());
        }
        return job;
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
