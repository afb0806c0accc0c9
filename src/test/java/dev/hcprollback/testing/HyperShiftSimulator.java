package dev.hcprollback.testing;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.HostedClusterStatus;
import dev.hcprollback.hypershift.ManagedEtcd;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.RestoreRecovery;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.VersionStatus;
import dev.hcprollback.rollback.etcd.EtcdMembers;
import dev.hcprollback.rollback.restore.RestoreJobs;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * Plays HyperShift, the Deployment, StatefulSet and Job controllers and the kubelet, through the API server it is
 * given, as the user of the client it is given: the fabric8 mock server for the unit tests and the demo, or a real
 * kube-apiserver ({@link KubeApiServer}) with a client of {@link TestUser#HYPERSHIFT_OPERATOR}, where every object it
 * writes passes real validation and admission. One {@link #tick()} is one round of the controllers it stands in for:
 * <ul>
 * <li>hypershift-operator: {@code spec.pausedUntil} {@code "true"} sets {@code ReconciliationActive=False}
 * (reason {@code ReconciliationPaused}), its absence sets it True; while not paused, a new
 * {@code spec.release.image} becomes {@code status.version.desired} and a {@code Partial} history entry,
 * which the next tick completes (the same for {@code status.controlPlaneVersion}); unless its own release-change
 * check refuses the payload ({@link ReleaseChangeCheck}: {@code force-upgrade-to} naming another image while
 * {@code ClusterVersionUpgradeable} is not True, ...): then {@code Progressing=False}, reason {@code Blocked}, and
 * nothing else of the cluster is reconciled; while {@code restored-from-backup} is set and the cluster is not paused,
 * the post-restore recovery ({@link RestoreRecovery}): the annotation mirrored to the HostedControlPlane (held here,
 * not as an object), the config operator's condition there False, then True, copied to the HostedCluster a round
 * later, then the annotation removed; a True left by an earlier restore is copied at once;</li>
 * <li>Deployment/StatefulSet controllers and kubelet: pods (of the workload's pod template) are created or deleted to
 * match {@code spec.replicas} and reported running and ready, and the workload's status reports them;</li>
 * <li>Job controller: a restore Job (stage or swap) "runs": it is marked succeeded, or failed for members
 * the test names or for a stage Job without its fetch container (which would find no verified snapshot); a probe Job of an etcd image succeeds unless the test names the image as one whose
 * restore tool lacks {@code --bump-revision}; a measure Job of a member's volume succeeds with a pod whose
 * termination message is {@link #volumeReport} of that member; the Job's status is the one the Job controller writes
 * ({@code SuccessCriteriaMet} before {@code Complete}, {@code FailureTarget} before {@code Failed});</li>
 * <li>etcd: {@code EtcdAvailable} is True when every etcd member is ready, False otherwise; its members
 * answer {@link #etcdMembers} while they run (one cluster ID, a db size, a revision that jumps by the
 * bump once every member is swapped).</li>
 * </ul>
 * Every status it writes is computed from what it read and sent with that read's resourceVersion: when another
 * writer (the sidecar) came in between, the API server answers 409 and the simulator reads again and computes again,
 * as a controller does ({@link #conflictsRetried} counts them). What the simulator cannot show: real scheduling,
 * volumes and the etcd data a restore Job writes (the fetch container and the restore script are run for real in
 * {@code FetchSnapshotTest}, {@code RestoreScriptTest} and, through {@link #jobRunner}, the demo and the real-API-server
 * rollback test), garbage collection, and the hypershift-operator's own timing. Knobs let a test make one part
 * misbehave to reach a failure.
 */
public class HyperShiftSimulator {

    public static final String ETCD_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "e".repeat(64);
    /** The etcd of an older payload (etcd 3.5.14 here), for the rollbacks that take etcd's version back. */
    public static final String OLDER_ETCD_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + "d".repeat(64);
    /** The PriorityClass HyperShift installs for etcd: a real API server admits no pod naming a missing one. */
    public static final String ETCD_PRIORITY_CLASS = "hypershift-etcd";

    /** A write that loses this many races in a row fails its round; the next round reads afresh, as a controller requeues. */
    private static final int CONFLICT_ATTEMPTS = 10;
    private static final ResourceDefinitionContext HOSTED_CLUSTERS = ResourceDefinitionContext.fromResourceType(HostedCluster.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;

    /** False: the operator ignores pausedUntil (a stuck hypershift-operator). */
    public volatile boolean honourPause = true;
    /** Pods of these workloads never go (a stuck kubelet, a finalizer). */
    public final Set<String> stuckPods = new HashSet<>();
    /** Members whose stage Job fails (before the point of no return). */
    public final Set<Integer> failingStageMembers = new HashSet<>();
    /** Members whose swap Job fails (after the point of no return). */
    public final Set<Integer> failingSwapMembers = new HashSet<>();
    /**
     * Images no node can pull: a probe or measure Job running one never finishes, its pod waits in
     * {@code ImagePullBackOff} as the kubelet reports it (until the Job's deadline, which nothing here enforces).
     */
    public final Set<String> unpullableImages = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** etcd images whose restore tool lacks {@code --bump-revision}: their probe Job fails. */
    public final Set<String> imagesWithoutBump = new HashSet<>();
    /** The size of each etcd member's volume ({@code data-etcd-N}), as HyperShift requests it (its default 8Gi). */
    public volatile String etcdVolumeSize = "8Gi";
    /** The StorageClass of etcd's volumes (HostedCluster {@code spec.etcd.managed.storage}); none by default. */
    public volatile String etcdStorageClass;
    /** Each member's db size as etcd reports it, bytes. */
    public volatile long etcdDbSizeBytes = 100L << 20;
    /** What each member's WAL and snap files hold beside its db, bytes: what etcd's db size does not count. */
    public volatile long etcdWalAndSnapBytes = 64L << 20;
    /**
     * What member N's measure Job reports (its container's termination message); null: the Job fails. By default
     * a volume of {@link #etcdVolumeSize} holding the db and the WAL and snap files, and nothing else.
     */
    public volatile java.util.function.IntFunction<String> volumeReport = member -> {
        long size = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
                new io.fabric8.kubernetes.api.model.Quantity(etcdVolumeSize)).longValue();
        long data = etcdDbSizeBytes + etcdWalAndSnapBytes;
        return new dev.hcprollback.rollback.restore.fetch.VolumeSpace(size, data, size - data, data, etcdDbSizeBytes, 0).report();
    };
    /**
     * What member N of etcd StatefulSet {@code set} ({@code etcd}, {@code etcd-<shard>}) reports to its measure Job;
     * by default {@link #volumeReport} of that member, whichever etcd it belongs to.
     */
    public volatile java.util.function.BiFunction<String, Integer, String> volumeReportOf =
            (set, member) -> volumeReport.apply(member);
    /** etcd's revision; a completed swap sets it to the restored snapshot's revision plus the Job's bump, as etcdutl does. */
    public volatile long etcdRevision = 123_500L;
    /** The revision of the snapshot the restore Jobs restore (the fixtures' verified snapshot records this one). */
    public volatile long snapshotRevision = 123_456L;
    /** The revision each etcd shard on PersistentVolumes is at when created. */
    public volatile long shardRevision = 5_100L;
    /** The revision of each shard's snapshot in the set the restore Jobs restore (the fixtures' sets record it). */
    public volatile long shardSnapshotRevision = 5_000L;
    /**
     * Each shard's revision by StatefulSet ({@code etcd-<name>}): a completed swap of one of its members sets it to
     * {@link #shardSnapshotRevision} plus the Job's bump; an EmptyDir shard whose pods all went starts again at 1.
     */
    public final Map<String, Long> shardRevisions = new java.util.concurrent.ConcurrentHashMap<>();
    /** The EmptyDir shards (StatefulSets) whose pods all went at some point: their data went with them. */
    public final Set<String> emptiedShards = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Set<String> emptyDirSets = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** A member (index) that reports another cluster ID once etcd runs again (a member that kept old data); -1: none. */
    public volatile int memberWithOtherClusterId = -1;
    /** The images the etcd StatefulSet ran, in order: a rollback that changes etcd's version shows here. */
    public final List<String> etcdImagesRun = new ArrayList<>();
    /** False: etcd members never become ready after the restore. */
    public volatile boolean etcdBecomesReady = true;
    /** False: a rollout of a new payload never completes. */
    public volatile boolean completeRollouts = true;
    /** False: restore Jobs (stage, swap) are left running; probe Jobs still run. */
    public volatile boolean runJobs = true;
    /** What running a restore Job does; true for success. By default nothing runs: the Job just succeeds. */
    public volatile java.util.function.Predicate<Job> jobRunner = job -> true;
    /**
     * Conditions the control plane reports besides those played here, by type ({@code Degraded} to
     * {@code True}): what a broken update shows. Removed types are left as last set.
     */
    public final Map<String, String> reportedConditions = new java.util.concurrent.ConcurrentHashMap<>();
    /** False: the post-restore recovery never finishes ({@code HostedClusterRestoredFromBackup} stays False). */
    public volatile boolean recoverAfterRestore = true;
    /** Rounds in which the post-restore recovery ran and had not finished. */
    public final AtomicInteger recoveryRounds = new AtomicInteger();
    /** Each control plane's HostedControlPlane: {@code HostedClusterRestoredFromBackup} as its config operator set it. */
    private final Map<String, Condition> controlPlaneRecovery = new java.util.concurrent.ConcurrentHashMap<>();
    /** Each control plane's HostedControlPlane: whether it carries the mirrored {@code restored-from-backup}. */
    private final Map<String, Boolean> controlPlaneAnnotated = new java.util.concurrent.ConcurrentHashMap<>();
    /** Passes of the config operator's recovery since the annotation reached the HostedControlPlane. */
    private final Map<String, Integer> recoveryPasses = new java.util.concurrent.ConcurrentHashMap<>();
    /** Rounds in which the operator's release-change check refused the spec's payload (reconciliation blocked). */
    public final AtomicInteger refusedReleaseChanges = new AtomicInteger();
    /** Names of the restore Jobs this simulator "ran" (marked finished). */
    public final List<String> ranJobs = new ArrayList<>();
    /** Writes the API server refused with 409 because another writer came first, and that were read and made again. */
    public final AtomicInteger conflictsRetried = new AtomicInteger();

    private static final Map<String, HyperShiftSimulator> BY_CONTROL_PLANE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The simulator that created a control-plane namespace: for a sidecar under test that reads etcd by namespace. */
    public static HyperShiftSimulator of(String controlPlaneNamespace) {
        HyperShiftSimulator simulator = BY_CONTROL_PLANE.get(controlPlaneNamespace);
        if (simulator == null) {
            throw new IllegalStateException("no simulated control plane " + controlPlaneNamespace);
        }
        return simulator;
    }

    /**
     * @param client what HyperShift acts through: on a real API server, a client of {@link TestUser#HYPERSHIFT_OPERATOR}
     * @param namespace where the HostedClusters it reconciles live
     * @param clock the time it writes into statuses: a test's hand-moved clock, or the system's beside a running sidecar
     */
    public HyperShiftSimulator(KubernetesClient client, String namespace, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
    }

    /** The control plane of a highly available cluster, as HyperShift creates it (with etcd's volumes). */
    public void createControlPlane(HostedCluster cluster, Map<String, Integer> deployments, int etcdMembers) {
        String cp = cluster.controlPlaneNamespace();
        BY_CONTROL_PLANE.put(cp, this);
        createIfAbsent(new NamespaceBuilder().withNewMetadata().withName(cp).endMetadata().build());
        // installed with the operator, once per management cluster (value as HyperShift's)
        createIfAbsent(new PriorityClassBuilder().withNewMetadata().withName(ETCD_PRIORITY_CLASS).endMetadata()
                .withValue(100002000).withDescription("etcd of hosted control planes").build());
        deployments.forEach((name, replicas) -> client.resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(cp).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName(name).withImage("quay.io/example/" + name).endContainer().endSpec()
                .endTemplate().endSpec().build()).create());
        for (int member = 0; member < etcdMembers; member++) {
            client.resource(new PersistentVolumeClaimBuilder().withNewMetadata()
                    .withName("data-etcd-" + member).withNamespace(cp).addToLabels("app", "etcd").endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(etcdStorageClass).withNewResources()
                    .addToRequests("storage", new Quantity(etcdVolumeSize)).endResources()
                    .endSpec().build()).create();
        }
        client.resource(new StatefulSetBuilder()
                .withNewMetadata().withName("etcd").withNamespace(cp).addToLabels("app", "etcd").endMetadata()
                .withNewSpec().withReplicas(etcdMembers).withServiceName("etcd-discovery")
                .withPodManagementPolicy("Parallel")
                .withNewSelector().addToMatchLabels("app", "etcd").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "etcd").endMetadata()
                .withNewSpec().withPriorityClassName(ETCD_PRIORITY_CLASS)
                .addNewContainer().withName("etcd").withImage(ETCD_IMAGE).endContainer()
                .addNewContainer().withName("healthz").withImage("quay.io/example/healthz").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        for (ManagedEtcd.Shard shard : cluster.etcdShards()) {
            createShard(cp, new EtcdCluster(shard));
        }
        tick();
    }

    /**
     * An etcd shard as the control-plane operator runs it (v2/etcd/shard.go): StatefulSet {@code etcd-<name>} of the
     * shard's replicas behind {@code etcd-discovery-<name>}, its pods labelled {@code app: etcd-<name>}; on
     * PersistentVolumes a claim {@code data-etcd-<name>-N} per member, else a memory-backed EmptyDir {@code data}.
     */
    private void createShard(String cp, EtcdCluster shard) {
        int members = shard.declaredMembers(1);
        if (shard.persistent()) {
            for (int member = 0; member < members; member++) {
                client.resource(new PersistentVolumeClaimBuilder().withNewMetadata()
                        .withName(shard.claim(member)).withNamespace(cp).addToLabels("app", shard.statefulSet()).endMetadata()
                        .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(etcdStorageClass).withNewResources()
                        .addToRequests("storage", new Quantity(etcdVolumeSize)).endResources()
                        .endSpec().build()).create();
            }
        } else {
            emptyDirSets.add(shard.statefulSet());
        }
        shardRevisions.put(shard.statefulSet(), shard.persistent() ? shardRevision : 1L);
        var spec = new StatefulSetBuilder()
                .withNewMetadata().withName(shard.statefulSet()).withNamespace(cp).addToLabels("app", shard.statefulSet())
                .endMetadata()
                .withNewSpec().withReplicas(members).withServiceName(shard.discoveryService())
                .withPodManagementPolicy("Parallel")
                .withNewSelector().addToMatchLabels("app", shard.statefulSet()).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", shard.statefulSet()).endMetadata()
                .withNewSpec().withPriorityClassName(ETCD_PRIORITY_CLASS)
                .addNewContainer().withName("etcd").withImage(ETCD_IMAGE).endContainer();
        if (!shard.persistent()) {
            spec = spec.addNewVolume().withName("data").withNewEmptyDir().withMedium("Memory").endEmptyDir().endVolume();
        }
        client.resource(spec.endSpec().endTemplate().endSpec().build()).create();
    }

    /**
     * Reports {@code cluster.status} as HyperShift does, on the status subresource, guarded by the cluster's
     * resourceVersion; returns the cluster as stored.
     */
    public HostedCluster reportStatus(HostedCluster cluster) {
        GenericKubernetesResource stored = client.genericKubernetesResources(HOSTED_CLUSTERS)
                .inNamespace(cluster.getMetadata().getNamespace()).resource(asHyperShiftWritesIt(cluster)).updateStatus();
        return client.getKubernetesSerialization().convertValue(stored, HostedCluster.class);
    }

    /** One round of every controller this simulator plays. */
    public synchronized void tick() {
        for (HostedCluster cluster : client.resources(HostedCluster.class).inNamespace(namespace).list().getItems()) {
            String cp = cluster.controlPlaneNamespace();
            for (Deployment deployment : client.apps().deployments().inNamespace(cp).list().getItems()) {
                reconcileDeployment(deployment);
            }
            int etcdReady = 0;
            int etcdWanted = 0;
            for (StatefulSet set : client.apps().statefulSets().inNamespace(cp).list().getItems()) {
                int[] counts = reconcileStatefulSet(set);
                if ("etcd".equals(set.getMetadata().getName())) {
                    String image = set.getSpec().getTemplate().getSpec().getContainers().stream()
                            .filter(c -> "etcd".equals(c.getName())).findFirst().map(c -> c.getImage()).orElse(null);
                    if (counts[0] > 0 && (etcdImagesRun.isEmpty() || !etcdImagesRun.get(etcdImagesRun.size() - 1).equals(image))) {
                        etcdImagesRun.add(image);
                    }
                    etcdReady = counts[0];
                    etcdWanted = counts[1];
                }
            }
            for (Job job : client.batch().v1().jobs().inNamespace(cp).withLabel("app", RestoreJobs.APP_LABEL_VALUE).list()
                    .getItems()) {
                runJob(job);
            }
            for (Job job : client.batch().v1().jobs().inNamespace(cp).withLabel("app", RestoreJobs.PROBE_APP_LABEL_VALUE)
                    .list().getItems()) {
                if (!finished(job) && !pullFails(job)) {
                    finish(job, imagesWithoutBump.contains(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()));
                }
            }
            for (Job job : client.batch().v1().jobs().inNamespace(cp).withLabel("app", RestoreJobs.MEASURE_APP_LABEL_VALUE)
                    .list().getItems()) {
                if ((job.getStatus() == null || job.getStatus().getConditions() == null
                        || job.getStatus().getConditions().isEmpty()) && !pullFails(job)) {
                    measure(job);
                }
            }
            boolean quorum = etcdWanted > 0 && etcdReady >= etcdWanted;
            writeStatus(cluster, fresh -> {
                JsonNode before = client.getKubernetesSerialization().convertValue(fresh.getStatus(), JsonNode.class);
                reconcileCluster(fresh, quorum);
                if (!Objects.equals(before, client.getKubernetesSerialization().convertValue(fresh.getStatus(), JsonNode.class))) {
                    reportStatus(fresh);
                }
            });
            removeRecoveredAnnotation(cluster);
            hostedClusterConfigOperator(cluster);
        }
    }

    private void reconcileDeployment(Deployment deployment) {
        int have = matchPods(deployment.getMetadata(), deployment.getSpec().getSelector().getMatchLabels(),
                deployment.getSpec().getTemplate(), Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1));
        writeStatus(deployment, fresh -> {
            if (fresh.getStatus() == null || !Objects.equals(fresh.getStatus().getReplicas(), have)) {
                fresh.setStatus(new DeploymentStatusBuilder().withReplicas(have).withReadyReplicas(have)
                        .withAvailableReplicas(have).withUpdatedReplicas(have).build());
                client.resource(fresh).updateStatus();
            }
        });
    }

    /** Returns {ready, wanted}. */
    private int[] reconcileStatefulSet(StatefulSet set) {
        String name = set.getMetadata().getName();
        int wanted = Objects.requireNonNullElse(set.getSpec().getReplicas(), 1);
        int have = matchPods(set.getMetadata(), set.getSpec().getSelector().getMatchLabels(), set.getSpec().getTemplate(),
                wanted);
        int ready = "etcd".equals(name) && !etcdBecomesReady ? 0 : have;
        if (have == 0 && emptyDirSets.contains(name)) {
            // memory-backed: the data went with the last pod
            emptiedShards.add(name);
            shardRevisions.put(name, 1L);
        }
        writeStatus(set, fresh -> {
            if (fresh.getStatus() == null || !Objects.equals(fresh.getStatus().getReplicas(), have)
                    || !Objects.equals(fresh.getStatus().getReadyReplicas(), ready)) {
                fresh.setStatus(new StatefulSetStatusBuilder().withReplicas(have).withReadyReplicas(ready)
                        .withAvailableReplicas(ready).build());
                client.resource(fresh).updateStatus();
            }
        });
        return new int[] { ready, wanted };
    }

    /**
     * Creates pods {@code <name>-<i>} of the workload's template until {@code wanted} exist, reported running as the
     * kubelet would, or deletes those beyond; stuck workloads keep theirs. Nothing schedules them (no node name), so
     * a real API server deletes them at once.
     */
    private int matchPods(io.fabric8.kubernetes.api.model.ObjectMeta workload, Map<String, String> selector,
            PodTemplateSpec template, int wanted) {
        String ns = workload.getNamespace();
        String name = workload.getName();
        List<Pod> pods = client.pods().inNamespace(ns).withLabels(selector).list().getItems();
        int have = pods.size();
        if (have > wanted && !stuckPods.contains(name)) {
            for (Pod pod : pods) {
                int index = Integer.parseInt(pod.getMetadata().getName().substring(name.length() + 1));
                if (index >= wanted) {
                    client.resource(pod).delete();
                    have--;
                }
            }
        }
        for (int i = 0; i < wanted; i++) {
            String podName = name + "-" + i;
            if (pods.stream().noneMatch(p -> p.getMetadata().getName().equals(podName))) {
                Pod created = client.resource(new PodBuilder().withNewMetadata().withName(podName).withNamespace(ns)
                        .withLabels(template.getMetadata().getLabels()).endMetadata()
                        .withSpec(new PodSpecBuilder(template.getSpec()).build()).build()).create();
                reportRunning(created);
                have++;
            }
        }
        return have;
    }

    /** The kubelet's report of a pod it started: running, every container started and ready. */
    private void reportRunning(Pod pod) {
        String now = Timestamps.format(clock.instant());
        List<ContainerStatus> containers = pod.getSpec().getContainers().stream().map((Container c) -> new ContainerStatusBuilder()
                .withName(c.getName()).withImage(c.getImage()).withImageID("").withReady(true).withStarted(true)
                .withRestartCount(0).withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build())
                .toList();
        writeStatus(pod, fresh -> {
            fresh.setStatus(new PodStatusBuilder().withPhase("Running").withStartTime(now)
                    .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(now).endCondition()
                    .addNewCondition().withType("ContainersReady").withStatus("True").withLastTransitionTime(now).endCondition()
                    .withContainerStatuses(containers).build());
            client.resource(fresh).updateStatus();
        });
    }

    private void runJob(Job job) {
        if (!runJobs || finished(job)) {
            return;
        }
        String name = job.getMetadata().getName();
        int member = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
        String set = statefulSetOf(job);
        boolean swap = "swap".equals(job.getMetadata().getLabels().get(RestoreJobs.PHASE_LABEL));
        // a stage Job without its fetch container finds no verified snapshot and exits 11, as the script does
        boolean fetches = swap || job.getSpec().getTemplate().getSpec().getInitContainers().stream()
                .anyMatch(c -> RestoreJobs.FETCH_CONTAINER.equals(c.getName()) && c.getImage() != null);
        boolean fails = "etcd".equals(set) && (swap ? failingSwapMembers : failingStageMembers).contains(member)
                || !fetches || !jobRunner.test(job);
        finish(job, fails);
        ranJobs.add(name);
        if (swap && !fails) {
            long bump = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> "BUMP_REVISION".equals(e.getName())).map(e -> Long.parseLong(e.getValue())).findFirst()
                    .orElse(0L);
            if (swapped.add(set)) {
                if ("etcd".equals(set)) {
                    etcdRevision = snapshotRevision + bump;
                } else {
                    shardRevisions.put(set, shardSnapshotRevision + bump);
                }
            }
        }
    }

    /** The etcd StatefulSet whose member's volume a restore or measure Job mounts, as its annotation says. */
    public static String statefulSetOf(Job job) {
        return Objects.requireNonNullElse(job.getMetadata().getAnnotations().get(RollbackRequest.PREFIX + "statefulset"),
                "etcd");
    }

    /** The etcd StatefulSets one of whose members was swapped: the first swap sets the restored revision. */
    private final Set<String> swapped = new HashSet<>();

    /**
     * Whether the Job's container image is {@link #unpullableImages unpullable}; if so, its pod ({@code <job>-pull})
     * is there, Pending, its container waiting with the kubelet's {@code ImagePullBackOff}.
     */
    private boolean pullFails(Job job) {
        Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        if (!unpullableImages.contains(container.getImage())) {
            return false;
        }
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName() + "-pull";
        if (client.pods().inNamespace(ns).withName(name).get() == null) {
            Pod pod = client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                    .withLabels(job.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                    .withSpec(job.getSpec().getTemplate().getSpec()).build()).create();
            pod.setStatus(new PodStatusBuilder().withPhase("Pending")
                    .addNewContainerStatus().withName(container.getName()).withImage(container.getImage()).withImageID("")
                    .withReady(false).withRestartCount(0).withNewState().withNewWaiting().withReason("ImagePullBackOff")
                    .withMessage("Back-off pulling image \"" + container.getImage() + "\": ErrImagePull: failed to pull and "
                            + "unpack image: not found")
                    .endWaiting().endState().endContainerStatus().build());
            client.resource(pod).updateStatus();
        }
        return true;
    }

    /** A measure Job's pod, finished with {@link #volumeReport} as its container's termination message. */
    private void measure(Job job) {
        String name = job.getMetadata().getName();
        String report = volumeReportOf.apply(statefulSetOf(job), Integer.parseInt(name.substring(name.lastIndexOf('-') + 1)));
        boolean reported = client.pods().inNamespace(job.getMetadata().getNamespace()).withName(name + "-measured").get() != null;
        if (report != null && !report.isEmpty() && !reported) {
            Pod pod = client.resource(new PodBuilder().withNewMetadata().withName(name + "-measured")
                    .withNamespace(job.getMetadata().getNamespace())
                    .withLabels(job.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                    .withSpec(job.getSpec().getTemplate().getSpec()).build()).create();
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Succeeded")
                    .addNewContainerStatus().withName(RestoreJobs.MEASURE_CONTAINER)
                    .withImage(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).withImageID("")
                    .withReady(false).withRestartCount(0).withNewState().withNewTerminated()
                    .withExitCode(0).withReason("Completed").withMessage(report).endTerminated().endState()
                    .endContainerStatus().build());
            client.resource(pod).updateStatus();
        }
        finish(job, report == null);
    }

    /**
     * etcd's members as their Maintenance Status reports them, while etcd runs: {@code etcd-N} for each
     * ready replica, one cluster ID (but for {@link #memberWithOtherClusterId}), {@link #etcdDbSizeBytes},
     * {@link #etcdRevision}, and the version of the image the StatefulSet runs.
     */
    public EtcdMembers etcdMembers(String controlPlaneNamespace) {
        return etcdMembers(controlPlaneNamespace, EtcdCluster.DEFAULT);
    }

    /**
     * The members of one etcd of the control plane: as {@link #etcdMembers(String)} for the default etcd; a shard's
     * are {@code etcd-<name>-N}, at its revision in {@link #shardRevisions}.
     */
    public EtcdMembers etcdMembers(String controlPlaneNamespace, EtcdCluster etcd) {
        StatefulSet set = client.apps().statefulSets().inNamespace(controlPlaneNamespace).withName(etcd.statefulSet()).get();
        int ready = set == null || set.getStatus() == null || set.getStatus().getReadyReplicas() == null ? 0
                : set.getStatus().getReadyReplicas();
        if (ready == 0) {
            throw new IllegalStateException("connection refused: " + etcd.clientService() + "." + controlPlaneNamespace
                    + ".svc:2379");
        }
        if (!etcd.isDefault()) {
            long revision = shardRevisions.getOrDefault(etcd.statefulSet(), 0L);
            return new EtcdMembers(java.util.stream.IntStream.range(0, ready).mapToObj(i -> new EtcdMembers.Member(
                    etcd.memberName(i), 0x5ba4dL, etcdDbSizeBytes, revision, "3.5.16")).toList());
        }
        String image = set.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> "etcd".equals(c.getName()))
                .findFirst().map(c -> c.getImage()).orElse("");
        List<EtcdMembers.Member> members = new ArrayList<>();
        for (int i = 0; i < ready; i++) {
            members.add(new EtcdMembers.Member("etcd-" + i, i == memberWithOtherClusterId ? 0xbadL : 0xc1a5L,
                    etcdDbSizeBytes, etcdRevision, image.equals(OLDER_ETCD_IMAGE) ? "3.5.14" : "3.5.16"));
        }
        return new EtcdMembers(members);
    }

    private static boolean finished(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && !job.getStatus().getConditions().isEmpty();
    }

    /**
     * The Job controller's last word on a Job whose one pod ended: a real API server refuses {@code Complete}
     * without {@code SuccessCriteriaMet}, {@code Failed} without {@code FailureTarget}, and a completion before the
     * start.
     */
    private void finish(Job job, boolean fails) {
        String now = Timestamps.format(clock.instant());
        String reason = fails ? "BackoffLimitExceeded" : "CompletionsReached";
        writeStatus(job, fresh -> {
            if (finished(fresh)) {
                return;
            }
            fresh.setStatus(new JobStatusBuilder().withStartTime(now)
                    .withSucceeded(fails ? 0 : 1).withFailed(fails ? 1 : 0).withActive(0)
                    .withCompletionTime(fails ? null : now)
                    .withConditions(new JobConditionBuilder().withType(fails ? "FailureTarget" : "SuccessCriteriaMet")
                            .withStatus("True").withReason(reason).withLastTransitionTime(now).build(),
                            new JobConditionBuilder().withType(fails ? "Failed" : "Complete").withStatus("True")
                                    .withReason(reason).withLastTransitionTime(now).build())
                    .build());
            client.resource(fresh).updateStatus();
        });
    }

    private void reconcileCluster(HostedCluster cluster, boolean etcdQuorum) {
        HostedClusterStatus status = cluster.getStatus() == null ? new HostedClusterStatus() : cluster.getStatus();
        cluster.setStatus(status);
        boolean paused = honourPause && cluster.getSpec().getPausedUntil() != null;
        String now = Timestamps.format(clock.instant());
        setCondition(status, "ReconciliationActive", paused ? "False" : "True",
                paused ? "ReconciliationPaused" : "AsExpected", now);
        setCondition(status, "EtcdAvailable", etcdQuorum ? "True" : "False",
                etcdQuorum ? "QuorumAvailable" : "EtcdWaitingForQuorum", now);
        reportedConditions.forEach((type, value) -> setCondition(status, type, value, "Reported", now));
        // the operator's own check of a release change, computed (and reported) before it looks at the pause
        Optional<String> refusal = ReleaseChangeCheck.refusal(cluster, PayloadImage.of(ReleaseChangeCheck
                .controlPlaneImage(cluster.getSpec())).flatMap(PayloadImage::versionFromTag));
        if (refusal.isPresent()) {
            setCondition(status, "Progressing", "False", ReleaseChangeCheck.BLOCKED,
                    "ClusterVersionUpgradeable condition is false: " + refusal.get(), now);
            refusedReleaseChanges.incrementAndGet();
            return;
        }
        if (!paused) {
            copyRecovery(cluster, now);
            rollOut(status.getVersion(), cluster.getSpec().getRelease().getImage(), now);
            String cp = cluster.getSpec().getControlPlaneRelease() != null
                    ? cluster.getSpec().getControlPlaneRelease().getImage()
                    : cluster.getSpec().getRelease().getImage();
            rollOut(status.getControlPlaneVersion(), cp, now);
            boolean settled = status.getVersion() == null || status.getVersion().getHistory().isEmpty()
                    || status.getVersion().getHistory().get(0).isCompleted();
            setCondition(status, "Progressing", settled ? "False" : "True", settled ? "AsExpected" : "Rolling", now);
        }
    }

    /**
     * The hypershift-operator's part of the post-restore recovery ({@link RestoreRecovery}), as
     * {@code reconcileRestoredFromBackupWithStatus} at 3ee9615: it mirrors the annotation to the HostedControlPlane
     * and, while the HostedCluster carries it, copies the HostedControlPlane's condition to it ({@code Unknown} when
     * there is none, the old status kept over an {@code Unknown}); a status change takes the copied transition time.
     * The copy is of the HostedControlPlane as it was before this round's hosted cluster config operator pass: a True
     * left there by an earlier restore is copied at once. Removing the annotation once the copy is True is
     * {@link #removeRecoveredAnnotation}'s, a write of metadata of its own.
     */
    private void copyRecovery(HostedCluster cluster, String now) {
        String cp = cluster.controlPlaneNamespace();
        boolean annotated = cluster.getMetadata().getAnnotations() != null
                && cluster.getMetadata().getAnnotations().get(RestoreRecovery.ANNOTATION) != null;
        controlPlaneAnnotated.put(cp, annotated);
        if (!annotated) {
            return;
        }
        HostedClusterStatus status = cluster.getStatus();
        Condition fresh = controlPlaneRecovery.get(cp);
        fresh = fresh == null ? new ConditionBuilder().withType(RestoreRecovery.CONDITION).withStatus("Unknown")
                .withReason(RestoreRecovery.REASON).withMessage("").build() : new ConditionBuilder(fresh).build();
        Condition old = status.condition(RestoreRecovery.CONDITION).orElse(null);
        if (old != null && "Unknown".equals(fresh.getStatus())) {
            fresh.setStatus(old.getStatus());
        }
        String since = old != null && old.getStatus().equals(fresh.getStatus()) ? old.getLastTransitionTime()
                : fresh.getLastTransitionTime() != null ? fresh.getLastTransitionTime() : now;
        status.getConditions().removeIf(c -> RestoreRecovery.CONDITION.equals(c.getType()));
        status.getConditions().add(new ConditionBuilder(fresh).withLastTransitionTime(since).build());
    }

    /**
     * The hosted cluster config operator's recovery while the HostedControlPlane carries the annotation
     * ({@code reconcileClusterRecovery}): its condition on the HostedControlPlane False ("not finished yet") at the
     * first pass, True at the next unless {@link #recoverAfterRestore} is off; the transition time moves only with
     * the status (metav1's SetStatusCondition), so a True left by an earlier restore keeps its old time.
     */
    private void hostedClusterConfigOperator(HostedCluster cluster) {
        String cp = cluster.controlPlaneNamespace();
        if (!controlPlaneAnnotated.getOrDefault(cp, false)) {
            recoveryPasses.remove(cp);
            return;
        }
        boolean finished = recoveryPasses.merge(cp, 1, Integer::sum) > 1 && recoverAfterRestore;
        if (!finished) {
            recoveryRounds.incrementAndGet();
        }
        String value = finished ? "True" : "False";
        Condition old = controlPlaneRecovery.get(cp);
        String since = old != null && value.equals(old.getStatus()) ? old.getLastTransitionTime()
                : Timestamps.format(clock.instant());
        controlPlaneRecovery.put(cp, new ConditionBuilder().withType(RestoreRecovery.CONDITION).withStatus(value)
                .withReason(RestoreRecovery.REASON).withMessage(finished ? "Hosted cluster recovery finished"
                        : "Hosted cluster recovery not finished yet").withLastTransitionTime(since).build());
    }

    /**
     * The cluster was restored from a backup once before, at {@code when}: HyperShift's recovery then finished and,
     * as HyperShift never removes the condition, both the HostedCluster and its HostedControlPlane still carry
     * {@code HostedClusterRestoredFromBackup=True} from then.
     */
    public void restoredBefore(HostedCluster cluster, java.time.Instant when) {
        Condition left = new ConditionBuilder().withType(RestoreRecovery.CONDITION).withStatus("True")
                .withReason(RestoreRecovery.REASON).withMessage("Hosted cluster recovery finished")
                .withLastTransitionTime(Timestamps.format(when)).build();
        controlPlaneRecovery.put(cluster.controlPlaneNamespace(), left);
        writeStatus(cluster, fresh -> {
            fresh.getStatus().getConditions().removeIf(c -> RestoreRecovery.CONDITION.equals(c.getType()));
            fresh.getStatus().getConditions().add(new ConditionBuilder(left).build());
            reportStatus(fresh);
        });
    }

    /** The hypershift-operator removes the annotation once the condition it copied is True. */
    private void removeRecoveredAnnotation(HostedCluster cluster) {
        HostedCluster current = client.resources(HostedCluster.class).inNamespace(cluster.getMetadata().getNamespace())
                .withName(cluster.getMetadata().getName()).get();
        if (current == null || current.getMetadata().getAnnotations() == null
                || current.getMetadata().getAnnotations().get(RestoreRecovery.ANNOTATION) == null
                || current.getStatus() == null || !current.getStatus().isConditionTrue(RestoreRecovery.CONDITION)) {
            return;
        }
        // an update of the object as read, as the operator's client.Update: refused (409) if anyone wrote since
        current.getMetadata().getAnnotations().remove(RestoreRecovery.ANNOTATION);
        try {
            client.resource(current).update();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // another writer came first: the next round looks again
            conflictsRetried.incrementAndGet();
        }
    }

    /** A new image: desired and a Partial entry; the next tick (if rollouts complete) marks it Completed. */
    private void rollOut(VersionStatus version, String image, String now) {
        if (version == null || image == null) {
            return;
        }
        List<UpdateHistory> history = version.getHistory();
        UpdateHistory newest = history.isEmpty() ? null : history.get(0);
        if (newest == null || !image.equals(newest.getImage())) {
            String tag = image.substring(image.lastIndexOf(':') + 1);
            String versionText = tag.contains("-") ? tag.substring(0, tag.indexOf('-')) : tag;
            UpdateHistory entry = new UpdateHistory(UpdateHistory.PARTIAL, versionText, image, now, null);
            entry.setVerified(true);
            history.add(0, entry);
            UpdateHistory desired = new UpdateHistory();
            desired.setImage(image);
            desired.setVersion(versionText);
            version.setDesired(desired);
        } else if (!newest.isCompleted() && completeRollouts) {
            newest.setState(UpdateHistory.COMPLETED);
            newest.setCompletionTime(now);
        }
    }

    private static void setCondition(HostedClusterStatus status, String type, String value, String reason, String now) {
        Condition existing = status.condition(type).orElse(null);
        if (existing != null && value.equals(existing.getStatus())) {
            return;
        }
        setCondition(status, type, value, reason, "", now);
    }

    /** As metav1's SetStatusCondition: reason and message follow, the transition time moves only with the status. */
    private static void setCondition(HostedClusterStatus status, String type, String value, String reason, String message,
            String now) {
        Condition existing = status.condition(type).orElse(null);
        if (existing != null && value.equals(existing.getStatus()) && reason.equals(existing.getReason())
                && message.equals(existing.getMessage())) {
            return;
        }
        String since = existing != null && value.equals(existing.getStatus()) ? existing.getLastTransitionTime() : now;
        status.getConditions().removeIf(c -> type.equals(c.getType()));
        status.getConditions().add(new ConditionBuilder().withType(type).withStatus(value).withReason(reason)
                .withMessage(message).withLastTransitionTime(since).build());
    }

    /**
     * The cluster as HyperShift's Go types serialize it: a history entry's {@code completionTime} and the version's
     * {@code availableUpdates} are written even when null (no {@code omitempty}), and HyperShift's CRD requires them;
     * the project's model leaves nulls out, so they are put back here.
     */
    private GenericKubernetesResource asHyperShiftWritesIt(HostedCluster cluster) {
        ObjectNode tree = client.getKubernetesSerialization().convertValue(cluster, ObjectNode.class);
        for (String field : List.of("version", "controlPlaneVersion")) {
            JsonNode version = tree.path("status").path(field);
            if (!version.isObject()) {
                continue;
            }
            for (JsonNode entry : version.path("history")) {
                if (!entry.has("completionTime")) {
                    ((ObjectNode) entry).putNull("completionTime");
                }
            }
            if ("version".equals(field)) {
                if (!version.has("availableUpdates")) {
                    ((ObjectNode) version).putNull("availableUpdates");
                }
                if (!version.has("observedGeneration")) {
                    ((ObjectNode) version).put("observedGeneration", Objects.requireNonNullElse(
                            cluster.getMetadata().getGeneration(), 1L));
                }
            }
        }
        return client.getKubernetesSerialization().convertValue(tree, GenericKubernetesResource.class);
    }

    /**
     * A status write as a controller makes it: {@code write} computes from the object as last read and sends it with
     * that read's resourceVersion. When another writer came in between, the API server answers 409: the object is
     * read again and {@code write} runs again on the fresh copy (client-go's RetryOnConflict). An object gone in
     * between has nothing left to report on.
     */
    private <T extends HasMetadata> void writeStatus(T seen, Consumer<T> write) {
        T current = seen;
        for (int attempt = 1; current != null; attempt++) {
            try {
                write.accept(current);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
                conflictsRetried.incrementAndGet();
                current = client.resource(seen).get();
            }
        }
    }

    private void createIfAbsent(HasMetadata object) {
        try {
            client.resource(object).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }
}
