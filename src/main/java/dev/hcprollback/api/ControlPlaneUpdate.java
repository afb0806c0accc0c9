package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonIgnore;
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

/**
 * The record of one control-plane update of a HostedCluster, kept by the sidecar: from and to which
 * payload, whether it could still be rolled back and with which snapshot, and the health verdict
 * with its evidence. {@code kubectl get cpupd -A} is the triage view of forced updates.
 */
@JsonClassDescription("The record of one control-plane update of a HostedCluster, kept by the sidecar: from and to which payload, whether it can still be rolled back and with which snapshot, and the health verdict with its evidence.")
@Group(ControlPlaneSnapshot.GROUP)
@Version("v1alpha1")
@Kind("ControlPlaneUpdate")
@Plural("controlplaneupdates")
@Categories(ControlPlaneSnapshot.CATEGORY)
@ShortNames("cpupd")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.hostedClusterName", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The HostedCluster updated.")
@AdditionalPrinterColumn(name = "From", jsonPath = ".spec.fromVersion", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The version the update left.")
@AdditionalPrinterColumn(name = "To", jsonPath = ".spec.toVersion", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The version the update went to.")
@AdditionalPrinterColumn(name = "Health", jsonPath = ".status.health", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Soaking, Healthy, Unhealthy, Inconclusive, RolledBack or Superseded.")
@AdditionalPrinterColumn(name = "Rollback Point", jsonPath = ".status.rollbackPoint", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The verified snapshot a rollback would restore; empty: none.")
@AdditionalPrinterColumn(name = "Window Left", jsonPath = ".status.windowLeft", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Time left to roll back.")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE,
        getDescription = "Time since the record was created.")
// a time, not a date column: kubectl prints a date in the future as <invalid>
@AdditionalPrinterColumn(name = "Soak Ends", jsonPath = ".status.soakEndTime", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "When the soak ends if every signal stays green (RFC 3339).")
@AdditionalPrinterColumn(name = "Rolled Back By", jsonPath = ".status.rolledBackBy", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "The ControlPlaneRollback that undid it.")
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        getDescription = "The verdict in a sentence.")
public class ControlPlaneUpdate extends CustomResource<ControlPlaneUpdateSpec, ControlPlaneUpdateStatus>
        implements Namespaced {

    /**
     * Required by the CRD ({@code required: [spec]}): it records which update of which cluster the record judges. The
     * spec's own rule ({@code self == oldSelf}) compares an old and a new spec only, so without this a spec could be
     * left out on create or removed later, by the sidecar too, whose writes skip the webhook.
     */
    @Override
    @Required
    @JsonPropertyDescription("The update, fixed when the sidecar records it.")
    public ControlPlaneUpdateSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the sidecar observed of the update; only the sidecar writes it.")
    public ControlPlaneUpdateStatus getStatus() {
        return super.getStatus();
    }

    @JsonIgnore
    public UpdateHealth health() {
        return getStatus() == null || getStatus().getHealth() == null ? UpdateHealth.Soaking : getStatus().getHealth();
    }
}
