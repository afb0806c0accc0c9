package dev.hcprollback.update;

import java.time.Clock;

import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.hcprollback.cluster.ClusterCaches;
import dev.hcprollback.cluster.ClusterEvents;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Runs {@link UpdateWatch} for each HostedCluster: on every change of the cluster and at the poll
 * interval while a verdict is open. HostedCluster is HyperShift's: this controller only reads it (and
 * files an automatic rollback request through its annotations). Clusters gone from the cache lose
 * their metrics at the next look at any cluster.
 */
// status changes (conditions, history) do not move metadata.generation
@ControllerConfiguration(name = UpdateReconciler.NAME, generationAwareEventProcessing = false)
public class UpdateReconciler implements Reconciler<HostedCluster> {

    public static final String NAME = "hostedcluster-updates";
    private static final Logger LOG = Logger.getLogger(UpdateReconciler.class);

    @Inject
    KubernetesClient client;

    @Inject
    HcpRollbackConfig config;

    @Inject
    UpdateHealthConfig updateConfig;

    @Inject
    MeterRegistry registry;

    @Inject
    ClusterEvents clusterEvents;

    @Inject
    ClusterCaches caches;

    UpdateWatch watch;
    UpdateMetrics metrics;
    QuarantineMetrics quarantines;

    @PostConstruct
    void init() {
        Clock clock = Clock.systemUTC();
        metrics = new UpdateMetrics(registry, clock);
        quarantines = new QuarantineMetrics(registry);
        watch = new UpdateWatch(client, caches, UpdateSettings.of(updateConfig, config.rollback().window()), clock,
                clusterEvents, metrics);
    }

    @Override
    public UpdateControl<HostedCluster> reconcile(HostedCluster cluster, Context<HostedCluster> context) {
        if (!updateConfig.enabled()) {
            return UpdateControl.noUpdate();
        }
        metrics.retainOnly((namespace, name) -> context.getPrimaryCache().get(new ResourceID(name, namespace)).isPresent());
        quarantines.retainOnly((namespace, name) -> context.getPrimaryCache().get(new ResourceID(name, namespace)).isPresent());
        quarantines.publish(cluster);
        try {
            return UpdateControl.<HostedCluster>noUpdate().rescheduleAfter(watch.watch(cluster));
        } catch (KubernetesClientException e) {
            // a conflict: another writer (HyperShift, an SRE's request) got there first; look again soon
            LOG.infof("updates of %s/%s: API error %d (%s); looking again", cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), e.getCode(), e.getMessage());
            return UpdateControl.<HostedCluster>noUpdate().rescheduleAfter(updateConfig.pollInterval());
        }
    }
}
