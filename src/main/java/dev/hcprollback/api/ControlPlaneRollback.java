package dev.hcprollback.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** The record of one service-led rollback of a hosted control plane to its previous z-stream. */
@Group(ControlPlaneSnapshot.GROUP)
@Version("v1alpha1")
@Kind("ControlPlaneRollback")
@Plural("controlplanerollbacks")
@ShortNames("cprb")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.hostedClusterName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "From", jsonPath = ".status.plan.fromVersion", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "To", jsonPath = ".spec.toVersion", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Strategy", jsonPath = ".spec.strategy", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Step", jsonPath = ".status.currentStep", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ControlPlaneRollback extends CustomResource<ControlPlaneRollbackSpec, ControlPlaneRollbackStatus>
        implements Namespaced {

    /**
     * Required by the CRD ({@code required: [spec]}): it is the rollback the controller acts on. The spec's own rule
     * ({@code self == oldSelf}) compares an old and a new spec only, so without this a spec could be left out on
     * create or removed later, by the sidecar too, whose writes skip the webhook.
     */
    @Override
    @Required
    public ControlPlaneRollbackSpec getSpec() {
        return super.getSpec();
    }
}
