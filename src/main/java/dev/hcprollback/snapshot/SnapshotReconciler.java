package dev.hcprollback.snapshot;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotStatus;
import dev.hcprollback.api.SnapshotPhase;
import dev.hcprollback.api.SnapshotShard;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ManagedEtcd;
import dev.hcprollback.storage.SnapshotStore;
import dev.hcprollback.storage.StorageException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/**
 * Takes the snapshot a {@link ControlPlaneSnapshot} asks for, at most {@code max-concurrent} at a time,
 * retries with back-off, and deletes the stored objects when the object goes (finalizer).
 */
@ControllerConfiguration(name = SnapshotReconciler.NAME)
public class SnapshotReconciler implements Reconciler<ControlPlaneSnapshot>, Cleaner<ControlPlaneSnapshot> {

    public static final String NAME = "controlplanesnapshot";
    public static final String READY = "Ready";
    public static final String FAILED = "Failed";

    private static final Logger LOG = Logger.getLogger(SnapshotReconciler.class);
    private static final Duration SLOT_WAIT = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final HcpRollbackConfig config;
    private final Instance<SnapshotStore> store;
    private final SnapshotMetrics metrics;
    private final ClusterEvents events;
    private final EtcdAccessPolicy accessPolicy;
    private final RetentionRunner retention;
    private final ControlPlaneEtcd etcd;
    private final StartupReconciliation startup;
    private final Semaphore slots;
    private final Clock clock = Clock.systemUTC();

    public SnapshotReconciler(KubernetesClient client, HcpRollbackConfig config, Instance<SnapshotStore> store,
            SnapshotMetrics metrics, ClusterEvents events, EtcdAccessPolicy accessPolicy, RetentionRunner retention,
            ControlPlaneEtcd etcd, StartupReconciliation startup) {
        this.client = client;
        this.config = config;
        this.store = store;
        this.metrics = metrics;
        this.events = events;
        this.accessPolicy = accessPolicy;
        this.retention = retention;
        this.etcd = etcd;
        this.startup = startup;
        this.slots = new Semaphore(Math.max(1, config.snapshot().maxConcurrent()));
    }

    @Override
    public UpdateControl<ControlPlaneSnapshot> reconcile(ControlPlaneSnapshot snapshot, Context<ControlPlaneSnapshot> context) {
        try {
            labelWithItsCluster(snapshot);
            return takeIfDue(snapshot);
        } finally {
            startup.reconciled(NAME, snapshot, context);
        }
    }

    /**
     * Every snapshot carries its cluster's label, whoever created it (the scheduler sets it on its own; release tooling
     * and SREs need not), so that {@code kubectl get cpsnap -l rollback.hypershift.openshift.io/hosted-cluster=<name>}
     * lists every snapshot a rollback of that cluster may use (docs/runbook.md). Labelled once: a steady cluster costs
     * no request.
     */
    private void labelWithItsCluster(ControlPlaneSnapshot snapshot) {
        String cluster = SnapshotScheduler.labelValue(snapshot.getSpec().getHostedClusterName());
        Map<String, String> labels = snapshot.getMetadata().getLabels();
        if (labels != null && cluster.equals(labels.get(SnapshotScheduler.CLUSTER_LABEL))) {
            return;
        }
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        patch.putObject("metadata").putObject("labels").put(SnapshotScheduler.CLUSTER_LABEL, cluster)
                .put(SnapshotScheduler.REASON_LABEL, snapshot.getSpec().getReason().name());
        client.resources(ControlPlaneSnapshot.class).inNamespace(snapshot.getMetadata().getNamespace())
                .withName(snapshot.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    private UpdateControl<ControlPlaneSnapshot> takeIfDue(ControlPlaneSnapshot snapshot) {
        ControlPlaneSnapshotStatus status = snapshot.getStatus();
        if (snapshot.isVerified() || Retention.failedForGood(snapshot)) {
            return UpdateControl.noUpdate();
        }
        Instant now = clock.instant();
        if (status != null && status.getNextAttemptTime() != null) {
            Instant due = Instant.parse(status.getNextAttemptTime());
            if (due.isAfter(now)) {
                return UpdateControl.<ControlPlaneSnapshot> noUpdate().rescheduleAfter(Duration.between(now, due));
            }
        }
        if (!slots.tryAcquire()) {
            writeStatus(snapshot, s -> {
                s.setPhase(SnapshotPhase.Pending);
                s.setMessage("waiting for a free slot: " + config.snapshot().maxConcurrent()
                        + " snapshots are already running (hcp-rollback.snapshot.max-concurrent)");
                setCondition(s, READY, "False", "Waiting", s.getMessage(), snapshot);
            });
            return UpdateControl.<ControlPlaneSnapshot> noUpdate().rescheduleAfter(SLOT_WAIT);
        }
        try {
            return attempt(snapshot);
        } finally {
            slots.release();
        }
    }

    private UpdateControl<ControlPlaneSnapshot> attempt(ControlPlaneSnapshot snapshot) {
        String namespace = snapshot.getMetadata().getNamespace();
        String clusterName = snapshot.getSpec().getHostedClusterName();
        Instant start = clock.instant();
        HostedCluster cluster = null;
        String backend = "unknown";
        try {
            cluster = client.resources(HostedCluster.class).inNamespace(namespace).withName(clusterName).get();
            if (cluster == null) {
                throw new SnapshotFailure(SnapshotFailure.Reason.ClusterNotFound,
                        "HostedCluster " + namespace + "/" + clusterName + " not found");
            }
            String controlPlane = cluster.controlPlaneNamespace();
            writeStatus(snapshot, s -> {
                s.setPhase(SnapshotPhase.Running);
                s.setStartTime(start.toString());
                s.setMessage("streaming etcd of " + controlPlane + " into storage");
                setCondition(s, READY, "False", "Running", s.getMessage(), snapshot);
            });
            EtcdCredentials credentials = etcd.credentials(controlPlane);
            // one snapshot set: the default etcd and every shard whose data outlives a restart
            List<SnapshotTaker.ShardEndpoint> shards = new ArrayList<>();
            for (ManagedEtcd.Shard shard : cluster.etcdShards()) {
                if (shard.persistent()) {
                    shards.add(etcd.shardEndpoint(controlPlane, shard));
                }
            }
            SnapshotStore into = store();
            backend = into.backend();
            SnapshotTaker taker = new SnapshotTaker(etcd.streamer(), into, config.storage().prefix(), clock,
                    config.snapshot().compression());
            SnapshotTaker.Taken taken;
            List<String> etcdApps = new ArrayList<>(List.of(EtcdAccessPolicy.DEFAULT_ETCD));
            cluster.etcdShards().stream().filter(ManagedEtcd.Shard::persistent).map(ManagedEtcd.Shard::statefulSet)
                    .forEach(etcdApps::add); // HyperShift labels a shard's pods app: <its StatefulSet>
            accessPolicy.acquire(controlPlane, etcdApps);
            try {
                HostedCluster at = cluster;
                taken = taker.take(snapshot.getMetadata().getName(), snapshot.getSpec().getReason(), at,
                        () -> Optional.ofNullable(client.resources(HostedCluster.class).inNamespace(namespace)
                                .withName(clusterName).get()).orElse(at),
                        etcd.endpoint(controlPlane), config.snapshot().etcd().authority(), credentials,
                        etcdImage(controlPlane), shards);
            } finally {
                accessPolicy.release(controlPlane);
            }
            succeeded(snapshot, cluster, taken, backend);
            return UpdateControl.noUpdate();
        } catch (SnapshotFailure failure) {
            return failed(snapshot, cluster, failure, backend, start);
        } catch (KubernetesClientException e) {
            return failed(snapshot, cluster, new SnapshotFailure(SnapshotFailure.Reason.Internal,
                    "Kubernetes API: " + e.getMessage(), e), backend, start);
        } catch (StorageException e) {
            return failed(snapshot, cluster, SnapshotTaker.storageFailure(e), backend, start);
        } catch (RuntimeException e) {
            LOG.errorf(e, "snapshot %s/%s", namespace, snapshot.getMetadata().getName());
            return failed(snapshot, cluster, new SnapshotFailure(SnapshotFailure.Reason.Internal,
                    "unexpected error: " + EtcdSnapshotStreamer.rootMessage(e), e), backend, start);
        }
    }

    /** The image of the etcd StatefulSet's {@code etcd} container: the etcd of the payload being snapshotted. */
    private String etcdImage(String controlPlane) {
        var etcdSet = client.apps().statefulSets().inNamespace(controlPlane).withName("etcd").get();
        return etcdSet == null ? null : etcdSet.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> "etcd".equals(c.getName())).map(c -> c.getImage()).findFirst().orElse(null);
    }

    private void succeeded(ControlPlaneSnapshot snapshot, HostedCluster cluster, SnapshotTaker.Taken taken, String backend) {
        String message = "verified snapshot of " + (taken.payload().version() == null ? taken.payload().releaseImage()
                : taken.payload().version()) + " at etcd revision " + taken.revision() + ", " + taken.sizeBytes()
                + " bytes, stored at " + taken.object().location() + (taken.shards().isEmpty() ? ""
                        : "; with the etcd shards " + taken.shards().stream().map(t -> t.name() + " (revision "
                                + t.revision() + ", " + t.sizeBytes() + " bytes)").collect(Collectors.joining(", ")));
        ControlPlaneSnapshot written = writeStatus(snapshot, s -> {
            s.setPhase(SnapshotPhase.Succeeded);
            s.setVerified(true);
            s.setReleaseImage(taken.payload().releaseImage());
            s.setControlPlaneReleaseImage(taken.payload().controlPlaneReleaseImage());
            s.setVersion(taken.payload().version());
            s.setReleaseDigest(taken.payload().releaseDigest());
            s.setReleaseVersion(taken.payload().releaseVersion());
            s.setControlPlaneReleaseDigest(taken.payload().controlPlaneReleaseDigest());
            s.setControlPlaneReleaseVersion(taken.payload().controlPlaneReleaseVersion());
            s.setHostedClusterUid(taken.payload().hostedClusterUid());
            s.setEncryption(taken.payload().encryption());
            s.setShards(taken.shards().isEmpty() ? null : taken.shards().stream().map(t -> {
                SnapshotShard shard = new SnapshotShard(t.name(), t.object().key(), t.object().location(), t.sha256(),
                        t.sizeBytes(), t.revision(), true);
                shard.setEtcdSizeBytes(t.etcdBytes());
                return shard;
            }).toList());
            s.setEtcdRevision(taken.revision());
            s.setEtcdImage(taken.etcdImage());
            s.setEtcdVersion(taken.etcdVersion());
            s.setSizeBytes(taken.sizeBytes());
            s.setEtcdSizeBytes(taken.etcdBytes());
            s.setSha256(taken.sha256());
            s.setCompression(taken.compression());
            s.setLocation(taken.object().location());
            s.setObjectKey(taken.object().key());
            s.setStartTime(taken.startTime().toString());
            s.setCompletionTime(taken.completionTime().toString());
            s.setMessage(message);
            s.setFailureReason(null);
            s.setNextAttemptTime(null);
            setCondition(s, READY, "True", "Verified", message, snapshot);
            setCondition(s, FAILED, "False", "Verified", "the last attempt succeeded", snapshot);
        });
        if (written == null) {
            // the object went away while the snapshot ran: take its objects with it
            LOG.infof("snapshot %s/%s was deleted while it ran; removing %s", snapshot.getMetadata().getNamespace(),
                    snapshot.getMetadata().getName(), taken.object().location());
            SnapshotTaker.deleteStored(store(), taken.object().key(),
                    taken.shards().stream().map(t -> t.object().key()).toList());
            return;
        }
        Duration took = Duration.between(taken.startTime(), taken.completionTime());
        LOG.infof("snapshot succeeded: %s duration=%s size=%d version=%s revision=%d location=%s",
                subject(snapshot), seconds(took), taken.sizeBytes(), taken.payload().version(), taken.revision(),
                taken.object().location());
        metrics.succeeded(backend, took, taken.sizeBytes());
        metrics.newestVerified(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(),
                taken.completionTime());
        events.normal(cluster, snapshot, "SnapshotVerified",
                "ControlPlaneSnapshot " + snapshot.getMetadata().getName() + ": " + message);
        retention.applyListed(cluster);
    }

    private UpdateControl<ControlPlaneSnapshot> failed(ControlPlaneSnapshot snapshot, HostedCluster cluster,
            SnapshotFailure failure, String backend, Instant start) {
        Instant now = clock.instant();
        int attempts = Optional.ofNullable(snapshot.getStatus()).map(ControlPlaneSnapshotStatus::getAttempts).orElse(0) + 1;
        HcpRollbackConfig.Snapshot settings = config.snapshot();
        boolean again = !failure.permanent() && attempts < settings.maxAttempts();
        Duration wait = backoff(attempts);
        Instant next = now.plus(wait);
        String message = failure.getMessage() + (again
                ? " (attempt " + attempts + " of " + settings.maxAttempts() + "; next at " + next + ")"
                : failure.permanent() ? "" : " (attempt " + attempts + " of " + settings.maxAttempts() + "; giving up)");
        LOG.warnf("snapshot failed: %s duration=%s reason=%s attempt=%d/%d: %s", subject(snapshot),
                seconds(Duration.between(start, now)), failure.reason(), attempts, settings.maxAttempts(), message);
        metrics.failed(backend, Duration.between(start, now), failure.reason());
        writeStatus(snapshot, s -> {
            s.setPhase(SnapshotPhase.Failed);
            s.setVerified(false);
            s.setAttempts(attempts);
            s.setFailureReason(failure.reason().name());
            s.setNextAttemptTime(again ? next.toString() : null);
            s.setMessage(message);
            s.setCompletionTime(again ? null : now.toString());
            setCondition(s, READY, "False", failure.reason().name(), message, snapshot);
            setCondition(s, FAILED, "True", failure.reason().name(), message, snapshot);
        });
        events.warning(cluster, snapshot, "SnapshotFailed", "ControlPlaneSnapshot " + snapshot.getMetadata().getName() + ": "
                + message);
        return again ? UpdateControl.<ControlPlaneSnapshot> noUpdate().rescheduleAfter(wait) : UpdateControl.noUpdate();
    }

    /** Which snapshot an outcome line is about: {@code cluster=<namespace>/<name> snapshot=<name> trigger=<reason>}. */
    private static String subject(ControlPlaneSnapshot snapshot) {
        return "cluster=" + snapshot.getMetadata().getNamespace() + "/" + snapshot.getSpec().getHostedClusterName()
                + " snapshot=" + snapshot.getMetadata().getName() + " trigger=" + snapshot.getSpec().getReason();
    }

    /** A duration as seconds with milliseconds, {@code 2.314s}. */
    private static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.3fs", duration.toMillis() / 1000.0);
    }

    /** The shared slots limiting concurrent snapshots (tests take them all to show the wait). */
    Semaphore slots() {
        return slots;
    }

    /**
     * The wait before attempt {@code attempts + 1}: {@code backoff} doubled per failure, at most {@code maxBackoff}.
     * Not a Failsafe RetryPolicy, unlike the restore's download: no attempt waits in a loop here. The count lives in
     * the object's status and the wait is the reconcile's {@code rescheduleAfter}, so a retry survives a restart or
     * a change of leader and holds no thread nor snapshot slot while it waits; Failsafe runs all attempts inside one
     * call and keeps its delay computation internal.
     */
    Duration backoff(int attempts) {
        Duration base = config.snapshot().backoff();
        Duration max = config.snapshot().maxBackoff();
        Duration wait = base.multipliedBy(1L << Math.min(20, Math.max(0, attempts - 1)));
        return wait.compareTo(max) > 0 ? max : wait;
    }

    @Override
    public DeleteControl cleanup(ControlPlaneSnapshot snapshot, Context<ControlPlaneSnapshot> context) {
        try {
            return removeStored(snapshot);
        } finally {
            startup.reconciled(NAME, snapshot, context);
        }
    }

    private DeleteControl removeStored(ControlPlaneSnapshot snapshot) {
        // read the newest status: the cache may not have seen the key written at the end of an attempt yet
        ControlPlaneSnapshot latest = client.resources(ControlPlaneSnapshot.class)
                .inNamespace(snapshot.getMetadata().getNamespace()).withName(snapshot.getMetadata().getName()).get();
        ControlPlaneSnapshot current = latest != null ? latest : snapshot;
        String key = current.getStatus() == null ? null : current.getStatus().getObjectKey();
        if (key == null) {
            return DeleteControl.defaultDelete();
        }
        try {
            SnapshotTaker.deleteStored(store(), key, Optional.ofNullable(current.getStatus().getShards()).orElse(List.of())
                    .stream().map(SnapshotShard::getObjectKey).filter(java.util.Objects::nonNull).toList());
            LOG.infof("deleted stored snapshot %s of %s/%s", key, snapshot.getMetadata().getNamespace(),
                    snapshot.getMetadata().getName());
            return DeleteControl.defaultDelete();
        } catch (StorageException | IllegalStateException e) {
            LOG.warnf("could not delete stored snapshot %s: %s; retrying", key, e.getMessage());
            writeStatus(current, s -> s.setMessage("deleting: could not remove " + key + " from storage: " + e.getMessage()));
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(config.snapshot().backoff().toMillis());
        }
    }

    private SnapshotStore store() {
        try {
            return store.get();
        } catch (RuntimeException e) {
            throw new StorageException("storage is not configured: " + EtcdSnapshotStreamer.rootMessage(e), false, e);
        }
    }

    /** Patches the status subresource from the newest object; null when the object is gone. */
    private ControlPlaneSnapshot writeStatus(ControlPlaneSnapshot snapshot, Consumer<ControlPlaneSnapshotStatus> change) {
        try {
            return client.resources(ControlPlaneSnapshot.class).inNamespace(snapshot.getMetadata().getNamespace())
                    .withName(snapshot.getMetadata().getName()).editStatus(current -> {
                        if (current.getStatus() == null) {
                            current.setStatus(new ControlPlaneSnapshotStatus());
                        }
                        current.getStatus().setObservedGeneration(current.getMetadata().getGeneration());
                        change.accept(current.getStatus());
                        return current;
                    });
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    private void setCondition(ControlPlaneSnapshotStatus status, String type, String value, String reason, String message,
            ControlPlaneSnapshot snapshot) {
        status.setCondition(type, value, reason, message, snapshot.getMetadata().getGeneration(), clock.instant());
    }
}
