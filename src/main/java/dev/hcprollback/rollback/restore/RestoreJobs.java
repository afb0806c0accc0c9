package dev.hcprollback.rollback.restore;

import java.util.List;
import java.util.Map;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.net.EnvironmentProxy;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;

/**
 * The Jobs of a restore, on one etcd member's volume ({@code data-etcd-N} mounted at {@code /var/lib}),
 * in the restore's etcd image: the stage Job (a first container in the sidecar's own image fetches and
 * verifies the snapshot with {@link dev.hcprollback.rollback.restore.fetch.FetchSnapshot}, then
 * {@link RestoreScript#STAGE} restores it) and the swap Job
 * ({@link RestoreScript#SWAP}); the probe Job that checks once per image that its restore tool can
 * bump the revision; and the preflight's measure Job of a member's volume
 * ({@link dev.hcprollback.rollback.restore.fetch.VolumeSpace}, in the sidecar's own image, the volume read-only).
 * They never retry by themselves ({@code backoffLimit: 0}): a destructive step is
 * not repeated blindly. They run where and as etcd runs (node selector, tolerations, security contexts
 * of the StatefulSet); a Job that mounts a member's volume while etcd still serves is bound to the node of the
 * member's pod, the only node where its ReadWriteOnce volume can be mounted a second time.
 */
public final class RestoreJobs {

    public static final String CONTAINER = "restore";
    /** The stage Job's first (init) container, in the sidecar's own image: download and SHA-256 check. */
    public static final String FETCH_CONTAINER = "fetch";
    public static final String APP_LABEL_VALUE = "hcp-rollback-restore";
    public static final String PROBE_APP_LABEL_VALUE = "hcp-rollback-probe";
    public static final String MEASURE_APP_LABEL_VALUE = "hcp-rollback-measure";
    /** The measure Job's container, in the sidecar's own image. */
    public static final String MEASURE_CONTAINER = "measure";
    /** The main class of the measure Job's container. */
    public static final String MEASURE_CLASS = dev.hcprollback.rollback.restore.fetch.VolumeSpace.class.getName();
    /**
     * On the pods of a measure or probe Job: the Job's name, by which the sidecar finds the pod whose termination
     * message holds the figures, or whose image cannot be pulled (whatever labels the Job controller of the cluster's
     * version adds).
     */
    public static final String JOB_LABEL = RollbackRequest.PREFIX + "job";
    /** Where the measure Job's container writes its figures: the kubelet's default termination message path. */
    static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";
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
        return build(rollback, controlPlaneNamespace, member, phase, image, fetchImage, environment, etcd, besideServingEtcd,
                activeDeadlineSeconds, EnvironmentProxy.fromEnvironment());
    }

    /**
     * As above; the fetch container also gets the proxy variables {@code proxy} was read from (the sidecar's own, which
     * OLM sets from the cluster-wide proxy), so that it reaches the object store as the sidecar does.
     */
    public static Job build(ControlPlaneRollback rollback, String controlPlaneNamespace, int member, Phase phase,
            String image, String fetchImage, Map<String, String> environment, StatefulSet etcd, boolean besideServingEtcd,
            long activeDeadlineSeconds, EnvironmentProxy proxy) {
        String name = phase == Phase.stage ? RollbackNames.stageJob(rollback, member) : RollbackNames.swapJob(rollback, member);
        Job job = job(name, controlPlaneNamespace, APP_LABEL_VALUE, CONTAINER, image,
                List.of("/bin/sh", "-c", phase == Phase.stage ? RestoreScript.STAGE : RestoreScript.SWAP), environment, etcd,
                "data-etcd-" + member, false, activeDeadlineSeconds);
        if (phase == Phase.stage) {
            PodSpec pod = job.getSpec().getTemplate().getSpec();
            Container restore = pod.getContainers().get(0);
            List<String> command = new java.util.ArrayList<>(javaCommand(RestoreScript.FETCH_CLASS));
            command.addAll(RestoreScript.fetchArguments());
            List<EnvVar> fetchEnv = new java.util.ArrayList<>(restore.getEnv());
            proxy.variables().forEach((variable, value) -> fetchEnv.add(new EnvVar(variable, value, null)));
            pod.getInitContainers().add(new ContainerBuilder().withName(FETCH_CONTAINER).withImage(fetchImage)
                    .withCommand(command).withEnv(fetchEnv).withVolumeMounts(restore.getVolumeMounts())
                    .withSecurityContext(restore.getSecurityContext()).build());
        }
        job.getMetadata().getLabels().put(PHASE_LABEL, phase.name());
        ofMember(job, rollback, member, besideServingEtcd);
        return job;
    }

    /**
     * The preflight's measure Job of member N's volume: {@link dev.hcprollback.rollback.restore.fetch.VolumeSpace} in the
     * sidecar's own image ({@code fetchImage}), the volume mounted read-only where the stage Job mounts it,
     * on the node of the serving member's pod; its figures are the container's termination message.
     */
    public static Job measure(ControlPlaneRollback rollback, String controlPlaneNamespace, int member, String fetchImage,
            StatefulSet etcd) {
        String name = RollbackNames.measureJob(rollback, member);
        List<String> command = new java.util.ArrayList<>(javaCommand(MEASURE_CLASS));
        command.addAll(List.of("$(DATA_DIR)", "$(WORK_DIR)", TERMINATION_MESSAGE_PATH));
        Job job = job(name, controlPlaneNamespace, MEASURE_APP_LABEL_VALUE, MEASURE_CONTAINER, fetchImage, command,
                new java.util.TreeMap<>(Map.of("DATA_DIR", RestoreScript.DATA_DIR, "WORK_DIR", RestoreScript.WORK_DIR)), etcd,
                "data-etcd-" + member, true, PROBE_DEADLINE_SECONDS);
        Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        container.setTerminationMessagePath(TERMINATION_MESSAGE_PATH);
        // a container that dies before it writes its figures still says why (its last log lines)
        container.setTerminationMessagePolicy("FallbackToLogsOnError");
        job.getSpec().getTemplate().getMetadata().getLabels().put(JOB_LABEL, name);
        ofMember(job, rollback, member, true);
        return job;
    }

    /** A plain-Java main class of the sidecar's own image, no framework started. */
    private static List<String> javaCommand(String mainClass) {
        return List.of("java", "-cp", RestoreScript.FETCH_CLASS_PATH, mainClass);
    }

    /** The labels and annotations of a Job of one member's volume, and its affinity to the serving member's node. */
    private static void ofMember(Job job, ControlPlaneRollback rollback, int member, boolean besideServingEtcd) {
        job.getMetadata().getLabels().put(RollbackNames.ROLLBACK_LABEL, rollback.getMetadata().getName());
        job.getMetadata().getAnnotations().put(RollbackRequest.PREFIX + "rollback-namespace", rollback.getMetadata().getNamespace());
        job.getMetadata().getAnnotations().put(RollbackRequest.PREFIX + "member", RestoreScript.memberName(member));
        job.getSpec().getTemplate().getMetadata().getLabels().put(RollbackNames.ROLLBACK_LABEL, rollback.getMetadata().getName());
        if (besideServingEtcd) {
            job.getSpec().getTemplate().getSpec().setAffinity(new AffinityBuilder().withNewPodAffinity()
                    .addNewRequiredDuringSchedulingIgnoredDuringExecution().withTopologyKey("kubernetes.io/hostname")
                    .withNewLabelSelector().addToMatchLabels(POD_NAME_LABEL, RestoreScript.memberName(member)).endLabelSelector()
                    .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAffinity().build());
        }
    }

    /**
     * The probe of an etcd image: {@link RestoreScript#TOOL_CHECK} in that image, no volume. Succeeds
     * when the image's restore tool can bump the revision and mark it compacted.
     */
    public static Job probe(String controlPlaneNamespace, String image, StatefulSet etcd, long bumpRevision) {
        Job job = job(RollbackNames.probeJob(image), controlPlaneNamespace, PROBE_APP_LABEL_VALUE, CONTAINER, image,
                List.of("/bin/sh", "-c", "set -eu\n" + RestoreScript.TOOL_CHECK),
                Map.of("BUMP_REVISION", Long.toString(bumpRevision)), etcd, null, false, PROBE_DEADLINE_SECONDS);
        job.getMetadata().getAnnotations().put(RollbackRequest.PREFIX + "image", image);
        // the preflight reads its pods' pull failures by this label, as a measure Job's
        job.getSpec().getTemplate().getMetadata().getLabels().put(JOB_LABEL, job.getMetadata().getName());
        return job;
    }

    private static Job job(String name, String controlPlaneNamespace, String app, String container, String image,
            List<String> command, Map<String, String> environment, StatefulSet etcd, String claim, boolean readOnly,
            long activeDeadlineSeconds) {
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
                .withName(container)
                .withImage(image)
                .withCommand(command)
                .withEnv(env)
                .withSecurityContext(etcdContainer == null ? null : etcdContainer.getSecurityContext())
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        if (claim != null) {
            PodSpec pod = job.getSpec().getTemplate().getSpec();
            pod.getContainers().get(0).getVolumeMounts().add(new VolumeMountBuilder().withName("data").withMountPath("/var/lib")
                    .withReadOnly(readOnly ? Boolean.TRUE : null).build());
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
