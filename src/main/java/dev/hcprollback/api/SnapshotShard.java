package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One etcd shard's member of a snapshot set (TechPreview EtcdSharding: {@code spec.etcd.managed.shards} of the
 * HostedCluster): the shard's own etcd, snapshotted in the same attempt as the default etcd and stored as its own
 * object. The snapshot is verified only when every member is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SnapshotShard {

    @JsonPropertyDescription("The shard's name in spec.etcd.managed.shards of the HostedCluster (its StatefulSet is etcd-<name>).")
    private String name;
    @JsonPropertyDescription("Key of the shard's snapshot object in the store (its manifest has the same key with .json).")
    private String objectKey;
    @JsonPropertyDescription("Where the shard's snapshot is stored, as a URL of the storage backend.")
    private String location;
    @JsonPropertyDescription("SHA-256 of the shard's stored object, hex.")
    private String sha256;
    @JsonPropertyDescription("Size of the shard's stored object in bytes.")
    private Long sizeBytes;
    @JsonPropertyDescription("The shard's snapshot size in bytes as etcd sent it (decoded): what a restore writes on each of the shard's volumes.")
    private Long etcdSizeBytes;
    @JsonPropertyDescription("The shard etcd's own revision at its snapshot.")
    private Long etcdRevision;
    @JsonPropertyDescription("True once the shard's stored object was read back and its SHA-256 matched.")
    private Boolean verified;

    public SnapshotShard() {
    }

    public SnapshotShard(String name, String objectKey, String location, String sha256, long sizeBytes, long etcdRevision,
            boolean verified) {
        this.name = name;
        this.objectKey = objectKey;
        this.location = location;
        this.sha256 = sha256;
        this.sizeBytes = sizeBytes;
        this.etcdRevision = etcdRevision;
        this.verified = verified;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getObjectKey() {
        return objectKey;
    }

    public void setObjectKey(String objectKey) {
        this.objectKey = objectKey;
    }

    public String getLocation() {
        return location;
    }

    public void setLocation(String location) {
        this.location = location;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    public Long getSizeBytes() {
        return sizeBytes;
    }

    public void setSizeBytes(Long sizeBytes) {
        this.sizeBytes = sizeBytes;
    }

    public Long getEtcdSizeBytes() {
        return etcdSizeBytes;
    }

    public void setEtcdSizeBytes(Long etcdSizeBytes) {
        this.etcdSizeBytes = etcdSizeBytes;
    }

    public Long getEtcdRevision() {
        return etcdRevision;
    }

    public void setEtcdRevision(Long etcdRevision) {
        this.etcdRevision = etcdRevision;
    }

    public Boolean getVerified() {
        return verified;
    }

    public void setVerified(Boolean verified) {
        this.verified = verified;
    }
}
