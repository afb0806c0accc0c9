package dev.hcprollback.webhook.rules;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.hcprollback.api.ControlPlaneUpdate;
import dev.hcprollback.config.HcpRollbackConfig;
import dev.hcprollback.webhook.review.AdmissionCall;
import dev.hcprollback.webhook.review.ImmutableSpec;

/**
 * Admission rules for ControlPlaneUpdate: a record is evidence (health verdict, rollback point, whether an
 * automatic rollback was filed) that retention and the automatic rollback act on, so only the sidecar
 * creates or writes one, status included; its spec (which cluster, from and to) never changes, not even by
 * the sidecar. Deletion is left to RBAC (customers get read only), so that deleting a namespace is never
 * held up by the webhook.
 */
@ApplicationScoped
public class UpdateRecordGuard {

    private final HcpRollbackConfig config;

    public UpdateRecordGuard(HcpRollbackConfig config) {
        this.config = config;
    }

    /** {@code before} is null on CREATE. */
    public Verdict judge(AdmissionCall call, ControlPlaneUpdate before, ControlPlaneUpdate after) {
        List<String> changed = ImmutableSpec.changedFields(call);
        if (!changed.isEmpty()) {
            return Verdict.deny(Rule.UPDATE_RECORD_SPEC_IMMUTABLE, "the spec of ControlPlaneUpdate " + call.name()
                    + " cannot change after creation (" + ImmutableSpec.describe(changed) + " changed): it records which "
                    + "update of which cluster the record judges.");
        }
        if (!config.serviceAccount().equals(call.requester().username())) {
            return Verdict.deny(Rule.UPDATE_RECORD_WRITER, "only " + config.serviceAccount() + " may "
                    + (before == null ? "create" : "write") + " a ControlPlaneUpdate" + (call.isStatusUpdate() ? "'s status" : "")
                    + "; its health verdict, rollback point and automatic-rollback record are what retention and automatic"
                    + " rollbacks act on. Read it with kubectl get cpupd.");
        }
        return Verdict.allow(Rule.UPDATE_RECORD_WRITE, call.operation() + " " + call.name() + " by the sidecar");
    }
}
