package dev.hcprollback.snapshot;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneSnapshotSpec;
import dev.hcprollback.api.SnapshotReason;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.eligibility.SnapshotPayloads;
import dev.hcprollback.eligibility.SnapshotSelection;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.UpdateHistory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/**
 * Keeps a verified Scheduled snapshot of each HostedCluster's current payload, no older than the
 * configured interval, while the cluster is Available and its newest version is Completed; a cluster
 * that reaches a new Completed version has no snapshot of it yet and gets one at once. HostedCluster
 * belongs to HyperShift: this controller only reads it.
 *
 * <p>It decides from the shared informer caches ({@link ClusterCaches}): a cluster's snapshots are one index
 * read, so a start-up over a thousand clusters asks the API server nothing per cluster. Until the caches have
 * listed once it decides nothing and looks again shortly; a decision to create a snapshot is taken again from
 * the API server's list before the create, so a cache that lags a watch event never leads to a second one.
 */
@ControllerConfiguration(name = SnapshotScheduler.NAME, generationAwareEventProcessing = false)
public class SnapshotScheduler implements Reconciler<HostedCluster> {

    public static final String NAME = "hostedcluster-snapshots";
    public static final String CLUSTER_LABEL = ControlPlaneSnapshot.GROUP + "/hosted-cluster";
    public static final String REASON_LABEL = ControlPlaneSnapshot.GROUP + "/reason";

    private static final Logger LOG = Logger.getLogger(SnapshotScheduler.class);
    private static final DateTimeFormatter NAME_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    /** How often an idle cluster is looked at again even without events. */
    private static final Duration RECHECK = Duration.ofMinutes(10);
    /** How soon to look again while the caches have not listed once. */
    private static final Duration CACHE_WAIT = Duration.ofSeconds(1);

    private final KubernetesClient client;
    private final HcpRollbackConfig config;
    private final RetentionRunner retention;
    private final SnapshotMetrics metrics;
    private final ClusterEvents events;
    private final ClusterCaches caches;
    private final StartupReconciliation startup;

    public SnapshotScheduler(KubernetesClient client, HcpRollbackConfig config, RetentionRunner retention,
            SnapshotMetrics metrics, ClusterEvents events, ClusterCaches caches, StartupReconciliation startup) {
        this.client = client;
        this.config = config;
        this.retention = retention;
        this.metrics = metrics;
        this.events = events;
        this.caches = caches;
        this.startup = startup;
    }

    /** Why a cluster gets no Scheduled snapshot now, or empty when it should have one. */
    public static Optional<String> notSettled(HostedCluster cluster) {
        if (!cluster.isConditionTrue("Available")) {
            return Optional.of("not Available");
        }
        if (cluster.getSpec() != null && cluster.getSpec().getPausedUntil() != null) {
            return Optional.of("paused (spec.pausedUntil)");
        }
        List<UpdateHistory> history = cluster.versionHistory();
        if (history.isEmpty() || !history.get(0).isCompleted()) {
            return Optional.of("its newest version is not Completed");
        }
        if (cluster.releaseImage().isEmpty() || !history.get(0).payload()
                .map(cluster.identify(cluster.releaseImage().get())::isSamePayloadAs).orElse(false)) {
            return Optional.of("spec.release.image is not the newest Completed version yet");
        }
        return Optional.empty();
    }

    /** Whether to create a Scheduled snapshot now, and if not when to look again. */
    public record Decision(boolean create, String why, Duration lookAgainIn) {
    }

    /** The scheduling rule, free of the API: {@code snapshots} are the cluster's ControlPlaneSnapshots. */
    public static Decision decide(HostedCluster cluster, List<ControlPlaneSnapshot> snapshots, Duration interval,
            Instant now) {
        Optional<String> wait = notSettled(cluster);
        if (wait.isPresent()) {
            return new Decision(false, wait.get(), RECHECK);
        }
        Optional<Instant> newestOfPayload = SnapshotSelection.newestVerified(snapshots,
                s -> SnapshotPayloads.isOfCurrentPayloadOf(s, cluster), Optional.empty())
                .flatMap(ControlPlaneSnapshot::completedAt);
        if (newestOfPayload.isPresent() && newestOfPayload.get().plus(interval).isAfter(now)) {
            Duration due = Duration.between(now, newestOfPayload.get().plus(interval));
            return new Decision(false, "the newest verified snapshot of this payload completed at " + newestOfPayload.get(),
                    due.compareTo(RECHECK) < 0 ? due : RECHECK);
        }
        boolean inFlight = snapshots.stream().anyMatch(s -> s.getMetadata().getDeletionTimestamp() == null
                && !s.isVerified() && !Retention.failedForGood(s));
        if (inFlight) {
            // one attempt at a time per cluster: a failed one retries itself, no new objects pile up
            return new Decision(false, "a snapshot of this cluster is still being taken", Duration.ofMinutes(1));
        }
        return new Decision(true, newestOfPayload.map(t -> "the newest verified snapshot of this payload completed at "
                + t + ", more than " + interval + " ago").orElse("no verified snapshot of this payload yet"),
                Duration.ofMinutes(1));
    }

    @Override
    public UpdateControl<HostedCluster> reconcile(HostedCluster cluster, Context<HostedCluster> context) {
        if (!caches.isSynced(ControlPlaneSnapshot.class, ControlPlaneRollback.class)) {
            // an unlisted cache is unknown, not empty: deciding from it would snapshot every cluster again
            LOG.debugf("%s/%s: waiting for the caches to list once (%s)", cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), String.join(", ", caches.unsynced()));
            return UpdateControl.<HostedCluster> noUpdate().rescheduleAfter(CACHE_WAIT);
        }
        try {
            return schedule(cluster);
        } finally {
            startup.reconciled(NAME, cluster, context);
        }
    }

    private UpdateControl<HostedCluster> schedule(HostedCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        Instant now = Instant.now();
        List<ControlPlaneSnapshot> mine = caches.snapshotsOf(namespace, name).stream().filter(s -> s.belongsTo(cluster))
                .toList();
        mine.stream().filter(ControlPlaneSnapshot::isVerified).map(s -> s.completedAt().orElse(null))
                .filter(java.util.Objects::nonNull).max(Instant::compareTo)
                .ifPresent(newest -> metrics.newestVerified(namespace, name, newest));
        retention.apply(cluster);

        if (!config.snapshot().scheduleEnabled()) {
            return UpdateControl.noUpdate();
        }
        Decision decision = decide(cluster, mine, config.snapshot().interval(), now);
        if (decision.create()) {
            // the cache may not show a snapshot created moments ago yet: the API server has the last word
            decision = decide(cluster, listed(cluster), config.snapshot().interval(), now);
        }
        if (!decision.create()) {
            LOG.debugf("no scheduled snapshot of %s/%s now: %s", namespace, name, decision.why());
            return UpdateControl.<HostedCluster> noUpdate().rescheduleAfter(decision.lookAgainIn());
        }
        ControlPlaneSnapshot created = create(cluster, now);
        LOG.infof("created Scheduled snapshot %s/%s: %s", namespace, created.getMetadata().getName(), decision.why());
        events.normal(cluster, created, "SnapshotScheduled", "created ControlPlaneSnapshot " + created.getMetadata().getName()
                + " of " + cluster.releaseImage().get().pullSpec());
        return UpdateControl.<HostedCluster> noUpdate().rescheduleAfter(Duration.ofMinutes(1));
    }

    /** The cluster's snapshots as the API server lists them now. */
    private List<ControlPlaneSnapshot> listed(HostedCluster cluster) {
        return client.resources(ControlPlaneSnapshot.class).inNamespace(cluster.getMetadata().getNamespace()).list()
                .getItems().stream().filter(s -> s.belongsTo(cluster)).toList();
    }

    private ControlPlaneSnapshot create(HostedCluster cluster, Instant now) {
        String base = cluster.getMetadata().getName();
        String suffix = "-scheduled-" + NAME_STAMP.format(now);
        String name = (base.length() + suffix.length() > 253 ? base.substring(0, 253 - suffix.length()) : base) + suffix;
        ControlPlaneSnapshot snapshot = new ControlPlaneSnapshot();
        snapshot.setMetadata(new ObjectMetaBuilder().withNamespace(cluster.getMetadata().getNamespace()).withName(name)
                .addToLabels(CLUSTER_LABEL, labelValue(cluster.getMetadata().getName()))
                .addToLabels(REASON_LABEL, SnapshotReason.Scheduled.name()).build());
        snapshot.setSpec(new ControlPlaneSnapshotSpec(cluster.getMetadata().getName(), SnapshotReason.Scheduled));
        return client.resource(snapshot).create();
    }

    /** A label value holds at most 63 characters; a HostedCluster name rarely needs cutting. */
    static String labelValue(String name) {
        return name.length() > 63 ? name.substring(0, 63) : name;
    }
}
