package dev.hcprollback.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ControlPlaneSnapshotStatus extends ObservedStatus {

    @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
    private SnapshotPhase phase;
    @JsonPropertyDescription("spec.release.image of the HostedCluster while the snapshot was taken.")
    private String releaseImage;
    @JsonPropertyDescription("spec.controlPlaneRelease.image of the HostedCluster, when it sets one.")
    private String controlPlaneReleaseImage;
    @JsonPropertyDescription("The version of the control-plane payload: controlPlaneRelease when set, else release.")
    private String version;
    @JsonPropertyDescription("UID of the HostedCluster snapshotted: a snapshot backs a rollback of that very cluster only.")
    private String hostedClusterUid;
    @JsonPropertyDescription("Content digest of the release payload (sha256:...), from its pull spec or the version history.")
    private String releaseDigest;
    @JsonPropertyDescription("Version of the release payload.")
    private String releaseVersion;
    @JsonPropertyDescription("Content digest of the controlPlaneRelease payload, when the HostedCluster sets one.")
    private String controlPlaneReleaseDigest;
    @JsonPropertyDescription("Version of the controlPlaneRelease payload, when the HostedCluster sets one.")
    private String controlPlaneReleaseVersion;
    @JsonPropertyDescription("etcd's revision at the snapshot.")
    private Long etcdRevision;
    @JsonPropertyDescription("The image of the etcd StatefulSet's etcd container when the snapshot was taken: the etcd of its payload.")
    private String etcdImage;
    @JsonPropertyDescription("The etcd server version that answered the snapshot, e.g. 3.5.16, from etcd's Maintenance Status.")
    private String etcdVersion;
    @JsonPropertyDescription("Size of the stored object in bytes (compressed when compression is zstd).")
    private Long sizeBytes;
    @JsonPropertyDescription("Size of the snapshot as etcd sent it, in bytes: what a restore writes on a member's volume. Absent on snapshots taken before it was recorded.")
    private Long etcdSizeBytes;
    @JsonPropertyDescription("SHA-256 of the stored object (compressed when compression is zstd), hex.")
    private String sha256;
    @JsonPropertyDescription("How the object is stored: none (the etcd snapshot file) or zstd; absent means none. The restore decodes it, and etcd's own hash is checked on the decoded snapshot.")
    private SnapshotCompression compression;
    @JsonPropertyDescription("Where the snapshot is stored, as a URL of the storage backend, e.g. s3://bucket/key.")
    private String location;
    @JsonPropertyDescription("When the last attempt started (RFC 3339).")
    private String startTime;
    @JsonPropertyDescription("When the snapshot was stored and verified, or the last attempt failed (RFC 3339).")
    private String completionTime;
    @JsonPropertyDescription("True only once the stored object was read back and its SHA-256 matched: the only snapshots a rollback may use.")
    private Boolean verified;
    @JsonPropertyDescription("What happened last, in a sentence.")
    private String message;
    @JsonPropertyDescription("Key of the snapshot object in the store (the manifest has the same key with .json).")
    private String objectKey;
    @JsonPropertyDescription("Failed attempts so far.")
    private Integer attempts;
    @JsonPropertyDescription("Why the last attempt failed: EtcdUnreachable, CredentialsMissing, HashMismatch, ...")
    private String failureReason;
    @JsonPropertyDescription("When the next attempt is due after a failure (RFC 3339); absent when none will follow.")
    private String nextAttemptTime;
    @JsonPropertyDescription("The secret-encryption keys the snapshotted data may be encrypted with (identities and fingerprints, never the keys); absent on snapshots taken before it was recorded.")
    private SnapshotEncryption encryption;
    @JsonPropertyDescription("On a HostedCluster with etcd shards on PersistentVolumes (TechPreview EtcdSharding): each shard's etcd, snapshotted in the same attempt as the default etcd (whose object is objectKey) and stored as its own object; the snapshot is verified only when every shard is. Absent when the cluster has no such shard, and on snapshots taken before shards were snapshotted.")
    private List<SnapshotShard> shards;

    public List<SnapshotShard> getShards() {
        return shards;
    }

    public void setShards(List<SnapshotShard> shards) {
        this.shards = shards;
    }

    public SnapshotEncryption getEncryption() {
        return encryption;
    }

    public void setEncryption(SnapshotEncryption encryption) {
        this.encryption = encryption;
    }

    public SnapshotPhase getPhase() {
        return phase;
    }

    public void setPhase(SnapshotPhase phase) {
        this.phase = phase;
    }

    public String getReleaseImage() {
        return releaseImage;
    }

    public void setReleaseImage(String releaseImage) {
        this.releaseImage = releaseImage;
    }

    public String getControlPlaneReleaseImage() {
        return controlPlaneReleaseImage;
    }

    public void setControlPlaneReleaseImage(String controlPlaneReleaseImage) {
        this.controlPlaneReleaseImage = controlPlaneReleaseImage;
    }

    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }

    public String getHostedClusterUid() {
        return hostedClusterUid;
    }

    public void setHostedClusterUid(String hostedClusterUid) {
        this.hostedClusterUid = hostedClusterUid;
    }

    public String getReleaseDigest() {
        return releaseDigest;
    }

    public void setReleaseDigest(String releaseDigest) {
        this.releaseDigest = releaseDigest;
    }

    public String getReleaseVersion() {
        return releaseVersion;
    }

    public void setReleaseVersion(String releaseVersion) {
        this.releaseVersion = releaseVersion;
    }

    public String getControlPlaneReleaseDigest() {
        return controlPlaneReleaseDigest;
    }

    public void setControlPlaneReleaseDigest(String controlPlaneReleaseDigest) {
        this.controlPlaneReleaseDigest = controlPlaneReleaseDigest;
    }

    public String getControlPlaneReleaseVersion() {
        return controlPlaneReleaseVersion;
    }

    public void setControlPlaneReleaseVersion(String controlPlaneReleaseVersion) {
        this.controlPlaneReleaseVersion = controlPlaneReleaseVersion;
    }

    public Long getEtcdRevision() {
        return etcdRevision;
    }

    public void setEtcdRevision(Long etcdRevision) {
        this.etcdRevision = etcdRevision;
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

    public SnapshotCompression getCompression() {
        return compression;
    }

    public void setCompression(SnapshotCompression compression) {
        this.compression = compression;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    public String getLocation() {
        return location;
    }

    public void setLocation(String location) {
        this.location = location;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }

    public String getCompletionTime() {
        return completionTime;
    }

    public void setCompletionTime(String completionTime) {
        this.completionTime = completionTime;
    }

    public Boolean getVerified() {
        return verified;
    }

    public void setVerified(Boolean verified) {
        this.verified = verified;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getObjectKey() {
        return objectKey;
    }

    public void setObjectKey(String objectKey) {
        this.objectKey = objectKey;
    }

    public Integer getAttempts() {
        return attempts;
    }

    public void setAttempts(Integer attempts) {
        this.attempts = attempts;
    }

    public String getFailureReason() {
        return failureReason;
    }

    public void setFailureReason(String failureReason) {
        this.failureReason = failureReason;
    }

    public String getNextAttemptTime() {
        return nextAttemptTime;
    }

    public void setNextAttemptTime(String nextAttemptTime) {
        this.nextAttemptTime = nextAttemptTime;
    }

    public String getEtcdImage() {
        return etcdImage;
    }

    public void setEtcdImage(String etcdImage) {
        this.etcdImage = etcdImage;
    }

    public String getEtcdVersion() {
        return etcdVersion;
    }

    public void setEtcdVersion(String etcdVersion) {
        this.etcdVersion = etcdVersion;
    }

    @Override
    @JsonPropertyDescription("Ready (True once stored and verified) and Failed (True when the last attempt failed; reason: EtcdUnreachable, HashMismatch, ...), in the shape of metav1.Condition, one per type.")
    public List<Condition> getConditions() {
        return super.getConditions();
    }
}
