package dev.hcprollback.webhook.rules;

/**
 * Every decision the admission webhooks make, by a stable id. The id appears in deny messages,
 * in the audit annotation {@code rule} and in the metrics; {@code docs/admission-rules.md} explains each.
 */
public enum Rule {
    // HostedCluster: nothing to judge
    NOT_AN_UPDATE("not-an-update"),
    NO_RELEASE_CHANGE("no-release-change"),
    SAME_VERSION("same-version"),
    UNKNOWN_VERSION("unknown-version"),
    // HostedCluster: a payload of unknown version needs the rollback verb (upgrade-gate.unknown-payload=authorise)
    UNKNOWN_PAYLOAD("unknown-payload"),
    // HostedCluster: the image override annotations
    IMAGE_OVERRIDE_UNAUTHORISED("image-override-unauthorised"),
    IMAGE_OVERRIDE_AUTHORISED("image-override-authorised"),
    // HostedCluster: the payload a rollback took the cluster off, and its quarantine annotations
    PAYLOAD_QUARANTINED("payload-quarantined"),
    QUARANTINE_BY_SIDECAR("quarantine-by-sidecar"),
    QUARANTINE_LIFT_UNAUTHORISED("quarantine-lift-unauthorised"),
    QUARANTINE_LIFT_INVALID("quarantine-lift-invalid"),
    QUARANTINE_RECORDED("quarantine-recorded"),
    QUARANTINE_LIFTED("quarantine-lifted"),
    // HostedCluster: upgrades
    UPGRADE("upgrade"),
    UPGRADE_GATE("upgrade-gate"),
    // HostedCluster: the rollback request annotations
    REQUEST_UNAUTHORISED("request-unauthorised"),
    AUTO_ROLLBACK_FILED_BY_SIDECAR("auto-rollback-filed-by-sidecar"),
    REQUEST_RECORDED("request-recorded"),
    TO_VERSION_NOT_CANONICAL("to-version-not-canonical"),
    REQUEST_ANNOTATION_INVALID("request-annotation-invalid"),
    // HostedCluster: the cancel annotation
    CANCEL_RECORDED("cancel-recorded"),
    CANCEL_NOT_OWN_NAME("cancel-not-own-name"),
    CANCEL_PAST_POINT_OF_NO_RETURN("cancel-past-point-of-no-return"),
    CANCEL_PENDING("cancel-pending"),
    // HostedCluster: downgrades, checked in this order
    ROLLBACK_NOT_REQUESTED("rollback-not-requested"),
    ROLLBACK_VERSION_MISMATCH("rollback-version-mismatch"),
    ROLLBACK_REASON_MISSING("rollback-reason-missing"),
    ROLLBACK_UNAUTHORISED("rollback-unauthorised"),
    // the shared eligibility (RollbackEligibility), also re-checked by the rollback controller
    TARGET_NOT_OLDER("target-not-older"),
    Y_STREAM_ROLLBACK("y-stream-rollback"),
    NOT_PREVIOUS_VERSION("not-previous-version"),
    ROLLBACK_WINDOW_EXPIRED("rollback-window-expired"),
    NO_VERIFIED_SNAPSHOT("no-verified-snapshot"),
    ENCRYPTION_KEY_GONE("encryption-key-gone"),
    ETCD_SHARD_NOT_SNAPSHOTTED("etcd-shard-not-snapshotted"),
    NODEPOOL_NEWER_MINOR("nodepool-newer-minor"),
    BELOW_ROLLBACK_FLOOR("below-rollback-floor"),
    ROLLBACK_FLOOR_INVALID("rollback-floor-invalid"),
    ROLLBACK_ADMITTED("rollback-admitted"),
    // ControlPlaneSnapshot
    SNAPSHOT_STATUS_WRITER("snapshot-status-writer"),
    SNAPSHOT_ROLLBACK_POINT("snapshot-rollback-point"),
    SNAPSHOT_WRITE("snapshot-write"),
    SNAPSHOT_SPEC_IMMUTABLE("snapshot-spec-immutable"),
    // ControlPlaneUpdate: the update records are the sidecar's evidence
    UPDATE_RECORD_SPEC_IMMUTABLE("update-record-spec-immutable"),
    UPDATE_RECORD_WRITER("update-record-writer"),
    UPDATE_RECORD_WRITE("update-record-write"),
    // HostedControlPlane: the release images and image annotations HyperShift copies from the HostedCluster
    HCP_NO_RELEASE_CHANGE("hcp-no-release-change"),
    HCP_RELEASE_BY_HYPERSHIFT("hcp-release-by-hypershift"),
    HCP_RELEASE_WRITER("hcp-release-writer"),
    HCP_IMAGE_ANNOTATION_WRITER("hcp-image-annotation-writer"),
    // ControlPlaneRollback: the records the rollback controller acts on
    ROLLBACK_RECORD_BY_SIDECAR("rollback-record-by-sidecar"),
    ROLLBACK_RECORD_REQUESTER("rollback-record-requester"),
    ROLLBACK_RECORD_UNAUTHORISED("rollback-record-unauthorised"),
    ROLLBACK_RECORD_INCOMPLETE("rollback-record-incomplete"),
    ROLLBACK_RECORD_NO_CLUSTER("rollback-record-no-cluster"),
    ROLLBACK_RECORD_SNAPSHOT("rollback-record-snapshot"),
    ROLLBACK_RECORD_ADMITTED("rollback-record-admitted"),
    ROLLBACK_RECORD_SPEC_IMMUTABLE("rollback-record-spec-immutable"),
    ROLLBACK_RECORD_STATUS_WRITER("rollback-record-status-writer"),
    ROLLBACK_RECORD_WRITE("rollback-record-write");

    private final String id;

    Rule(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The rule of an eligibility refusal: the same id. */
    public static Rule of(dev.hcprollback.eligibility.RollbackEligibility.Refusal refusal) {
        for (Rule rule : values()) {
            if (rule.id.equals(refusal.id())) {
                return rule;
            }
        }
        throw new IllegalArgumentException("no admission rule for " + refusal.id());
    }
}
