package dev.hcprollback.update;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.api.ControlPlaneUpdateStatus;
import dev.hcprollback.api.PayloadQuarantine;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.api.RollbackStrategy;
import dev.hcprollback.api.UpdateHealth;
import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.cluster.RollbackEvents;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.PayloadImage;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;
import dev.hcprollback.hypershift.Timestamps;
import dev.hcprollback.hypershift.UpdateHistory;
import dev.hcprollback.hypershift.UpdateStep;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Watches one HostedCluster's updates, keeping nothing in memory between calls: everything it
 * decided is in the records' status, so a restarted sidecar goes on where it was.
 *
 * <p>
 * The procedure: record the latest update (one ControlPlaneUpdate per update); mark older records
 * Superseded; then, while the newest record has no final verdict: notice a rollback that undid it,
 * locate its rollback point and window, read the signals and attribute them ({@link HealthLook}), judge
 * the health, recommend a rollback when Unhealthy (a person's look when Inconclusive), and file one
 * automatically where an SRE opted the cluster in, on the evidence attributable to the update; finally
 * publish the metrics of the newest record. API errors propagate (the reconciler retries).
 */
public class UpdateWatch {

    private static final Logger LOG = Logger.getLogger(UpdateWatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String SOAKED = "Soaked";
    static final String RECOMMENDED = "RollbackRecommended";
    static final String AUTO_ROLLBACK = "AutoRollback";
    /** On a RolledBack record: the payload the rollback took the cluster off is quarantined on it (PayloadQuarantine). */
    static final String QUARANTINED = "PayloadQuarantined";

    private final KubernetesClient client;
    private final UpdateSettings settings;
    private final Clock clock;
    private final RollbackEvents events;
    private final UpdateMetrics metrics;
    private final UpdateRecords records;
    private final SignalReader signals;
    private final AutoRollback autoRollback;
    private final ClusterCaches caches;

    public UpdateWatch(KubernetesClient client, ClusterCaches caches, UpdateSettings settings, Clock clock,
            RollbackEvents events, UpdateMetrics metrics) {
        this.client = client;
        this.caches = caches;
        this.settings = settings;
        this.clock = clock;
        this.events = events;
        this.metrics = metrics;
        this.records = new UpdateRecords(client, settings);
        this.signals = new SignalReader(client, settings);
        this.autoRollback = new AutoRollback(client);
    }

    /** One look at {@code cluster}; returns when to look again. */
    public Duration watch(HostedCluster cluster) {
        Instant now = clock.instant();
        if (atRest(cluster, now)) {
            return settings.pollInterval().multipliedBy(10);
        }
        List<ControlPlaneUpdate> mine = new ArrayList<>(records.of(cluster));
        records.recordLatest(cluster, mine, now).ifPresent(mine::add);
        if (mine.isEmpty()) {
            metrics.forget(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
            return settings.pollInterval().multipliedBy(10);
        }
        ControlPlaneUpdate newest = mine.get(mine.size() - 1);
        supersedeOlder(mine, newest);
        if (!newest.health().isFinal()) {
            newest = judge(cluster, newest, now);
        }
        publish(cluster, newest, now);
        boolean settled = newest.health().isFinal();
        return settled ? settings.pollInterval().multipliedBy(10) : settings.pollInterval();
    }

    // ---------------------------------------------------------------- steps

    /**
     * Whether the caches show the cluster at rest, with nothing to write: no new update to record and every
     * record final (the window gauge counts down by itself); then the metrics are published from the cache
     * and the API server is not asked: the steady state of almost every cluster, and of a start-up of a
     * thousand. A cache that lags shows a record as still open or no record at all, never a later update as
     * recorded: such a cluster goes the API server's way.
     */
    private boolean atRest(HostedCluster cluster, Instant now) {
        if (!caches.isSynced(ControlPlaneUpdate.class)) {
            return false;
        }
        List<ControlPlaneUpdate> cached = UpdateRecords.mine(cluster,
                caches.updatesOf(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName()));
        if (records.hasUnrecorded(cluster, cached, now) || !cached.stream().allMatch(r -> r.health().isFinal())) {
            return false;
        }
        if (cached.isEmpty()) {
            metrics.forget(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
        } else {
            publish(cluster, cached.get(cached.size() - 1), now);
        }
        return true;
    }

    private void supersedeOlder(List<ControlPlaneUpdate> mine, ControlPlaneUpdate newest) {
        for (ControlPlaneUpdate older : mine) {
            if (older == newest || older.health().isFinal()) {
                continue;
            }
            persist(older, status -> {
                status.setHealth(UpdateHealth.Superseded);
                status.setSupersededBy(newest.getMetadata().getName());
                status.setMessage("superseded by the update to " + newest.getSpec().getToVersion() + " ("
                        + newest.getMetadata().getName() + ")");
                status.setRollbackCommand(null);
                status.setWindowLeft(null);
                status.setDataLossWindow(null);
                condition(status, RECOMMENDED, "False", "Superseded", status.getMessage());
            });
        }
    }

    /** Judges the newest record and writes what changed; returns the record as stored. */
    private ControlPlaneUpdate judge(HostedCluster cluster, ControlPlaneUpdate record, Instant now) {
        UpdateHealth before = record.health();
        Optional<ControlPlaneRollback> undoneBy = undoneBy(cluster, record);
        if (undoneBy.isPresent()) {
            return rolledBack(cluster, record, undoneBy.get());
        }
        Optional<Instant> completed = completion(cluster, record);
        boolean windowOpen = windowCloses(record).isAfter(now);
        // the record's own update, not the cluster's latest history entry (during a rollback, the way back)
        List<ControlPlaneSnapshot> snapshots = snapshots(cluster);
        Optional<ControlPlaneSnapshot> point = RollbackPoint.ofUpdate(record, cluster, snapshots);
        HealthLook look = HealthLook.take(signals, cluster, record, completed, settings, now);
        HealthJudge.Judgement verdict = look.verdict();
        String command = command(cluster, record, verdict);
        ControlPlaneUpdate stored = persist(record, status -> {
            status.setCompletionTime(completed.map(Timestamps::format).orElse(null));
            status.setWindowCloseTime(Timestamps.format(windowCloses(record)));
            status.setWindowLeft(verdict.health().isFinal() ? null : windowLeft(record, now));
            locateRollbackPoint(status, record, point, windowOpen && !verdict.health().isFinal(), now,
                    RollbackPoint.notRestorable(record, cluster, snapshots));
            look.writeTo(status);
            condition(status, SOAKED, verdict.health() == UpdateHealth.Healthy ? "True" : "False", verdict.health().name(),
                    verdict.message());
            recommend(status, verdict, point.filter(p -> windowOpen), command);
        });
        announce(cluster, stored, before);
        if (verdict.health() == UpdateHealth.Unhealthy && AutoRollback.optedIn(cluster)) {
            stored = rollBackAutomatically(cluster, stored, verdict.grounds(), point.isPresent() && windowOpen);
        }
        return stored;
    }

    /**
     * The final record of an update a rollback undid: no window left, and the rollback point is the snapshot the
     * rollback restored, with the span of writes that restore threw away (the snapshot's completion to the
     * rollback's); a payload-only rollback restored none.
     */
    private ControlPlaneUpdate rolledBack(HostedCluster cluster, ControlPlaneUpdate record, ControlPlaneRollback rollback) {
        String by = rollback.getMetadata().getName();
        boolean restoredEtcd = rollback.getSpec().getStrategy() != RollbackStrategy.PayloadOnly
                && rollback.getSpec().getSnapshotName() != null;
        Optional<Instant> taken = restoredEtcd ? snapshots(cluster).stream()
                .filter(s -> rollback.getSpec().getSnapshotName().equals(s.getMetadata().getName()))
                .findFirst().flatMap(ControlPlaneSnapshot::completedAt) : Optional.empty();
        Optional<Instant> ended = Timestamps.parse(rollback.getStatus().getCompletionTime());
        return persist(record, status -> {
            status.setHealth(UpdateHealth.RolledBack);
            status.setRolledBackBy(by);
            status.setMessage("rolled back to " + record.getSpec().getFromVersion() + " by ControlPlaneRollback " + by);
            status.setRollbackCommand(null);
            status.setWindowLeft(null);
            if (restoredEtcd) {
                status.setRollbackPoint(rollback.getSpec().getSnapshotName());
                taken.ifPresent(t -> status.setRollbackPointTime(Timestamps.format(t)));
                status.setDataLossWindow(taken.flatMap(t -> ended.map(e -> coarse(Duration.between(t, e)))).orElse(null));
                status.setRollbackPointMessage("restored by ControlPlaneRollback " + by + ": snapshot "
                        + rollback.getSpec().getSnapshotName() + " of " + record.getSpec().getFromVersion()
                        + Optional.ofNullable(status.getRollbackPointTime()).map(t -> ", completed " + t
                                + "; the etcd writes made after it were thrown away").orElse(""));
            } else {
                status.setRollbackPoint(null);
                status.setRollbackPointTime(null);
                status.setDataLossWindow(null);
                status.setRollbackPointMessage("ControlPlaneRollback " + by + " reverted the payload only: etcd was kept,"
                        + " no snapshot restored");
            }
            condition(status, RECOMMENDED, "False", "RolledBack", status.getMessage());
            Optional.ofNullable(rollback.getStatus().getPlan()).map(p -> p.getFromReleaseImage())
                    .ifPresent(image -> condition(status, QUARANTINED, "True", "RolledBack", "payload " + image
                            + " is quarantined on the cluster: its admission gate refuses an update back to it until an"
                            + " SRE lifts the quarantine (annotation " + PayloadQuarantine.LIFTED_BY
                            + ") or a newer payload is chosen"));
        });
    }

    /** A rollback to the record's from version that Succeeded after the update started. */
    private Optional<ControlPlaneRollback> undoneBy(HostedCluster cluster, ControlPlaneUpdate record) {
        Optional<ReleaseVersion> from = ReleaseVersion.parse(record.getSpec().getFromVersion());
        Instant start = UpdateRecords.start(record);
        return rollbacks(cluster).stream()
                .filter(r -> r.getSpec() != null && cluster.getMetadata().getName().equals(r.getSpec().getHostedClusterName()))
                .filter(r -> !r.getSpec().isDryRun() && r.getStatus() != null && r.getStatus().getPhase() == RollbackPhase.Succeeded)
                .filter(r -> from.isPresent() && from.equals(ReleaseVersion.parse(r.getSpec().getToVersion())))
                .filter(r -> Timestamps.parse(r.getStatus().getCompletionTime()).map(start::isBefore).orElse(false))
                .findFirst();
    }

    /** When the history reported the record's payload Completed. */
    private static Optional<Instant> completion(HostedCluster cluster, ControlPlaneUpdate record) {
        return PayloadImage.of(record.getSpec().getToImage())
                .flatMap(to -> UpdateStep.leadingTo(ReleaseField.RELEASE.history(cluster), to,
                        ReleaseVersion.parse(record.getSpec().getToVersion())))
                .map(UpdateStep::current).filter(UpdateHistory::isCompleted)
                .flatMap(entry -> Timestamps.parse(entry.getCompletionTime()));
    }

    /**
     * The cluster's snapshots and its namespace's rollbacks, from the caches once they have listed: what they
     * decide (a verdict, the rollback point named) is written again at the next look if a cache lagged. The
     * automatic rollback's own checks ask the API server ({@link #alreadyFiled}).
     */
    private List<ControlPlaneSnapshot> snapshots(HostedCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        return caches.isSynced(ControlPlaneSnapshot.class) ? caches.snapshotsOf(namespace, cluster.getMetadata().getName())
                : client.resources(ControlPlaneSnapshot.class).inNamespace(namespace).list().getItems();
    }

    private List<ControlPlaneRollback> rollbacks(HostedCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        return caches.isSynced(ControlPlaneRollback.class) ? caches.rollbacksIn(namespace)
                : client.resources(ControlPlaneRollback.class).inNamespace(namespace).list().getItems();
    }

    /**
     * The snapshot {@link RollbackPoint#ofUpdate} picks, or why none, with its data-loss window (its age: the writes
     * a restore of it throws away). Once the window closed (or the verdict is final), the last point found stays named
     * without a data-loss window: retention keeps it until the update is Healthy ({@link RollbackPoint#heldBy}).
     */
    private void locateRollbackPoint(ControlPlaneUpdateStatus status, ControlPlaneUpdate record,
            Optional<ControlPlaneSnapshot> point, boolean open, Instant now, Optional<String> notRestorable) {
        if (!open) {
            status.setDataLossWindow(null);
            if (!windowCloses(record).isAfter(now)) {
                status.setRollbackPointMessage("the rollback window closed at " + status.getWindowCloseTime());
            }
        } else if (point.isPresent()) {
            Instant completed = point.get().completedAt().get();
            status.setRollbackPoint(point.get().getMetadata().getName());
            status.setRollbackPointTime(Timestamps.format(completed));
            status.setDataLossWindow(coarse(Duration.between(completed, now)));
            status.setRollbackPointMessage("verified snapshot " + point.get().getMetadata().getName() + " of "
                    + record.getSpec().getFromVersion() + ", completed " + status.getRollbackPointTime()
                    + ": a restore throws away the etcd writes made since");
        } else {
            status.setRollbackPoint(null);
            status.setRollbackPointTime(null);
            status.setDataLossWindow(null);
            status.setRollbackPointMessage(notRestorable.orElse("no verified snapshot of " + record.getSpec().getFromVersion()
                    + " of this cluster completed before the update started at " + record.getSpec().getStartTime()));
        }
    }

    /** {@code ; restoring snapshot <name> throws away the etcd writes since <time> (<age>)}, or nothing without a point. */
    private static String dataLoss(ControlPlaneUpdateStatus status) {
        if (status.getRollbackPoint() == null || status.getRollbackPointTime() == null) {
            return "";
        }
        return "; restoring snapshot " + status.getRollbackPoint() + " throws away the etcd writes since "
                + status.getRollbackPointTime() + Optional.ofNullable(status.getDataLossWindow()).map(d -> " (" + d + ")")
                        .orElse("");
    }

    /** The exact command an SRE runs to roll this update back (docs/rollback.md). */
    private static String command(HostedCluster cluster, ControlPlaneUpdate record, HealthJudge.Judgement verdict) {
        return "kubectl -n " + cluster.getMetadata().getNamespace() + " annotate hostedcluster "
                + cluster.getMetadata().getName() + " " + RollbackRequest.TO_VERSION + "=" + record.getSpec().getFromVersion()
                + " " + RollbackRequest.REASON + "=\"update to " + record.getSpec().getToVersion() + " Unhealthy: "
                + verdict.message() + "\"";
    }

    private void recommend(ControlPlaneUpdateStatus status, HealthJudge.Judgement verdict,
            Optional<ControlPlaneSnapshot> usablePoint, String command) {
        if (verdict.health() != UpdateHealth.Unhealthy) {
            status.setRollbackCommand(null);
            condition(status, RECOMMENDED, "False", verdict.health().name(), verdict.health() == UpdateHealth.Inconclusive
                    ? verdict.message() + "; no rollback is recommended or filed on mixed evidence"
                    : "the update is " + verdict.health());
        } else if (usablePoint.isPresent()) {
            status.setRollbackCommand(command);
            condition(status, RECOMMENDED, "True", "Unhealthy", verdict.message() + ". Roll back to the previous version "
                    + "with: " + command);
        } else {
            status.setRollbackCommand(null);
            condition(status, RECOMMENDED, "False", "NoRollbackPoint", verdict.message()
                    + ", but the update cannot be rolled back: " + status.getRollbackPointMessage());
        }
    }

    /** Events on the HostedCluster when the verdict changes to one an SRE acts on. */
    private void announce(HostedCluster cluster, ControlPlaneUpdate record, UpdateHealth before) {
        UpdateHealth now = record.health();
        if (now == before) {
            return;
        }
        String name = "ControlPlaneUpdate " + record.getMetadata().getName() + ": ";
        if (now == UpdateHealth.Unhealthy) {
            Optional<Condition> recommended = condition(record.getStatus(), RECOMMENDED);
            boolean canRollBack = recommended.map(c -> "True".equals(c.getStatus())).orElse(false);
            events.warning(cluster, record, canRollBack ? RECOMMENDED : "UpdateUnhealthy", name + recommended.get().getMessage());
            LOG.warnf("%s/%s: %s%s", cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), name,
                    recommended.get().getMessage());
        } else if (now == UpdateHealth.Inconclusive) {
            events.warning(cluster, record, "UpdateInconclusive", name + record.getStatus().getMessage());
        } else if (now == UpdateHealth.Healthy) {
            events.normal(cluster, record, "UpdateHealthy", name + record.getStatus().getMessage());
        }
    }

    /**
     * Files the rollback request itself, at most once per update. The request's patch also sets
     * {@link RollbackRequest#AUTO_ROLLBACK_FILED} to the record's name, which the update determines: a record
     * deleted and made again finds it there (only the sidecar may change it) and files nothing. The intent is
     * written to the status before the patch, so a sidecar stopped in between finds it and only completes that
     * filing.
     */
    private ControlPlaneUpdate rollBackAutomatically(HostedCluster cluster, ControlPlaneUpdate record, List<RedSignal> red,
            boolean possible) {
        ControlPlaneUpdateStatus status = record.getStatus();
        Optional<Condition> auto = condition(status, AUTO_ROLLBACK);
        if (auto.map(c -> "Filed".equals(c.getReason())).orElse(false)) {
            return record;
        }
        if (AutoRollback.filedFor(cluster, record.getMetadata().getName())) {
            if (status.getAutoRollbackTime() != null) {
                return filed(cluster, record); // this record's filing, stopped after the patch
            }
            return persist(record, s -> condition(s, AUTO_ROLLBACK, "True", "Filed", "the automatic rollback of this"
                    + " update was filed before (the HostedCluster's " + RollbackRequest.AUTO_ROLLBACK_FILED
                    + " annotation names it), by an earlier record of it: at most one per update"));
        }
        if (status.getAutoRollbackTime() == null) {
            Optional<String> blocked = possible ? autoRollback.blocked(cluster)
                    : Optional.of("no verified rollback point inside an open window");
            if (blocked.isPresent()) {
                return persist(record, s -> condition(s, AUTO_ROLLBACK, "False", "Blocked",
                        "no automatic rollback: " + blocked.get()));
            }
            String reason = "automatic: " + HealthJudge.grounds(red);
            String to = record.getSpec().getFromVersion();
            record = persist(record, s -> {
                s.setAutoRollbackTime(Timestamps.format(clock.instant()));
                s.setAutoRollbackReason(reason);
                condition(s, AUTO_ROLLBACK, "False", "Filing", "filing the rollback request to " + to + " (" + reason + ")"
                        + dataLoss(s));
            });
        } else {
            // an interrupted filing: never over a request or rollback that came in between
            Optional<String> blocked = autoRollback.blocked(cluster);
            if (blocked.isPresent()) {
                return persist(record, s -> condition(s, AUTO_ROLLBACK, "False", "Blocked",
                        "no automatic rollback: " + blocked.get()));
            }
        }
        autoRollback.file(cluster, record.getSpec().getFromVersion(), record.getStatus().getAutoRollbackReason(),
                record.getMetadata().getName());
        return filed(cluster, record);
    }

    private ControlPlaneUpdate filed(HostedCluster cluster, ControlPlaneUpdate record) {
        metrics.autoRollbackFiled();
        String message = "rollback request to " + record.getSpec().getFromVersion() + " filed: "
                + record.getStatus().getAutoRollbackReason() + dataLoss(record.getStatus());
        events.warning(cluster, record, "AutoRollbackRequested",
                "ControlPlaneUpdate " + record.getMetadata().getName() + ": " + message);
        LOG.warnf("%s/%s: %s", cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), message);
        return persist(record, s -> condition(s, AUTO_ROLLBACK, "True", "Filed", message));
    }

    private void publish(HostedCluster cluster, ControlPlaneUpdate newest, Instant now) {
        ControlPlaneUpdateStatus status = Optional.ofNullable(newest.getStatus()).orElseGet(ControlPlaneUpdateStatus::new);
        boolean windowOpen = windowCloses(newest).isAfter(now);
        metrics.publish(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), newest.health(),
                windowOpen && status.getRollbackPoint() != null, windowCloses(newest),
                condition(status, RECOMMENDED).map(c -> "True".equals(c.getStatus())).orElse(false));
    }

    // ---------------------------------------------------------------- the record

    private Instant windowCloses(ControlPlaneUpdate record) {
        return UpdateRecords.start(record).plus(settings.window());
    }

    /** {@code 23h}, {@code 42m}, {@code closed}: coarse, so that the status is not rewritten at every look. */
    private String windowLeft(ControlPlaneUpdate record, Instant now) {
        Duration left = Duration.between(now, windowCloses(record));
        return left.isNegative() || left.isZero() ? "closed" : coarse(left);
    }

    /** {@code 23h}, {@code 42m}: whole hours, else whole minutes (at least 1m). */
    private static String coarse(Duration span) {
        return span.toHours() > 0 ? span.toHours() + "h" : Math.max(1, span.toMinutes()) + "m";
    }

    /** Applies {@code change} to the status and writes it when anything changed; returns the record as stored. */
    private ControlPlaneUpdate persist(ControlPlaneUpdate record, java.util.function.Consumer<ControlPlaneUpdateStatus> change) {
        if (record.getStatus() == null) {
            record.setStatus(new ControlPlaneUpdateStatus());
        }
        String before = JSON.valueToTree(record.getStatus()).toString();
        change.accept(record.getStatus());
        if (before.equals(JSON.valueToTree(record.getStatus()).toString())) {
            return record;
        }
        return client.resource(record).updateStatus();
    }

    private static Optional<Condition> condition(ControlPlaneUpdateStatus status, String type) {
        return status == null ? Optional.empty() : status.condition(type);
    }

    /** Sets a condition; its transition time moves only when its status does. */
    private void condition(ControlPlaneUpdateStatus status, String type, String value, String reason, String message) {
        status.setCondition(type, value, reason, message, null, clock.instant());
    }
}
