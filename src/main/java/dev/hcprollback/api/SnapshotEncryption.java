package dev.hcprollback.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * How the snapshotted etcd's secrets were encrypted: the HostedCluster's encryption type and every key the hosted
 * API server was configured with when the snapshot was taken (any of them may have encrypted some of its data).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotEncryption {

    /** {@link #getType()} of a cluster that encrypted no secrets. */
    public static final String NONE = "none";

    @JsonPropertyDescription("spec.secretEncryption.type of the HostedCluster (aescbc or kms), or none when it set no secretEncryption.")
    private String type;
    @JsonPropertyDescription("Every key the hosted API server was configured with (active, backup, or a rotation's target): all must still be configured for the snapshot to be restorable.")
    private List<EncryptionKey> keys = new ArrayList<>();

    public SnapshotEncryption() {
    }

    public SnapshotEncryption(String type, List<EncryptionKey> keys) {
        this.type = type;
        this.keys = new ArrayList<>(keys);
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public List<EncryptionKey> getKeys() {
        return keys;
    }

    public void setKeys(List<EncryptionKey> keys) {
        this.keys = keys == null ? new ArrayList<>() : keys;
    }
}
