package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The replicas a workload had before the rollback scaled it to 0, so that it can be given back. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecordedReplicas {

    public static final String DEPLOYMENT = "Deployment";
    public static final String STATEFUL_SET = "StatefulSet";

    @JsonPropertyDescription("Deployment or StatefulSet.")
    private String kind;
    @JsonPropertyDescription("Its name in the control-plane namespace.")
    private String name;
    @JsonPropertyDescription("Its replicas before the rollback scaled it to 0.")
    private Integer replicas;

    public RecordedReplicas() {
    }

    public RecordedReplicas(String kind, String name, int replicas) {
        this.kind = kind;
        this.name = name;
        this.replicas = replicas;
    }

    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    @Override
    public String toString() {
        return kind + "/" + name + "=" + replicas;
    }
}
