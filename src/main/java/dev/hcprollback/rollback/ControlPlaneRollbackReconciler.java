package dev.hcprollback.rollback;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.RollbackPhase;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.rollback.etcd.EtcdMembersReader;
import dev.hcprollback.rollback.etcd.EtcdRevisionReader;
import dev.hcprollback.rollback.restore.RestoreSource;
import dev.hcprollback.rollback.steps.Checkpoints;
import dev.hcprollback.rollback.steps.FetchImage;
import dev.hcprollback.rollback.steps.RollbackSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Drives ControlPlaneRollback records with {@link RollbackDriver}. The driver writes the status itself
 * (with optimistic locking) as it goes, so this reconciler only schedules the next look. An API error
 * is retried here with the configured back-off instead of JOSDK's bounded retry, so that a long
 * API-server outage in the middle of a rollback does not leave it unattended.
 *
 * <p>
 * Every record carries JOSDK's finalizer: a record deleted while its rollback runs stays (marked for
 * deletion) until the rollback has ended, since stopping half-way would leave the cluster paused with
 * nothing to explain it; a record deleted before it started is let go without starting.
 */
@ControllerConfiguration(name = ControlPlaneRollbackReconciler.NAME,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = java.util.concurrent.TimeUnit.MINUTES))
public class ControlPlaneRollbackReconciler implements Reconciler<ControlPlaneRollback>, Cleaner<ControlPlaneRollback> {

    public static final String NAME = "controlplanerollback";
    private static final Logger LOG = Logger.getLogger(ControlPlaneRollbackReconciler.class);

    @Inject
    KubernetesClient client;

    @Inject
    HcpRollbackConfig config;

    @Inject
    RestoreSource restoreSource;

    @Inject
    EtcdRevisionReader etcd;

    @Inject
    EtcdMembersReader etcdMembers;

    @Inject
    MeterRegistry registry;

    @Inject
    ClusterEvents clusterEvents;

    @Inject
    dev.hcprollback.cluster.ClusterCaches caches;

    /** The sidecar's own pod, from the downward API (the Deployment's env); absent outside a pod. */
    @ConfigProperty(name = "POD_NAME")
    Optional<String> podName;

    @ConfigProperty(name = "POD_NAMESPACE")
    Optional<String> podNamespace;

    @ConfigProperty(name = "quarkus.application.version")
    String version;

    RollbackDriver driver;
    RollbackMetrics metrics;

    @PostConstruct
    void init() {
        Clock clock = Clock.systemUTC();
        metrics = new RollbackMetrics(registry);
        FetchImage fetchImage = FetchImage.of(config.rollback().fetchImage(), client, podNamespace, podName,
                "quay.io/hcp-rollback/hcp-rollback:" + version);
        driver = new RollbackDriver(client, RollbackSettings.of(config.rollback(), fetchImage), clock, restoreSource, etcd, etcdMembers,
                clusterEvents, metrics, Checkpoints.NONE,
                () -> dev.hcprollback.eligibility.RollbackFloors.of(caches.floorsSource(), caches.floorsData()));
    }

    @Override
    public DeleteControl cleanup(ControlPlaneRollback rollback, Context<ControlPlaneRollback> context) {
        RollbackPhase phase = rollback.getStatus() == null ? null : rollback.getStatus().getPhase();
        if (phase != RollbackPhase.Running) {
            metrics.forget(rollback);
            return DeleteControl.defaultDelete();
        }
        LOG.warnf("rollback %s/%s was deleted while running: it finishes first", rollback.getMetadata().getNamespace(),
                rollback.getMetadata().getName());
        Optional<Duration> again = drive(rollback);
        if (again.isPresent()) {
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(again.get().toMillis());
        }
        metrics.forget(rollback);
        return DeleteControl.defaultDelete();
    }

    @Override
    public UpdateControl<ControlPlaneRollback> reconcile(ControlPlaneRollback rollback, Context<ControlPlaneRollback> context) {
        return drive(rollback).map(delay -> UpdateControl.<ControlPlaneRollback>noUpdate().rescheduleAfter(delay))
                .orElseGet(UpdateControl::noUpdate);
    }

    private Optional<Duration> drive(ControlPlaneRollback rollback) {
        Optional<Duration> again;
        try {
            again = driver.reconcile(rollback);
        } catch (KubernetesClientException e) {
            // a conflict means another writer got there first (HyperShift, or a second replica during a
            // leader change): look again soon; anything else with the longer back-off
            Duration delay = e.getCode() == 409 ? config.rollback().pollInterval() : config.rollback().maxPollInterval();
            LOG.warnf("rollback %s/%s: API error %d (%s); looking again in %s", rollback.getMetadata().getNamespace(),
                    rollback.getMetadata().getName(), e.getCode(), e.getMessage(), delay);
            again = Optional.of(delay);
        }
        return again;
    }
}
