package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A NodePool of the cluster that stays on a payload newer than the rollback's target. */
public class NewerNodePool {

    @JsonPropertyDescription("The NodePool.")
    private String name;
    @JsonPropertyDescription("The version its nodes run.")
    private String version;

    public NewerNodePool() {
    }

    public NewerNodePool(String name, String version) {
        this.name = name;
        this.version = version;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }
}
