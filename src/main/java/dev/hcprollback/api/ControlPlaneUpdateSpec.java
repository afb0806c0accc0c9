package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What the update was, fixed when the sidecar records it: the API server refuses any change
 * ({@code x-kubernetes-validations}). Versions and images as the HostedCluster's version history
 * reported them; compared as payloads ({@code PayloadIdentity}), never as text.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: it records which update of which cluster this is")
public class ControlPlaneUpdateSpec {

    @Required
    @JsonPropertyDescription("The HostedCluster, in this namespace, that was updated.")
    private String hostedClusterName;
    @Required
    @JsonPropertyDescription("Its UID: the record speaks of that very cluster only.")
    private String hostedClusterUid;
    @JsonPropertyDescription("The version the update left: the previous Completed entry of the HostedCluster's version history.")
    private String fromVersion;
    @JsonPropertyDescription("The release image the update left.")
    private String fromImage;
    @Required
    @JsonPropertyDescription("The version the update went to.")
    private String toVersion;
    @Required
    @JsonPropertyDescription("The release image the update went to.")
    private String toImage;
    @Required
    @JsonPropertyDescription("When the update started (RFC 3339): the start of the first version-history entry of the new version.")
    private String startTime;

    public String getHostedClusterName() {
        return hostedClusterName;
    }

    public void setHostedClusterName(String hostedClusterName) {
        this.hostedClusterName = hostedClusterName;
    }

    public String getHostedClusterUid() {
        return hostedClusterUid;
    }

    public void setHostedClusterUid(String hostedClusterUid) {
        this.hostedClusterUid = hostedClusterUid;
    }

    public String getFromVersion() {
        return fromVersion;
    }

    public void setFromVersion(String fromVersion) {
        this.fromVersion = fromVersion;
    }

    public String getFromImage() {
        return fromImage;
    }

    public void setFromImage(String fromImage) {
        this.fromImage = fromImage;
    }

    public String getToVersion() {
        return toVersion;
    }

    public void setToVersion(String toVersion) {
        this.toVersion = toVersion;
    }

    public String getToImage() {
        return toImage;
    }

    public void setToImage(String toImage) {
        this.toImage = toImage;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }
}
