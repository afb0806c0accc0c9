package dev.hcprollback.api;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ControlPlaneSnapshotStatus extends ObservedStatus {

    private SnapshotPhase phase;
    /** {@code spec.release.image} of the HostedCluster while the snapshot was taken. */
    private String releaseImage;
    /** {@code spec.controlPlaneRelease.image} of the HostedCluster, when it sets one. */
    private String controlPlaneReleaseImage;
    /** The version of the control-plane payload ({@code controlPlaneRelease} when set, else {@code release}). */
    private String version;
    /** UID of the HostedCluster snapshotted: a snapshot backs a rollback of that very cluster only. */
    private String hostedClusterUid;
    /** Content digest of the {@code release} payload ({@code sha256:...}), from its pull spec or the version history. */
    private String releaseDigest;
    /** Version of the {@code release} payload. */
    private String releaseVersion;
    /** Content digest of the {@code controlPlaneRelease} payload, when the HostedCluster sets one. */
    private String controlPlaneReleaseDigest;
    /** Version of the {@code controlPlaneRelease} payload, when the HostedCluster sets one. */
    private String controlPlaneReleaseVersion;
    private Long etcdRevision;
    /** The image of the etcd StatefulSet's {@code etcd} container when the snapshot was taken: the etcd of its payload. */
    private String etcdImage;
    /** The etcd server version that answered the snapshot ({@code 3.5.16}), from etcd's Maintenance Status. */
    private String etcdVersion;
    /** Size of the stored object in bytes (compressed when {@code compression} is {@code zstd}). */
    private Long sizeBytes;
    /**
     * Size of the snapshot as etcd sent it, bytes: what a restore writes on a member's volume (the decoded
     * file when the object is stored compressed). Absent on snapshots taken before it was recorded.
     */
    private Long etcdSizeBytes;
    /** SHA-256 of the stored object (compressed when {@code compression} is {@code zstd}), hex. */
    private String sha256;
    /**
     * How the object is stored: {@code none} (the etcd snapshot file) or {@code zstd}; absent means
     * {@code none}. The restore decodes it, and etcd's own hash is checked on the decoded snapshot.
     */
    private SnapshotCompression compression;
    /** Where the snapshot is stored, as a URL of the storage backend ({@code s3://bucket/key}). */
    private String location;
    private String startTime;
    private String completionTime;
    /** True only once the stored object was read back and its SHA-256 matched. */
    private Boolean verified;
    private String message;
    /** Key of the snapshot object in the store (the manifest has the same key with {@code .json}). */
    private String objectKey;
    /** Failed attempts so far. */
    private Integer attempts;
    /** Why the last attempt failed ({@code EtcdUnreachable}, {@code CredentialsMissing}, {@code HashMismatch}, ...). */
    private String failureReason;
    /** When the next attempt is due after a failure; absent when none will follow. */
    private String nextAttemptTime;

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
}
