package dev.hcprollback.hypershift;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.fabric8.kubernetes.api.model.Condition;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterStatus extends KeepsUnknownFields {

    private VersionStatus version;
    private VersionStatus controlPlaneVersion;
    private List<Condition> conditions = new ArrayList<>();
    private SecretEncryption.Status secretEncryption;

    public Optional<Condition> condition(String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public boolean isConditionTrue(String type) {
        return condition(type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    public VersionStatus getVersion() {
        return version;
    }

    public void setVersion(VersionStatus version) {
        this.version = version;
    }

    public VersionStatus getControlPlaneVersion() {
        return controlPlaneVersion;
    }

    public void setControlPlaneVersion(VersionStatus controlPlaneVersion) {
        this.controlPlaneVersion = controlPlaneVersion;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions == null ? new ArrayList<>() : conditions;
    }

    public SecretEncryption.Status getSecretEncryption() {
        return secretEncryption;
    }

    public void setSecretEncryption(SecretEncryption.Status secretEncryption) {
        this.secretEncryption = secretEncryption;
    }
}
