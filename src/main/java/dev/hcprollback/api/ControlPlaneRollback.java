package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** The record of one service-led rollback of a hosted control plane to its previous z-stream. */
@JsonClassDescription("The record of one service-led rollback of a hosted control plane to its previous z-stream: the request (spec, fixed once admitted) and every step the sidecar took (status). kubectl wait --for=condition=Succeeded follows it.")
@Group(ControlPlaneSnapshot.GROUP)
@Version("v1alpha1")
@Kind("ControlPlaneRollback")
@Plural("controlplanerollbacks")
@Categories(ControlPlaneSnapshot.CATEGORY)
@ShortNames("cprb")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.hostedClusterName", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The HostedCluster rolled back.")
@AdditionalPrinterColumn(name = "From", jsonPath = ".status.plan.fromVersion", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The control-plane version before the rollback.")
@AdditionalPrinterColumn(name = "To", jsonPath = ".spec.toVersion", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The version it goes back to.")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Pending, Planned (dry run), Running, Succeeded, Failed or Cancelled.")
@AdditionalPrinterColumn(name = "Step", jsonPath = ".status.currentStep", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The step in progress, or the one that failed.")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE,
        getDescription = "Time since the record was created.")
@AdditionalPrinterColumn(name = "Strategy", jsonPath = ".spec.strategy", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "RestoreEtcd or PayloadOnly.")
@AdditionalPrinterColumn(name = "Snapshot", jsonPath = ".spec.snapshotName", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "The snapshot restored.")
@AdditionalPrinterColumn(name = "Downtime", jsonPath = ".status.downtime", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "How long the API servers were down.")
@AdditionalPrinterColumn(name = "Failure", jsonPath = ".status.failureReason", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "Why it failed.")
public class ControlPlaneRollback extends CustomResource<ControlPlaneRollbackSpec, ControlPlaneRollbackStatus>
        implements Namespaced {

    /**
     * Required by the CRD ({@code required: [spec]}): it is the rollback the controller acts on. The spec's own rule
     * ({@code self == oldSelf}) compares an old and a new spec only, so without this a spec could be left out on
     * create or removed later, by the sidecar too, whose writes skip the webhook.
     */
    @Override
    @Required
    @JsonPropertyDescription("The request, fixed once created.")
    public ControlPlaneRollbackSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the sidecar did and is doing, each step written before it acts; only the sidecar writes it.")
    public ControlPlaneRollbackStatus getStatus() {
        return super.getStatus();
    }
}
