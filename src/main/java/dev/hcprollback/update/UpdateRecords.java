package dev.hcprollback.update;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateSpec;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadIdentity;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.UpdateStep;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A cluster's update records: one per update, created when the version history shows a new version
 * (a re-pin of the same version is the same update, see {@link UpdateStep}) that is newer than the
 * previous Completed one and started inside the rollback window. A rollback is no update: it has its
 * own record, ControlPlaneRollback. Records are owned by nothing, so that deleting them takes the
 * sidecar's rights; their name is derived from the update, so a restarted sidecar finds its own.
 */
final class UpdateRecords {

    private static final Logger LOG = Logger.getLogger(UpdateRecords.class);

    private final KubernetesClient client;
    private final UpdateSettings settings;

    UpdateRecords(KubernetesClient client, UpdateSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** The records of this very cluster (its uid), oldest update first, as the API server has them. */
    List<ControlPlaneUpdate> of(HostedCluster cluster) {
        return mine(cluster, client.resources(ControlPlaneUpdate.class).inNamespace(cluster.getMetadata().getNamespace())
                .withLabel(RollbackNames.CLUSTER_LABEL, cluster.getMetadata().getName()).list().getItems());
    }

    /** The records of this very cluster (its uid) among {@code records}, oldest update first. */
    static List<ControlPlaneUpdate> mine(HostedCluster cluster, List<ControlPlaneUpdate> records) {
        return records.stream()
                .filter(r -> r.getSpec() != null && Objects.equals(r.getSpec().getHostedClusterUid(), cluster.getMetadata().getUid()))
                .sorted(Comparator.comparing((ControlPlaneUpdate r) -> start(r)).thenComparing(r -> r.getMetadata().getName()))
                .toList();
    }

    /** Whether the cluster's latest update is one to record and {@code existing} has no record of it. */
    boolean hasUnrecorded(HostedCluster cluster, List<ControlPlaneUpdate> existing, Instant now) {
        return toRecord(cluster, now).map(step -> nameOf(cluster, step))
                .filter(name -> existing.stream().noneMatch(r -> r.getMetadata().getName().equals(name))).isPresent();
    }

    /** The latest update when it is an upgrade from a Completed version, started inside the rollback window. */
    private Optional<UpdateStep> toRecord(HostedCluster cluster, Instant now) {
        return UpdateStep.latest(ReleaseField.RELEASE.history(cluster)).filter(s -> s.startedWithin(settings.window(), now))
                .filter(s -> s.previousCompleted().isPresent() && isUpgrade(s));
    }

    /** The record of the cluster's latest update when that is one to record and none exists yet; created now. */
    Optional<ControlPlaneUpdate> recordLatest(HostedCluster cluster, List<ControlPlaneUpdate> existing, Instant now) {
        Optional<UpdateStep> step = toRecord(cluster, now);
        if (step.isEmpty()) {
            return Optional.empty();
        }
        UpdateHistory from = step.get().previousCompleted().get();
        UpdateHistory to = step.get().current();
        String name = nameOf(cluster, step.get());
        if (existing.stream().anyMatch(r -> r.getMetadata().getName().equals(name))) {
            return Optional.empty();
        }
        ControlPlaneUpdate record = new ControlPlaneUpdate();
        record.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(cluster.getMetadata().getNamespace())
                .addToLabels(RollbackNames.CLUSTER_LABEL, cluster.getMetadata().getName()).build());
        ControlPlaneUpdateSpec spec = new ControlPlaneUpdateSpec();
        spec.setHostedClusterName(cluster.getMetadata().getName());
        spec.setHostedClusterUid(cluster.getMetadata().getUid());
        spec.setFromVersion(from.getVersion());
        spec.setFromImage(from.getImage());
        spec.setToVersion(to.getVersion());
        spec.setToImage(to.getImage());
        spec.setStartTime(Timestamps.format(step.get().startedAt().get()));
        record.setSpec(spec);
        try {
            ControlPlaneUpdate created = client.resource(record).create();
            LOG.infof("%s/%s: update %s to %s recorded as ControlPlaneUpdate %s", cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), spec.getFromVersion(), spec.getToVersion(), name);
            return Optional.of(created);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // created by an earlier call that did not live to see the answer: go on with it
                return Optional.ofNullable(client.resources(ControlPlaneUpdate.class)
                        .inNamespace(cluster.getMetadata().getNamespace()).withName(name).get());
            }
            throw e;
        }
    }

    /** {@code <cluster>-<to version>-<hash of the cluster's uid, the version and the update's start>}. */
    static String nameOf(HostedCluster cluster, UpdateStep step) {
        String version = step.current().getVersion().replaceAll("[^a-z0-9-]", "-");
        String base = cluster.getMetadata().getName() + "-" + version;
        base = base.length() > 200 ? base.substring(0, 200) : base;
        return base + "-" + RollbackNames.hash(cluster.getMetadata().getUid() + "|" + step.current().getVersion() + "|"
                + step.firstOfVersion().getStartedTime(), 8);
    }

    /** Newer than the version it left, compared as parsed versions; unknown versions are not judged an upgrade. */
    private static boolean isUpgrade(UpdateStep step) {
        return step.current().payload().flatMap(PayloadIdentity::version)
                .flatMap(to -> step.previousVersion().map(to::isNewerThan)).orElse(false)
                && step.startedAt().isPresent();
    }

    static Instant start(ControlPlaneUpdate record) {
        return RollbackPoint.updateStart(record);
    }
}
