package dev.hcprollback.rollback;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.hcprollback.HcpRollbackConfig;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.snapshot.ControlPlaneSnapshot;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/**
 * Turns the request annotations on a HostedCluster into one ControlPlaneRollback record: a
 * deterministic name (the same request on the same update always names the same record, so a
 * restarted sidecar or a repeated event never creates a second), the rollback point's snapshot, a
 * link back in the annotation {@code rollback.hypershift.openshift.io/rollback}. While another
 * rollback of the cluster is unfinished, it creates nothing. HostedCluster is HyperShift's resource:
 * this controller only reads it and patches annotations.
 */
// annotations do not move metadata.generation: a generation-aware controller would never see a request
@ControllerConfiguration(name = RollbackTrigger.NAME, generationAwareEventProcessing = false)
public class RollbackTrigger implements Reconciler<HostedCluster> {

    public static final String NAME = "rollbacktrigger";
    private static final Logger LOG = Logger.getLogger(RollbackTrigger.class);

    @Inject
    KubernetesClient client;

    @Inject
    HcpRollbackConfig config;

    Clock clock = Clock.systemUTC();

    @Override
    public UpdateControl<HostedCluster> reconcile(HostedCluster cluster, Context<HostedCluster> context) {
        RollbackRequest request = RollbackRequest.of(cluster);
        if (!request.isPresent() || request.reason().isEmpty()) {
            return UpdateControl.noUpdate();
        }
        String namespace = cluster.getMetadata().getNamespace();
        String toVersion = request.toVersion().get();
        String updateStarted = ReleaseField.RELEASE.history(cluster).stream().findFirst()
                .map(entry -> Objects.toString(entry.getStartedTime(), "")).orElse("");
        String name = RollbackNames.forRequest(cluster, toVersion, request.dryRun(), updateStarted);
        try {
            ControlPlaneRollback existing = client.resources(ControlPlaneRollback.class).inNamespace(namespace)
                    .withName(name).get();
            if (existing == null) {
                Optional<ControlPlaneRollback> unfinished = unfinished(cluster);
                if (unfinished.isPresent()) {
                    LOG.infof("%s/%s: rollback %s is unfinished; request to %s waits", namespace,
                            cluster.getMetadata().getName(), unfinished.get().getMetadata().getName(), toVersion);
                    return UpdateControl.<HostedCluster>noUpdate().rescheduleAfter(config.rollback().maxPollInterval());
                }
                create(cluster, request, name);
            }
            if (!name.equals(cluster.getMetadata().getAnnotations().get(RollbackNames.LINK_ANNOTATION))) {
                String patch = "{\"metadata\":{\"annotations\":{\"" + RollbackNames.LINK_ANNOTATION + "\":\"" + name + "\"}}}";
                client.resources(HostedCluster.class).inNamespace(namespace).withName(cluster.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return UpdateControl.<HostedCluster>noUpdate().rescheduleAfter(config.rollback().pollInterval());
            }
            throw e;
        }
        return UpdateControl.noUpdate();
    }

    private Optional<ControlPlaneRollback> unfinished(HostedCluster cluster) {
        return client.resources(ControlPlaneRollback.class).inNamespace(cluster.getMetadata().getNamespace()).list()
                .getItems().stream()
                .filter(r -> r.getSpec() != null && cluster.getMetadata().getName().equals(r.getSpec().getHostedClusterName()))
                .filter(r -> r.getStatus() == null || r.getStatus().getPhase() == null
                        || r.getStatus().getPhase() == RollbackPhase.Pending || r.getStatus().getPhase() == RollbackPhase.Running)
                .findFirst();
    }

    private void create(HostedCluster cluster, RollbackRequest request, String name) {
        String namespace = cluster.getMetadata().getNamespace();
        List<ControlPlaneSnapshot> snapshots = client.resources(ControlPlaneSnapshot.class).inNamespace(namespace).list()
                .getItems();
        Duration window = config.rollback().window();
        Optional<ControlPlaneSnapshot> point = RollbackPoint.of(cluster, snapshots, window, clock.instant());
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
                .addToLabels(RollbackNames.CLUSTER_LABEL, cluster.getMetadata().getName())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(cluster.getApiVersion())
                        .withKind(cluster.getKind()).withName(cluster.getMetadata().getName())
                        .withUid(cluster.getMetadata().getUid()).build())
                .build());
        ControlPlaneRollbackSpec spec = new ControlPlaneRollbackSpec();
        spec.setHostedClusterName(cluster.getMetadata().getName());
        spec.setToVersion(request.toVersion().get());
        spec.setReason(request.reason().get());
        spec.setDryRun(request.dryRun());
        spec.setSnapshotName(point.map(s -> s.getMetadata().getName()).orElse(null));
        String strategy = cluster.getMetadata().getAnnotations().get(RollbackRequest.STRATEGY);
        spec.setStrategy(RollbackStrategy.PayloadOnly.name().equals(strategy) ? RollbackStrategy.PayloadOnly
                : RollbackStrategy.RestoreEtcd);
        rollback.setSpec(spec);
        client.resource(rollback).create();
        LOG.infof("%s/%s: created rollback %s to %s (snapshot %s%s)", namespace, cluster.getMetadata().getName(), name,
                spec.getToVersion(), spec.getSnapshotName(), spec.isDryRun() ? ", dry run" : "");
    }
}
