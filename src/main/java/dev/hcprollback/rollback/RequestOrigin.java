package dev.hcprollback.rollback;

import java.util.Optional;

import dev.hcprollback.api.ControlPlaneRollback;
import dev.hcprollback.api.RollbackNames;
import dev.hcprollback.hypershift.HostedCluster;

/**
 * Who asked for a rollback, as far as the record shows: the sidecar creates records only from admitted
 * request annotations, labels them with the request and makes the HostedCluster their owner; a record
 * created directly names its creator in {@code spec.requestedBy}, which the admission webhook checks
 * against the requester (the mock API server in tests runs no admission, so a record without it can exist).
 */
final class RequestOrigin {

    private RequestOrigin() {
    }

    static String of(ControlPlaneRollback rollback) {
        Optional<String> owner = Optional.ofNullable(rollback.getMetadata().getOwnerReferences()).stream()
                .flatMap(java.util.List::stream)
                .filter(ref -> HostedCluster.class.getSimpleName().equals(ref.getKind()))
                .map(ref -> ref.getName()).findFirst();
        boolean fromRequest = rollback.getMetadata().getLabels() != null
                && rollback.getMetadata().getLabels().containsKey(RollbackNames.REQUEST_LABEL);
        if (fromRequest && owner.isPresent()) {
            return "Requested by: the rollback annotations of HostedCluster " + owner.get()
                    + " (admitted for a holder of the rollback verb; record created by hcp-rollback).";
        }
        String creator = Optional.ofNullable(rollback.getSpec().getRequestedBy()).filter(name -> !name.isBlank())
                .orElse("an unnamed user (its creator is in the API server's audit log)");
        return "Requested by: " + creator + ", who created ControlPlaneRollback " + rollback.getMetadata().getName()
                + " directly, not from request annotations.";
    }
}
