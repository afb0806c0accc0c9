package dev.hcprollback.rollback;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.ControlPlaneRollbackSpec;
import dev.hcprollback.api.ControlPlaneSnapshot;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.api.RollbackRequest;
import dev.hcprollback.cluster.RollbackRequests;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.eligibility.RollbackPoint;
import dev.hcprollback.hypershift.HostedCluster;
import dev.hcprollback.hypershift.ReleaseField;
import dev.hcprollback.hypershift.ReleaseVersion;
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
 * Turns the request annotations on a HostedCluster into one ControlPlaneRollback record and links
 * it back in the annotation {@code rollback.hypershift.openshift.io/rollback}. The link is the
 * request's memory: it is written before the record is created, so a sidecar restarted in between
 * creates the record it had named and never a second one, and while it names a record of the same
 * version and kind (plan or not) nothing new is created, whatever that record's phase. Once the
 * request annotations are gone (the rollback succeeded and cleared them, or the SRE withdrew them)
 * the link moves to {@code rollback.hypershift.openshift.io/last-rollback}, so that a later request,
 * a retry after a failure included, gets a record of its own. While another rollback of the cluster
 * is unfinished, nothing is created; nor while the cancel annotation is set (once nothing is
 * unfinished, the cancel and the request are withdrawn). HostedCluster is HyperShift's: this controller only reads it
 * and patches annotations.
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
        try {
            return handle(cluster);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return UpdateControl.<HostedCluster>noUpdate().rescheduleAfter(config.rollback().pollInterval());
            }
            throw e;
        }
    }

    private UpdateControl<HostedCluster> handle(HostedCluster cluster) {
        RollbackRequest request = RollbackRequest.of(cluster);
        String namespace = cluster.getMetadata().getNamespace();
        Map<String, String> annotations = Optional.ofNullable(cluster.getMetadata().getAnnotations()).orElse(Map.of());
        String link = annotations.get(RollbackNames.LINK_ANNOTATION);
        if (request.cancel().isPresent()) {
            // a cancel files nothing; the driver cancels what is unfinished and withdraws the request, and a cancel
            // with nothing (left) unfinished is withdrawn here, the request with it
            if (RollbackRequests.unfinished(client, cluster).isEmpty()) {
                Map<String, String> withdrawn = new LinkedHashMap<>();
                if (link != null) {
                    withdrawn.put(RollbackNames.LAST_ANNOTATION, link);
                }
                RollbackRequests.patchAnnotations(client, cluster, withdrawn, RollbackRequest.WITHDRAWN_BY_CANCEL,
                        link == null ? List.of() : List.of(RollbackNames.LINK_ANNOTATION));
                LOG.infof("%s/%s: cancel by %s: no rollback is unfinished; the request is withdrawn", namespace,
                        cluster.getMetadata().getName(), request.cancel().get());
                return UpdateControl.noUpdate();
            }
            return UpdateControl.<HostedCluster>noUpdate().rescheduleAfter(config.rollback().maxPollInterval());
        }
        if (!request.isPresent()) {
            if (link != null) {
                RollbackRequests.patchAnnotations(client, cluster, Map.of(RollbackNames.LAST_ANNOTATION, link), RollbackNames.LINK_ANNOTATION);
            }
            return UpdateControl.noUpdate();
        }
        if (request.reason().isEmpty()) {
            return UpdateControl.noUpdate();
        }
        if (!request.isValid()) {
            // the webhook refuses such values; one set before it ran is never guessed at, least of all towards a
            // real rollback
            LOG.warnf("%s/%s: the rollback request is not acted on: %s", namespace, cluster.getMetadata().getName(),
                    request.invalid().stream().map(RollbackRequest.InvalidValue::describe).collect(java.util.stream.Collectors.joining("; ")));
            return UpdateControl.noUpdate();
        }
        String toVersion = request.toVersion().get();
        String name = link;
        if (link != null) {
            ControlPlaneRollback linked = client.resources(ControlPlaneRollback.class).inNamespace(namespace).withName(link).get();
            if (linked != null && answers(linked, request)) {
                return UpdateControl.noUpdate();
            }
            if (linked != null) {
                // the request changed (another version, or a plan became a rollback): a new request
                name = null;
            }
        }
        if (name == null) {
            Optional<ControlPlaneRollback> unfinished = RollbackRequests.unfinished(client, cluster);
            if (unfinished.isPresent()) {
                LOG.infof("%s/%s: rollback %s is unfinished; the request to %s waits", namespace,
                        cluster.getMetadata().getName(), unfinished.get().getMetadata().getName(), toVersion);
                return UpdateControl.<HostedCluster>noUpdate().rescheduleAfter(config.rollback().maxPollInterval());
            }
            String updateStarted = ReleaseField.RELEASE.history(cluster).stream().findFirst()
                    .map(entry -> Objects.toString(entry.getStartedTime(), "")).orElse("");
            String hash = RollbackNames.requestHash(cluster, toVersion, request.dryRun(), updateStarted);
            int earlier = client.resources(ControlPlaneRollback.class).inNamespace(namespace)
                    .withLabel(RollbackNames.REQUEST_LABEL, hash).list().getItems().size();
            name = RollbackNames.forRequest(cluster, toVersion, request.dryRun(), updateStarted, earlier + 1);
            // the link first, guarded by the resourceVersion read: two racing triggers cannot both name one
            Map<String, String> linkPatch = new LinkedHashMap<>();
            linkPatch.put(RollbackNames.LINK_ANNOTATION, name);
            if (link != null) {
                linkPatch.put(RollbackNames.LAST_ANNOTATION, link);
            }
            RollbackRequests.patchAnnotations(client, cluster, linkPatch, null);
            create(cluster, request, name, hash);
        } else {
            // linked but missing: the sidecar stopped between the link and the record
            String updateStarted = ReleaseField.RELEASE.history(cluster).stream().findFirst()
                    .map(entry -> Objects.toString(entry.getStartedTime(), "")).orElse("");
            create(cluster, request, name, RollbackNames.requestHash(cluster, toVersion, request.dryRun(), updateStarted));
        }
        return UpdateControl.noUpdate();
    }

    private static boolean answers(ControlPlaneRollback rollback, RollbackRequest request) {
        return rollback.getSpec() != null && ReleaseVersion.parse(rollback.getSpec().getToVersion())
                        .equals(ReleaseVersion.parse(request.toVersion().get()))
                && rollback.getSpec().isDryRun() == request.dryRun();
    }

    private void create(HostedCluster cluster, RollbackRequest request, String name, String requestHash) {
        String namespace = cluster.getMetadata().getNamespace();
        List<ControlPlaneSnapshot> snapshots = client.resources(ControlPlaneSnapshot.class).inNamespace(namespace).list()
                .getItems();
        Duration window = config.rollback().window();
        Optional<ControlPlaneSnapshot> point = RollbackPoint.of(cluster, snapshots, window, clock.instant());
        ControlPlaneRollback rollback = new ControlPlaneRollback();
        rollback.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
                .addToLabels(RollbackNames.CLUSTER_LABEL, cluster.getMetadata().getName())
                .addToLabels(RollbackNames.REQUEST_LABEL, requestHash)
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
        spec.setStrategy(request.strategy());
        rollback.setSpec(spec);
        try {
            client.resource(rollback).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return; // created by an earlier call that did not live to see the answer
            }
            throw e;
        }
        LOG.infof("%s/%s: created rollback %s to %s (snapshot %s%s)", namespace, cluster.getMetadata().getName(), name,
                spec.getToVersion(), spec.getSnapshotName(), spec.isDryRun() ? ", dry run" : "");
    }
}
