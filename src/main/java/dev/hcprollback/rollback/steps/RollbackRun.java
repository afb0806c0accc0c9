package dev.hcprollback.rollback.steps;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackStatus;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.DataLossWindow;
import dev.hcprollback.api.RecordedReplicas;
import dev.hcprollback.api.RollbackPlan;
import dev.hcprollback.api.RollbackStep;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.hypershift.EtcdCluster;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ReleaseChangeCheck;
import dev.hcprollback.hypershift.RestoreRecovery;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.rollback.etcd.EtcdMembersReader;
import dev.hcprollback.rollback.etcd.EtcdRevisionReader;
import dev.hcprollback.rollback.restore.RestoreSource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * One rollback being driven during one call of the driver: its record (re-read and re-written as the
 * call goes along), its HostedCluster, and what the steps use to look at and change the cluster. It
 * holds nothing that outlives the call: what a later call needs is in the record's status.
 */
public final class RollbackRun {

    final KubernetesClient client;
    final RollbackSettings settings;
    final Clock clock;
    final RestoreSource restoreSource;
    final EtcdRevisionReader etcd;
    final EtcdMembersReader etcdMembers;
    final RollbackEvents events;
    final Checkpoints checkpoints;
    private final Consumer<ControlPlaneRollback> statusWritten;
    private final java.util.function.Supplier<dev.hcprollback.eligibility.RollbackFloors> floors;

    ControlPlaneRollback rollback;
    HostedCluster cluster;

    public RollbackRun(RunTools tools, ControlPlaneRollback rollback) {
        this.client = tools.client();
        this.settings = tools.settings();
        this.clock = tools.clock();
        this.restoreSource = tools.restoreSource();
        this.etcd = tools.etcd();
        this.etcdMembers = tools.etcdMembers();
        this.events = tools.events();
        this.checkpoints = tools.checkpoints();
        this.statusWritten = tools.statusWritten();
        this.floors = tools.floors();
        this.rollback = rollback;
    }

    /** The record as last read or written in this call. */
    public ControlPlaneRollback rollback() {
        return rollback;
    }

    /** The HostedCluster as last read ({@link #refreshCluster}); null before, or when it is gone. */
    public HostedCluster cluster() {
        return cluster;
    }

    public KubernetesClient client() {
        return client;
    }

    public RollbackSettings settings() {
        return settings;
    }

    /** The rollback floors as the sidecar's cache holds them now. */
    public dev.hcprollback.eligibility.RollbackFloors floors() {
        return floors.get();
    }

    public Clock clock() {
        return clock;
    }

    public EtcdRevisionReader etcd() {
        return etcd;
    }

    public ControlPlaneRollbackStatus status() {
        return rollback.getStatus();
    }

    public RollbackPlan plan() {
        return rollback.getStatus().getPlan();
    }

    /** The HostedCluster's namespace, where the record lives too. */
    public String ns() {
        return rollback.getMetadata().getNamespace();
    }

    public String cpNamespace() {
        return cluster.controlPlaneNamespace();
    }

    /** Tells the cluster's and the record's readers that from now on a failure is not undone. */
    void pointOfNoReturnPassed(String what) {
        events.normal(cluster, rollback, "RollbackPointOfNoReturn", what + ": from now on a failure leaves the cluster "
                + "paused for an SRE instead of being undone");
    }

    void reached(String checkpoint) {
        checkpoints.reached(checkpoint);
    }

    /** Writes the status with the resourceVersion read: a concurrent writer gets a conflict, never a silent overwrite. */
    public void persist() {
        ControlPlaneRollbackStatus status = rollback.getStatus();
        RollbackConditions.derive(status, rollback.getMetadata().getGeneration(), clock.instant());
        ControlPlaneRollback updated = client.resource(rollback).updateStatus();
        // keep the one status object the steps hold on to; the server stored exactly it
        updated.setStatus(status);
        rollback = updated;
        statusWritten.accept(rollback);
    }

    public HostedCluster refreshCluster() {
        cluster = client.resources(HostedCluster.class).inNamespace(ns())
                .withName(rollback.getSpec().getHostedClusterName()).get();
        return cluster;
    }

    /**
     * The revision etcd comes back at: the snapshot's (as the plan read it, else as the snapshot recorded it) plus
     * the bump.
     */
    long restoredRevision() throws StepFailure {
        DataLossWindow window = plan().getDataLoss();
        Long snapshotRevision = window != null && window.getSnapshotRevision() != null ? window.getSnapshotRevision()
                : snapshot().getStatus().getEtcdRevision();
        return (snapshotRevision == null ? 0 : snapshotRevision) + settings.bumpRevision();
    }

    /** The snapshot the rollback restores, checked to be verified and of this cluster. */
    public ControlPlaneSnapshot snapshot() throws StepFailure {
        String name = rollback.getSpec().getSnapshotName();
        if (name == null || name.isBlank()) {
            throw new StepFailure("NoSnapshot", "no verified snapshot of " + rollback.getSpec().getToVersion()
                    + " backs this rollback (spec.snapshotName is empty)");
        }
        ControlPlaneSnapshot snapshot = client.resources(ControlPlaneSnapshot.class).inNamespace(ns()).withName(name).get();
        if (snapshot == null) {
            throw new StepFailure("SnapshotMissing", "snapshot " + name + " does not exist");
        }
        if (!snapshot.isVerified()) {
            throw new StepFailure("SnapshotNotVerified", "snapshot " + name + " is not Succeeded and verified");
        }
        if (!snapshot.belongsTo(cluster)) {
            throw new StepFailure("SnapshotOfOtherCluster", "snapshot " + name + " is not of HostedCluster "
                    + cluster.getMetadata().getName());
        }
        return snapshot;
    }

    /**
     * Fences a write to another object than the record. A replica may stall (a long GC pause, a frozen node) past its
     * Lease while a step runs; a standby then takes over and moves the record on. When the stalled one wakes, it must
     * change nothing: so every write goes out only while the record on the server is still the one this pass read or
     * last wrote (same resourceVersion), and carries the resourceVersion of the object it changes as read before the
     * fence, so that the API server refuses it (409) if anyone changed that object since. The fenced pass ends with
     * the conflict, which the reconciler answers by looking again.
     *
     * @throws KubernetesClientException with code 409 when the record moved on or is gone
     */
    void fence() {
        String name = rollback.getMetadata().getName();
        ControlPlaneRollback current = client.resources(ControlPlaneRollback.class).inNamespace(ns()).withName(name).get();
        String held = rollback.getMetadata().getResourceVersion();
        String now = current == null ? null : current.getMetadata().getResourceVersion();
        if (!Objects.equals(held, now)) {
            throw new KubernetesClientException(new StatusBuilder().withCode(409).withReason("Conflict")
                    .withMessage("rollback " + ns() + "/" + name + " moved on since this replica read it (resourceVersion "
                            + held + ", now " + (now == null ? "deleted" : now) + "): another replica holds it, this one"
                            + " writes nothing")
                    .build());
        }
    }

    /** A merge patch of the HostedCluster as this pass read it: fenced, and refused if the cluster changed since. */
    public void patchCluster(ObjectNode patch) {
        fence();
        ObjectNode preconditioned = patch.deepCopy();
        ObjectNode metadata = preconditioned.has("metadata") ? (ObjectNode) preconditioned.get("metadata")
                : preconditioned.putObject("metadata");
        metadata.put("resourceVersion", cluster.getMetadata().getResourceVersion());
        cluster = client.resources(HostedCluster.class).inNamespace(ns()).withName(cluster.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), preconditioned.toString());
    }

    /** A merge patch of an object read just before: fenced, and refused if the object changed since it was read. */
    <T extends HasMetadata> void patchRead(T read, ObjectNode patch) {
        fence();
        ObjectNode preconditioned = patch.deepCopy();
        preconditioned.putObject("metadata").put("resourceVersion", read.getMetadata().getResourceVersion());
        client.resource(read).patch(PatchContext.of(PatchType.JSON_MERGE), preconditioned.toString());
    }

    private static ObjectNode replicas(int replicas) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        patch.putObject("spec").put("replicas", replicas);
        return patch;
    }

    /** The merge patch that puts the plan's payload back. */
    public ObjectNode revertPatch() {
        return revertPatch(plan());
    }

    /**
     * The merge patch that puts the plan's payload back, in one write with what HyperShift needs to accept and follow
     * it: {@code force-upgrade-to} removed (HyperShift refuses any release change that annotation does not name while
     * ClusterVersionUpgradeable is not True; without it, its z-stream exception lets the revert through, see
     * {@link ReleaseChangeCheck}), and, when etcd was restored, {@code restored-from-backup} set so that HyperShift runs
     * its post-restore recovery ({@link RestoreRecovery}).
     */
    public static ObjectNode revertPatch(RollbackPlan plan) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        annotations.putNull(ReleaseChangeCheck.FORCE_UPGRADE_TO);
        if (restoresEtcd(plan)) {
            annotations.put(RestoreRecovery.ANNOTATION, RestoreRecovery.VALUE);
        }
        ObjectNode spec = patch.putObject("spec");
        spec.putObject("release").put("image", plan.getToReleaseImage());
        if (plan.getToControlPlaneReleaseImage() != null) {
            spec.putObject("controlPlaneRelease").put("image", plan.getToControlPlaneReleaseImage());
        }
        return patch;
    }

    /** The plan swaps etcd's data for the snapshot's (every strategy but PayloadOnly). */
    public static boolean restoresEtcd(RollbackPlan plan) {
        return plan.getSteps() != null && plan.getSteps().contains(dev.hcprollback.api.Step.Swap.name());
    }

    /** Gives {@code spec.pausedUntil} back as it was before Pause, when Pause set it. Idempotent. */
    public void unpause() {
        ControlPlaneRollbackStatus status = status();
        if (!Boolean.TRUE.equals(status.getPausedByRollback())) {
            return;
        }
        String before = status.getPausedUntilBefore();
        if (!Objects.equals(before, pausedUntil())) {
            patchCluster(spec("pausedUntil", before));
            reached("patched:unpause");
        }
    }

    String pausedUntil() {
        return cluster.getSpec() == null ? null : cluster.getSpec().getPausedUntil();
    }

    public void scaleDeployment(String name, int replicas) {
        Deployment deployment = client.apps().deployments().inNamespace(cpNamespace()).withName(name).get();
        if (deployment != null && !Objects.equals(deployment.getSpec().getReplicas(), replicas)) {
            patchRead(deployment, replicas(replicas));
        }
    }

    public void scaleStatefulSet(String name, int replicas) {
        StatefulSet set = client.apps().statefulSets().inNamespace(cpNamespace()).withName(name).get();
        if (set != null && !Objects.equals(set.getSpec().getReplicas(), replicas)) {
            patchRead(set, replicas(replicas));
        }
    }

    public StatefulSet etcdStatefulSet() {
        return statefulSet(EtcdCluster.DEFAULT);
    }

    /** The StatefulSet of one etcd cluster of the control plane; null when it does not exist. */
    public StatefulSet statefulSet(EtcdCluster etcd) {
        return client.apps().statefulSets().inNamespace(cpNamespace()).withName(etcd.statefulSet()).get();
    }

    /** The default etcd, then each etcd shard of the HyperShift cluster ({@link EtcdCluster#of}). */
    public List<EtcdCluster> etcdClusters() {
        return EtcdCluster.of(cluster);
    }

    /** The etcd clusters whose data the restore writes back: the default etcd and each shard on PersistentVolumes. */
    List<EtcdCluster> restoredEtcdClusters() {
        return etcdClusters().stream().filter(EtcdCluster::persistent).toList();
    }

    int podsOfDeployment(String name) {
        Deployment deployment = client.apps().deployments().inNamespace(cpNamespace()).withName(name).get();
        return podsOf(deployment == null ? null : deployment.getSpec().getSelector());
    }

    int podsOfEtcd() {
        return podsOf(EtcdCluster.DEFAULT);
    }

    int podsOf(EtcdCluster etcd) {
        StatefulSet set = statefulSet(etcd);
        return podsOf(set == null ? null : set.getSpec().getSelector());
    }

    /** The etcd clusters that still have pods, by StatefulSet name; empty once every etcd is stopped. */
    List<String> etcdWithPods() {
        return etcdClusters().stream().filter(etcd -> podsOf(etcd) > 0).map(EtcdCluster::statefulSet).toList();
    }

    private int podsOf(LabelSelector selector) {
        if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
            return 0;
        }
        return client.pods().inNamespace(cpNamespace()).withLabels(selector.getMatchLabels()).list().getItems().size();
    }

    /** The Deployments Quiesce recorded, in the order they were stopped. */
    public List<RecordedReplicas> writers() {
        return status().getRecordedReplicas().stream().filter(r -> RecordedReplicas.DEPLOYMENT.equals(r.getKind())).toList();
    }

    /** etcd's members: its recorded replicas once Quiesce recorded them, else the StatefulSet's. */
    int memberCount() {
        return memberCount(EtcdCluster.DEFAULT);
    }

    /** One etcd cluster's members: its recorded replicas once Quiesce recorded them, else its StatefulSet's. */
    int memberCount(EtcdCluster etcd) {
        return status().recorded(RecordedReplicas.STATEFUL_SET, etcd.statefulSet()).map(RecordedReplicas::getReplicas)
                .orElseGet(() -> {
                    StatefulSet set = statefulSet(etcd);
                    return set == null || set.getSpec().getReplicas() == null ? etcd.declaredMembers(1)
                            : set.getSpec().getReplicas();
                });
    }

    /**
     * The member of the snapshot set that restores {@code etcd}: null for the default etcd (the snapshot itself).
     *
     * @throws StepFailure (SnapshotShardMissing) when the set has no verified member for the shard: a rollback never
     *         restores a part of the cluster's etcd
     */
    static SnapshotShard snapshotShard(ControlPlaneSnapshot snapshot, EtcdCluster etcd) throws StepFailure {
        if (etcd.isDefault()) {
            return null;
        }
        List<SnapshotShard> set = snapshot.getStatus().getShards() == null ? List.of() : snapshot.getStatus().getShards();
        return set.stream().filter(s -> etcd.shardName().equals(s.getName()) && Boolean.TRUE.equals(s.getVerified()))
                .findFirst().orElseThrow(() -> new StepFailure("SnapshotShardMissing", "snapshot "
                        + snapshot.getMetadata().getName() + " has no verified snapshot of etcd shard " + etcd
                        + ": its set is not whole, and restoring the rest alone would leave that shard's data newer"));
    }

    /** The revision one etcd cluster comes back at: its snapshot's ({@link #restoredRevision()} for the default) plus the bump. */
    long restoredRevision(EtcdCluster etcd) throws StepFailure {
        if (etcd.isDefault()) {
            return restoredRevision();
        }
        Long revision = snapshotShard(snapshot(), etcd).getEtcdRevision();
        return (revision == null ? 0 : revision) + settings.bumpRevision();
    }

    /** The revision Quiesce recorded for one etcd cluster once its writers stopped; null before. */
    Long revisionAtQuiesce(EtcdCluster etcd) {
        if (etcd.isDefault()) {
            return status().getRevisionAtQuiesce();
        }
        Map<String, Long> shards = status().getShardRevisionsAtQuiesce();
        return shards == null ? null : shards.get(etcd.shardName());
    }

    String conditionStatus(String type) {
        return cluster.getStatus() == null ? "Unknown"
                : cluster.getStatus().condition(type).map(Condition::getStatus).orElse("Unknown");
    }

    public Instant started(RollbackStep record) {
        return Timestamps.parse(record.getStartTime()).orElse(clock.instant());
    }

    public Duration total() {
        return Timestamps.parse(status().getStartTime()).map(start -> Duration.between(start, clock.instant())).orElse(null);
    }

    public String now() {
        return Timestamps.format(clock.instant());
    }

    static ObjectNode spec(String field, String value) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        if (value == null) {
            patch.putObject("spec").putNull(field);
        } else {
            patch.putObject("spec").put(field, value);
        }
        return patch;
    }

    public static String human(Duration duration) {
        return dev.hcprollback.hypershift.Timestamps.human(duration);
    }
}
